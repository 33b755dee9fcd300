"""Offsets Faust acked without handing them over are read back and counted (processor/gaps.py)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from processor import queries
from processor.app import Processor
from processor.gaps import KafkaRangeReader, Record, missing
from processor.settings import processor_settings
from processor.traffic import Traffic

from .conftest import RecordingSink
from .test_agents import ALL, handled, until


def test_missing_names_every_hole_from_the_expected_offset() -> None:
    assert missing(0, [0, 1, 2]) == []
    assert missing(5, [3, 4, 5, 6]) == []  # replayed offsets below the watermark are no hole
    assert missing(0, [2, 3, 7]) == [(0, 2), (4, 7)]
    assert missing(10, [9, 12]) == [(10, 12)]


class LogReader:
    """A partition's log, as Kafka would hand it back; counts what it was asked."""

    def __init__(self, log: list[bytes]) -> None:
        self.log = log
        self.reads: list[tuple[int, int]] = []

    async def first_offset(self, topic: str, partition: int) -> int:
        return 0

    async def read(self, topic: str, partition: int, start: int, end: int) -> list[Record]:
        self.reads.append((start, end))
        return [Record(offset, None, self.log[offset]) for offset in range(start, end)]

    async def close(self) -> None:
        pass


def test_events_faust_skipped_are_read_back_once_and_a_late_copy_counts_nothing(tmp_path: Path) -> None:
    traffic = Traffic(seed=21, now_ms=int(time.time() * 1000))
    log = [r.value for r in traffic.records(600) if r.base == "purchases"]
    reader = LogReader(log)
    settings = processor_settings({"SOUK_TOPIC_PREFIX": "unit.", "PROCESSOR_DATA_DIR": str(tmp_path)})
    processor = Processor(settings, store="memory://", sink=lambda base: RecordingSink(), reader=reader)
    processor.app.finalize()
    processor.app.flow_control.resume()
    skipped = {0, 7, 8, len(log) - 2}  # the first, a run of two, one just before the last

    async def deliver() -> None:
        async with processor.agents["purchases"].test_context() as agent:
            for offset, value in enumerate(log):
                if offset not in skipped:
                    agent.sent_offset = offset
                    await agent.put(value, key=b"k", partition=0)
            await until(lambda: handled(processor, "purchases") >= len(log), "every offset handled")
            # Faust may still deliver a skipped event later (after a seek back): it changes nothing.
            agent.sent_offset = 7
            await agent.put(log[7], key=b"k", partition=0)
            agent.sent_offset = len(log)
            await agent.put(b"not json", key=b"k", partition=0)
            await until(lambda: handled(processor, "purchases") >= len(log) + 1, "the sentinel handled")

    asyncio.run(deliver())
    got = queries.render_totals(queries.partial_totals(processor.tables, ALL))
    want = traffic.ledger.totals_view()
    assert {(start, end) for start, end in reader.reads} >= {(0, 1), (7, 9), (len(log) - 2, len(log) - 1)}
    assert got["events"]["purchases"] == {"accepted": len(log), "duplicates": 0, "rejected": 1}
    for name in ("orders", "revenue", "by_category", "by_city", "by_payment_method"):
        assert got[name] == want[name], name


@pytest.fixture
def filled_topic(stack: Any, topic_factory: Any) -> tuple[str, list[bytes]]:
    from kafka import KafkaProducer

    topic = topic_factory(partitions=2)
    values = [f'{{"n":{n}}}'.encode() for n in range(50)]
    producer = KafkaProducer(bootstrap_servers=stack.settings.kafka_bootstrap)
    for value in values:
        producer.send(topic, value=value, key=b"k", partition=1)
    producer.flush()
    producer.close()
    return topic, values


def test_kafka_range_reader_reads_exactly_the_asked_offsets(stack: Any, filled_topic: tuple[str, list[bytes]]) -> None:
    topic, values = filled_topic
    reader = KafkaRangeReader(stack.settings.kafka_bootstrap, timeout_s=30)

    async def scenario() -> tuple[int, list[Record], list[Record], list[Record]]:
        try:
            first = await reader.first_offset(topic, 1)
            middle = await reader.read(topic, 1, 10, 13)
            again = await reader.read(topic, 1, 0, 2)  # a second read seeks back on the same consumer
            empty = await reader.read(topic, 0, 0, 0)
            return first, middle, again, empty
        finally:
            await reader.close()

    first, middle, again, empty = asyncio.run(scenario())
    assert first == 0
    assert [(r.offset, r.value) for r in middle] == [(10, values[10]), (11, values[11]), (12, values[12])]
    assert [(r.offset, r.value) for r in again] == [(0, values[0]), (1, values[1])]
    assert empty == []
