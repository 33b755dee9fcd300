"""The running archiver: Kafka in, HDFS out, a heartbeat for `souk status`, SIGTERM → flush and exit 0."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from aiokafka.structs import TopicPartition

from archiver.committer import BackgroundCommitter
from archiver.destinations import Destination, WebHdfsDestination
from archiver.kafka_io import KafkaDeadLetters, KafkaSource
from archiver.layout import Layout
from archiver.retry import Backoff, RetryingDestination
from archiver.settings import ArchiverSettings
from archiver.writer import Archiver, RollPolicy
from souk.contract import DLQ, SOURCE_TOPICS
from souk.logs import get_logger

log = get_logger()
HEARTBEAT_EVERY_S = 5.0
POLL_MS = 500


def policy_from(settings: ArchiverSettings) -> RollPolicy:
    return RollPolicy(
        records=settings.roll_records,
        bytes=settings.roll_bytes,
        span_ms=int(settings.roll_span_s * 1000),
        seconds=settings.roll_seconds,
        max_buffered=settings.max_buffered_records,
        lateness_ms=int(settings.lateness_s * 1000),
        idle_s=settings.idle_s,
    )


def hdfs_destination(settings: ArchiverSettings) -> Destination:
    return RetryingDestination(WebHdfsDestination(settings.hdfs_url, settings.hdfs_user), Backoff(settings.hdfs_retry_s))


def run(settings: ArchiverSettings, stop: threading.Event, destination: Destination | None = None) -> None:
    """Archive until `stop` is set, then commit everything buffered. Raises GaveUp on a lasting outage."""
    kafka_backoff = Backoff(settings.kafka_retry_s)
    dest = destination or hdfs_destination(settings)
    topics = {spec.name(settings.topic_prefix): spec.base for spec in SOURCE_TOPICS if spec.base in settings.topic_bases}
    source = KafkaSource(settings.kafka_bootstrap, settings.group_id, kafka_backoff, check_crcs=settings.check_crcs)
    dlq = KafkaDeadLetters(settings.kafka_bootstrap, DLQ.name(settings.topic_prefix), kafka_backoff)
    # Rolls are encoded and uploaded on a background thread while the next ones are read; the
    # records they hold count once more against the memory bound (so at most twice it in all).
    committer = BackgroundCommitter(max_records=settings.max_buffered_records)
    archiver = Archiver(Layout(settings.base_dir), dest, dlq, topics, policy_from(settings), on_commit=source.commit, committer=committer)
    try:
        positions: dict[TopicPartition, int | None] = {}
        for topic in topics:
            partitions = source.partitions(topic)
            for partition, offset in archiver.recover(topic, partitions).items():
                positions[TopicPartition(topic, partition)] = offset
        source.assign(positions)
        log.info("archiver.started", topics=sorted(topics), partitions=len(positions), base_dir=settings.base_dir, hdfs=settings.hdfs_url)
        last_beat = 0.0
        last_record = time.monotonic()
        while not stop.is_set():
            batch = source.poll(POLL_MS)
            for tp, records in batch.items():
                archiver.add_batch(tp.topic, tp.partition, [record.offset for record in records], [record.value for record in records])
            now = time.monotonic()
            if batch:
                last_record = now
            elif now - last_record > 30 and not source.connected():
                log.warning("archiver.kafka.retry", op="poll", error="no broker connection", idle_s=round(now - last_record))
                last_record = now
            archiver.tick()
            if now - last_beat >= HEARTBEAT_EVERY_S:
                last_beat = now
                beat(settings.heartbeat_file, archiver, source, positions)
        log.info("archiver.stopping", buffered=archiver.buffered)
        archiver.flush_all()
        beat(settings.heartbeat_file, archiver, source, positions)
        log.info("archiver.stopped", files=archiver.stats.files, records=archiver.stats.records, dead_letters=archiver.stats.dead_letters)
    finally:
        archiver.close()
        dlq.close()
        source.close()


def beat(path: Path | None, archiver: Archiver, source: KafkaSource, tps: dict[TopicPartition, int | None]) -> None:
    if path is None:
        return
    try:
        lag = source.lag(tps)
    except Exception:  # a status line must never stop the archiver
        lag = None
    s = archiver.stats
    line = f"lag={'?' if lag is None else lag} files={s.files} records={s.records} buffered={archiver.buffered} dlq={s.dead_letters}"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(line + "\n", encoding="utf-8")
    tmp.replace(path)
