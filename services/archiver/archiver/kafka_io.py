"""Kafka on both sides of the archiver: the consumer it reads from and the DLQ it writes to.

Partitions are assigned manually and positioned from what HDFS holds (never from the group's
committed offsets, which are written only so `souk status` and kafka-consumer-groups show lag).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from archiver.exceptions import ArchiverError
from archiver.retry import Backoff
from souk.contract import DeadLetter, encode, encode_key
from souk.logs import get_logger

log = get_logger()


class TopicMissing(ArchiverError):
    """An archived topic does not exist (yet): retried like a broker outage."""


class KafkaSource:
    """A manually assigned consumer positioned at the offsets recovery gives."""

    def __init__(self, bootstrap: str, group_id: str, backoff: Backoff, check_crcs: bool = False) -> None:
        self.backoff = backoff
        self.consumer: KafkaConsumer = backoff.run(
            "kafka",
            "connect",
            lambda: KafkaConsumer(
                bootstrap_servers=bootstrap,
                group_id=group_id,
                client_id="archiver",
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                max_partition_fetch_bytes=8 * 1024 * 1024,
                fetch_max_bytes=64 * 1024 * 1024,
                max_poll_records=20_000,
                # Reads only what producers committed, should one ever write transactionally.
                isolation_level="read_committed",
                # Without the `crc32c` C module kafka-python checks CRC32C in pure Python, which
                # costs more CPU than all the rest of the archiver; the broker validated each
                # batch's CRC when it was produced, and TCP checksums the transfer.
                check_crcs=check_crcs,
            ),
            (KafkaError,),
            bootstrap=bootstrap,
        )

    def partitions(self, topic: str) -> list[int]:
        def lookup() -> list[int]:
            found = self.consumer.partitions_for_topic(topic)
            if not found:
                raise TopicMissing(f"topic {topic} does not exist")
            return sorted(found)

        return self.backoff.run("kafka", "partitions", lookup, (TopicMissing, KafkaError), topic=topic)

    def assign(self, positions: dict[TopicPartition, int | None]) -> None:
        """Assign every partition and seek it; None means from the beginning of what Kafka keeps."""
        self.consumer.assign(list(positions))
        starts = self.backoff.run("kafka", "beginning_offsets", lambda: self.consumer.beginning_offsets(list(positions)), (KafkaError,))
        for tp, offset in positions.items():
            if offset is None or offset < starts[tp]:
                if offset is not None:
                    log.error("archiver.kafka.records_expired", topic=tp.topic, partition=tp.partition, resume=offset, log_start=starts[tp])
                self.consumer.seek(tp, starts[tp])
            else:
                self.consumer.seek(tp, offset)

    def poll(self, timeout_ms: int) -> dict[TopicPartition, list[Any]]:
        batch: dict[TopicPartition, list[Any]] = self.consumer.poll(timeout_ms=timeout_ms)
        return batch

    def lag(self, tps: Iterable[TopicPartition]) -> int | None:
        total = 0
        for tp in tps:
            high = self.consumer.highwater(tp)
            if high is None:
                return None
            total += max(0, high - self.consumer.position(tp, timeout_ms=1000))
        return total

    def commit(self, topic: str, partition: int, next_offset: int) -> None:
        """Tell the group where the archive is (monitoring only: the archive itself is the truth)."""
        offsets = {TopicPartition(topic, partition): OffsetAndMetadata(next_offset, "", -1)}
        try:
            self.consumer.commit_async(offsets)
        except KafkaError as error:
            log.warning("archiver.kafka.commit_failed", topic=topic, partition=partition, offset=next_offset, error=str(error))

    def connected(self) -> bool:
        """Whether any broker connection is up (for a log line only; kafka-python reconnects by itself)."""
        try:
            client = self.consumer._client
            return any(client.connected(broker.nodeId) for broker in client.cluster.brokers())
        except AttributeError:  # another kafka-python layout: do not cry wolf
            return True

    def close(self) -> None:
        self.consumer.close(autocommit=False)


class KafkaDeadLetters:
    """The DLQ: letters are sent as they come and awaited before the roll that covers them commits."""

    def __init__(self, bootstrap: str, topic: str, backoff: Backoff) -> None:
        self.topic = topic
        self.backoff = backoff
        self.producer: KafkaProducer = backoff.run(
            "kafka",
            "connect",
            lambda: KafkaProducer(bootstrap_servers=bootstrap, client_id="archiver-dlq", acks="all", linger_ms=20),
            (KafkaError,),
            bootstrap=bootstrap,
        )
        self.pending: list[tuple[DeadLetter, Any]] = []

    def send(self, letter: DeadLetter) -> None:
        try:
            future = self._send(letter)
        except KafkaError as error:  # no metadata for the DLQ yet (broker down): flush() sends it again
            log.warning("archiver.kafka.retry", op="dlq", topic=self.topic, origin_offset=letter.origin_offset, error=str(error))
            future = None
        self.pending.append((letter, future))

    def _send(self, letter: DeadLetter) -> Any:
        return self.producer.send(self.topic, key=encode_key(letter), value=encode(letter))

    def flush(self) -> None:
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
            except KafkaError:
                attempt[0] = None
                raise

        self.backoff.run("kafka", "dlq", delivered, (KafkaError,), topic=self.topic, origin_offset=letter.origin_offset)

    def close(self) -> None:
        self.producer.close(timeout=10)
