"""Where messages go: Kafka (kafka-python, idempotent, acks=all) or a list in memory for tests.

A sink reports back which sends were acknowledged: ``send`` takes a ``token`` (whatever the
caller needs to account for the message) and ``drain`` returns the tokens acknowledged since the
last call and the tokens whose send failed, with the error.
"""

from __future__ import annotations

import collections
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from producer.errors import KafkaUnavailable, SendRejected
from souk.logs import get_logger

log = get_logger()


class Sink(Protocol):
    """Sends messages and tells which ones the destination acknowledged."""

    def send(self, topic: str, key: bytes, value: bytes, token: Any) -> None:
        """Queue one message; SendRejected when the destination cannot even take it."""

    def drain(self) -> tuple[list[Any], list[tuple[Any, BaseException]]]:
        """Tokens acknowledged and tokens failed since the last call."""

    def flush(self, timeout_s: float) -> None:
        """Wait until every queued message is acknowledged or failed (or ``timeout_s`` passes)."""

    def unresolved(self) -> int:
        """Messages sent and neither acknowledged nor failed yet (after flush: lost track of)."""

    def close(self) -> None: ...


@dataclass
class MemorySink:
    """Acknowledges every message at once and keeps it: (topic, key, value) in send order."""

    messages: list[tuple[str, bytes, bytes]] = field(default_factory=list)
    _acked: list[Any] = field(default_factory=list)

    def send(self, topic: str, key: bytes, value: bytes, token: Any) -> None:
        self.messages.append((topic, key, value))
        self._acked.append(token)

    def drain(self) -> tuple[list[Any], list[tuple[Any, BaseException]]]:
        acked, self._acked = self._acked, []
        return acked, []

    def flush(self, timeout_s: float) -> None:
        return None

    def unresolved(self) -> int:
        return 0

    def close(self) -> None:
        return None


class KafkaSink:
    """kafka-python's KafkaProducer with idempotence and acks from all in-sync replicas.

    Idempotence makes the broker drop the duplicates its own retries would create, so a message
    acknowledged once is in the log once. No callbacks: they would run on kafka-python's sender
    thread, the throughput bottleneck; ``drain`` looks at the futures, in send order, instead.
    """

    def __init__(self, producer: Any) -> None:
        self._producer = producer
        self._pending: collections.deque[tuple[Any, Any]] = collections.deque()

    def send(self, topic: str, key: bytes, value: bytes, token: Any) -> None:
        from kafka.errors import KafkaError

        try:
            future = self._producer.send(topic, key=key, value=value)
        except KafkaError as exc:
            raise SendRejected(f"{type(exc).__name__}: {exc}") from exc
        self._pending.append((future, token))

    def drain(self) -> tuple[list[Any], list[tuple[Any, BaseException]]]:
        # Up to the first send still in flight: partitions finish out of order, so a few finished
        # ones may wait for the next call; flush() then drain() leaves nothing behind.
        acked: list[Any] = []
        failed: list[tuple[Any, BaseException]] = []
        pending = self._pending
        while pending and pending[0][0].is_done:
            future, token = pending.popleft()
            if future.exception is None:
                acked.append(token)
            else:
                failed.append((token, future.exception))
        return acked, failed

    def unresolved(self) -> int:
        return len(self._pending)

    def flush(self, timeout_s: float) -> None:
        from kafka.errors import KafkaTimeoutError

        try:
            self._producer.flush(timeout=timeout_s)
        except KafkaTimeoutError:
            log.warning("producer.flush.timeout", timeout_s=timeout_s)

    def close(self) -> None:
        self._producer.close(timeout=5)


def connect_kafka(
    bootstrap: str,
    topics: list[str],
    *,
    linger_ms: int,
    compression: str,
    delivery_timeout_s: float,
    connect_timeout_s: float,
    sleep: Callable[[float], None] = time.sleep,
) -> KafkaSink:
    """A KafkaSink once the broker answers and every topic exists; KafkaUnavailable after the timeout.

    Retries with exponential back-off (0.5 s doubling to 5 s) until ``connect_timeout_s`` passes.
    """
    from kafka.errors import KafkaError

    deadline = time.monotonic() + connect_timeout_s
    # kafka-python logs every refused connection at ERROR; while we retry, our own lines say it once.
    kafka_logger = logging.getLogger("kafka")
    level = kafka_logger.level
    kafka_logger.setLevel(logging.CRITICAL)
    try:
        producer = _bootstrap(bootstrap, linger_ms, compression, delivery_timeout_s, connect_timeout_s, sleep, deadline)
    finally:
        kafka_logger.setLevel(level)
    try:
        missing = _missing_topics(bootstrap, topics)
    except KafkaError as exc:
        producer.close(timeout=1)
        raise KafkaUnavailable(f"Kafka at {bootstrap} did not list its topics ({type(exc).__name__}: {exc})") from None
    if missing:
        producer.close(timeout=1)
        raise KafkaUnavailable(f"topic(s) {', '.join(missing)} missing on {bootstrap} (souk up kafka creates the design's topics)")
    return KafkaSink(producer)


def _bootstrap(
    bootstrap: str,
    linger_ms: int,
    compression: str,
    delivery_timeout_s: float,
    connect_timeout_s: float,
    sleep: Callable[[float], None],
    deadline: float,
) -> Any:
    from kafka import KafkaProducer
    from kafka.errors import KafkaError

    delay, attempts = 0.5, 0
    request_timeout_ms = min(30_000, int(delivery_timeout_s * 1000) - 1_000)
    while True:
        attempts += 1
        left = max(deadline - time.monotonic(), 0.5)
        try:
            producer = KafkaProducer(
                bootstrap_servers=bootstrap,
                client_id="producer",
                enable_idempotence=True,
                acks="all",
                linger_ms=linger_ms,
                batch_size=64 * 1024,
                compression_type=None if compression == "none" else compression,
                delivery_timeout_ms=int(delivery_timeout_s * 1000),
                request_timeout_ms=max(request_timeout_ms, 1_000),
                # send() blocks this long for metadata or buffer space before raising.
                max_block_ms=int(max(5.0, min(delivery_timeout_s, 30.0)) * 1000),
                reconnect_backoff_max_ms=2_000,
                # One bootstrap attempt never outlasts the connect budget.
                bootstrap_timeout_ms=int(min(left, 10.0) * 1000),
            )
            break
        except KafkaError as exc:
            left = deadline - time.monotonic()
            if left <= 0:
                tries = f"{attempts} attempt" + ("s" if attempts > 1 else "")
                raise KafkaUnavailable(
                    f"Kafka at {bootstrap} unreachable after {tries} in {connect_timeout_s:.0f} s ({type(exc).__name__})"
                ) from None
            log.warning("producer.kafka.retry", bootstrap=bootstrap, attempt=attempts, error=type(exc).__name__, retry_in_s=delay)
            sleep(min(delay, left))
            delay = min(delay * 2, 5.0)
    return producer


def _missing_topics(bootstrap: str, topics: list[str]) -> list[str]:
    """The topics the broker does not have (the stack does not auto-create topics)."""
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="producer-check", request_timeout_ms=10_000)
    try:
        existing = set(admin.list_topics())
    finally:
        admin.close()
    return [topic for topic in topics if topic not in existing]
