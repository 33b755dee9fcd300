"""Offsets Faust never handed to an agent: found against the counts' watermark, read back from Kafka.

Faust (0.15.3) acks, without yielding it, an event fetched before a rebalance and taken off its
buffer after it (``Stream._py_aiter``: a stale generation id or paused flow control makes it a
"skipped value", which is acked), and it commits the highest run of acked offsets whether or not
it continues the last commit. When the partition stays on the same worker the fetcher may go on
past that event, so it is never processed and never redelivered, not even after a restart. A
full test run lost one click of 2,677 that way.

Every event of a source partition moves that partition's watermark in ``topic_to_counts`` (the
offset of the last event counted, tally.py), and the source topics are written without
transactions, so their offsets are consecutive. Before a batch of a partition is handled, any
offset between the watermark and the batch's events that the batch lacks is read from Kafka here
and handled first, in offset order; an event Faust delivers later anyway is then below the
watermark and changes nothing. A range that reads back empty (a transaction marker, or records
deleted by retention) is passed over.

Not covered: an event skipped when no later event of its partition follows; the next event of
that partition brings it back.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from processor.tally import key_for
from souk.logs import get_logger

log = get_logger(component="gaps")

READ_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Record:
    offset: int
    key: bytes | None
    value: bytes | None


class RangeReader(Protocol):
    async def first_offset(self, topic: str, partition: int) -> int:
        """The partition's earliest offset still in the log."""

    async def read(self, topic: str, partition: int, start: int, end: int) -> list[Record]:
        """The records with ``start <= offset < end``, in offset order."""

    async def close(self) -> None:
        """Release the connections; called once when the app shuts down."""


@dataclass(frozen=True)
class Message:
    """The part of a Faust ``Message`` the agents read."""

    topic: str
    partition: int
    offset: int
    key: bytes | None

    @property
    def tp(self) -> tuple[str, int]:
        return (self.topic, self.partition)


@dataclass(frozen=True)
class ReadBack:
    """A record read from Kafka, shaped like the Faust ``Event`` the agents handle."""

    message: Message
    value: bytes | None


def missing(expected: int, offsets: Sequence[int]) -> list[tuple[int, int]]:
    """Half-open ranges of offsets from ``expected`` up to the last of ``offsets`` (sorted) that ``offsets`` lacks."""
    ranges, following = [], expected
    for offset in offsets:
        if offset > following:
            ranges.append((following, offset))
        following = max(following, offset + 1)
    return ranges


class Gaps:
    """Fills a partition's batch with the offsets Faust skipped since the watermark of ``base``."""

    def __init__(self, reader: RangeReader, counts: Any, base: str) -> None:
        self.reader = reader
        self.counts = counts
        self.base = base

    async def fill(self, partition: int, group: list[Any]) -> list[Any]:
        """``group`` (one partition's events, in offset order) with the missing offsets added, in order."""
        topic = group[0].message.topic
        tally = self.counts[key_for(partition, self.base)]
        expected = tally[-1] + 1 if tally else await self.reader.first_offset(topic, partition)
        ranges = missing(expected, [event.message.offset for event in group])
        if not ranges:
            return group
        found: list[Any] = []
        for start, end in ranges:
            records = await self.reader.read(topic, partition, start, end)
            log.warning("processor.gap.filled", topic=topic, partition=partition, start=start, end=end, records=len(records))
            found.extend(ReadBack(Message(topic, partition, r.offset, r.key), r.value) for r in records)
        return sorted([*group, *found], key=lambda event: event.message.offset)


class KafkaRangeReader:
    """Reads offset ranges with one unassigned aiokafka consumer (no group), shared by the agents."""

    def __init__(self, bootstrap: str, *, timeout_s: float = READ_TIMEOUT_S) -> None:
        self.bootstrap = bootstrap
        self.timeout_s = timeout_s
        self._consumer: Any = None
        self._lock = asyncio.Lock()

    async def _started(self) -> Any:
        if self._consumer is None:
            from aiokafka import AIOKafkaConsumer

            consumer = AIOKafkaConsumer(
                bootstrap_servers=self.bootstrap, group_id=None, enable_auto_commit=False, auto_offset_reset="earliest"
            )
            await consumer.start()
            self._consumer = consumer
        return self._consumer

    async def close(self) -> None:
        if self._consumer is not None:
            consumer, self._consumer = self._consumer, None
            await consumer.stop()

    async def first_offset(self, topic: str, partition: int) -> int:
        from aiokafka import TopicPartition

        tp = TopicPartition(topic, partition)
        async with self._lock:
            consumer = await self._started()
            return int((await consumer.beginning_offsets([tp]))[tp])

    async def read(self, topic: str, partition: int, start: int, end: int) -> list[Record]:
        from aiokafka import TopicPartition

        tp = TopicPartition(topic, partition)
        records: list[Record] = []
        async with self._lock:
            consumer = await self._started()
            consumer.assign([tp])
            consumer.seek(tp, start)
            deadline = time.monotonic() + self.timeout_s
            while await consumer.position(tp) < end:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"reading {topic}[{partition}] offsets {start}..{end - 1} took over {self.timeout_s:.0f} s")
                batches = await consumer.getmany(tp, timeout_ms=500)
                for record in batches.get(tp, ()):
                    if start <= record.offset < end:
                        records.append(Record(record.offset, record.key, record.value))
        return records
