"""Kafka on both sides of the archiver: the consumer it reads from (aiokafka) and the DLQ it writes to (kafka-python).

Partitions are assigned manually and positioned from what HDFS holds (never from the group's
committed offsets, which are written only so `souk status` and kafka-consumer-groups show lag).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterable
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError
from aiokafka.structs import TopicPartition
from kafka import KafkaProducer
from kafka.errors import KafkaError as ProducerError

from archiver.exceptions import ArchiverError
from archiver.retry import Backoff
from souk.contract import DeadLetter, encode, encode_key
from souk.logs import get_logger

log = get_logger()
T = TypeVar("T")


class TopicMissing(ArchiverError):
    """An archived topic does not exist (yet): retried like a broker outage."""


class KafkaSource:
    """A manually assigned consumer positioned at the offsets recovery gives.

    aiokafka, because its record batches are parsed in C (kafka-python's pure-Python parsing cost
    about a quarter of the archiver's CPU): the consumer lives on an event loop in its own thread,
    which fetches ahead while the caller decodes, and every method here is a blocking call into it.
    """

    def __init__(self, bootstrap: str, group_id: str, backoff: Backoff, check_crcs: bool = False) -> None:
        self.backoff = backoff
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="archiver-kafka", daemon=True)
        self.thread.start()

        async def make() -> AIOKafkaConsumer:
            return AIOKafkaConsumer(
                bootstrap_servers=bootstrap,
                group_id=group_id,
                client_id="archiver",
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                max_partition_fetch_bytes=8 * 1024 * 1024,
                fetch_max_bytes=64 * 1024 * 1024,
                # Reads only what producers committed, should one ever write transactionally.
                isolation_level="read_committed",
                # The broker validated each batch's CRC when it was produced, and TCP checksums the transfer.
                check_crcs=check_crcs,
            )

        self.consumer = self._call(make())
        backoff.run("kafka", "connect", lambda: self._call(self.consumer.start()), (KafkaError,), bootstrap=bootstrap)

    def _call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def partitions(self, topic: str) -> list[int]:
        async def lookup() -> list[int]:
            cluster = await self.consumer._client.fetch_all_metadata()
            found = cluster.partitions_for_topic(topic)
            if not found:
                raise TopicMissing(f"topic {topic} does not exist")
            return sorted(found)

        return self.backoff.run("kafka", "partitions", lambda: self._call(lookup()), (TopicMissing, KafkaError), topic=topic)

    def assign(self, positions: dict[TopicPartition, int | None]) -> None:
        """Assign every partition and seek it; None means from the beginning of what Kafka keeps."""
        tps = list(positions)

        async def assign() -> None:  # aiokafka's state belongs to its loop: change it there
            self.consumer.assign(tps)

        self._call(assign())
        starts = self.backoff.run("kafka", "beginning_offsets", lambda: self._call(self.consumer.beginning_offsets(tps)), (KafkaError,))

        async def seek() -> None:
            for tp, offset in positions.items():
                if offset is None or offset < starts[tp]:
                    if offset is not None:
                        log.error(
                            "archiver.kafka.records_expired", topic=tp.topic, partition=tp.partition, resume=offset, log_start=starts[tp]
                        )
                    self.consumer.seek(tp, starts[tp])
                else:
                    self.consumer.seek(tp, offset)

        self._call(seek())

    def poll(self, timeout_ms: int, max_records: int = 10_000) -> dict[TopicPartition, list[Any]]:
        batch: dict[TopicPartition, list[Any]] = self._call(self.consumer.getmany(timeout_ms=timeout_ms, max_records=max_records))
        return batch

    def lag(self, tps: Iterable[TopicPartition]) -> int | None:
        async def lag() -> int | None:
            total = 0
            for tp in tps:
                high = self.consumer.highwater(tp)
                if high is None:
                    return None
                total += max(0, high - await self.consumer.position(tp))
            return total

        return self._call(asyncio.wait_for(lag(), timeout=5))

    def commit(self, topic: str, partition: int, next_offset: int) -> None:
        """Tell the group where the archive is (monitoring only: the archive itself is the truth); does not wait."""

        async def commit() -> None:
            try:
                await self.consumer.commit({TopicPartition(topic, partition): next_offset})
            except KafkaError as error:
                log.warning("archiver.kafka.commit_failed", topic=topic, partition=partition, offset=next_offset, error=str(error))

        asyncio.run_coroutine_threadsafe(commit(), self.loop)

    def connected(self) -> bool:
        """Whether any broker connection is up (for a log line only; aiokafka reconnects by itself)."""
        try:
            return any(conn.connected() for conn in self.consumer._client._conns.values())
        except AttributeError:  # another aiokafka layout: do not cry wolf
            return True

    def close(self) -> None:
        try:
            self._call(asyncio.wait_for(self.consumer.stop(), timeout=10))
        except (TimeoutError, KafkaError) as error:
            log.warning("archiver.kafka.close_failed", error=str(error))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


class KafkaDeadLetters:
    """The DLQ: letters are sent as they come and awaited before the roll that covers them commits.

    The producer is made on the first letter (a clean topic never pays for its background thread).
    `send` runs in the consumer's thread and `flush` in the committer's, hence the lock.
    """

    def __init__(self, bootstrap: str, topic: str, backoff: Backoff) -> None:
        self.bootstrap = bootstrap
        self.topic = topic
        self.backoff = backoff
        self._producer: KafkaProducer | None = None
        self.lock = threading.Lock()
        self.pending: list[tuple[DeadLetter, Any]] = []

    @property
    def producer(self) -> KafkaProducer:
        with self.lock:
            if self._producer is None:
                self._producer = self.backoff.run(
                    "kafka",
                    "connect",
                    lambda: KafkaProducer(bootstrap_servers=self.bootstrap, client_id="archiver-dlq", acks="all", linger_ms=20),
                    (ProducerError,),
                    bootstrap=self.bootstrap,
                )
            return self._producer

    def send(self, letter: DeadLetter) -> None:
        try:
            future = self._send(letter)
        except ProducerError as error:  # no metadata for the DLQ yet (broker down): flush() sends it again
            log.warning("archiver.kafka.retry", op="dlq", topic=self.topic, origin_offset=letter.origin_offset, error=str(error))
            future = None
        with self.lock:
            self.pending.append((letter, future))

    def _send(self, letter: DeadLetter) -> Any:
        return self.producer.send(self.topic, key=encode_key(letter), value=encode(letter))

    def flush(self) -> None:
        with self.lock:
            pending, self.pending = self.pending, []
        for letter, future in pending:
            self._deliver(letter, future)

    def _deliver(self, letter: DeadLetter, future: Any) -> None:
        attempt = [future]

        def delivered() -> None:
            try:
                if attempt[0] is None:
                    attempt[0] = self._send(letter)
                attempt[0].get(timeout=30)
            except ProducerError:
                attempt[0] = None
                raise

        self.backoff.run("kafka", "dlq", delivered, (ProducerError,), topic=self.topic, origin_offset=letter.origin_offset)

    def close(self) -> None:
        if self._producer is not None:
            self._producer.close(timeout=10)
