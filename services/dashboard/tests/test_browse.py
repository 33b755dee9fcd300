"""The message browser: per-partition reads, the reused consumer and its cache of what it read."""

from __future__ import annotations

import json

from dashboard.sources.base import Cache
from dashboard.sources.kafka import BrowseRequest, KafkaSource, Message, RecentMessages, scan_share


def message(offset: int, partition: int = 0) -> Message:
    return Message("t", partition, offset, 1000 + offset, f"k{offset}", f'{{"n": {offset}}}', 10)


def test_recent_messages_serve_a_read_run_and_say_where_to_fetch_from():
    recent = RecentMessages()
    recent.store("tp", 10, 15, [message(o) for o in range(10, 15)])
    hit, fetch_from = recent.read("tp", low=0, start=12, end=18, budget=50)
    assert [m.offset for m in hit] == [12, 13, 14] and fetch_from == 15
    recent.store("tp", 15, 18, [message(o) for o in range(15, 18)])
    hit, fetch_from = recent.read("tp", low=0, start=13, end=18, budget=3)
    assert [m.offset for m in hit] == [13, 14, 15]
    hit, fetch_from = recent.read("tp", low=0, start=30, end=40, budget=50)  # not what was read: fetch it all
    assert hit == [] and fetch_from == 30


def test_recent_messages_forget_a_partition_whose_end_went_back():
    recent = RecentMessages()
    recent.store("tp", 0, 5, [message(o) for o in range(5)])
    hit, fetch_from = recent.read("tp", low=0, start=0, end=3, budget=50)  # topic recreated: end 3 < 5 read
    assert hit == [] and fetch_from == 0
    assert recent.read("tp", low=0, start=0, end=5, budget=50) == ([], 0)


def test_recent_messages_are_bounded_per_partition():
    recent = RecentMessages(per_partition=4)
    recent.store("tp", 0, 10, [message(o) for o in range(10)])
    hit, fetch_from = recent.read("tp", low=0, start=6, end=10, budget=50)
    assert [m.offset for m in hit] == [6, 7, 8, 9] and fetch_from == 10
    assert recent.read("tp", low=0, start=2, end=10, budget=50) == ([], 2)


def test_a_filter_shares_its_scan_budget_between_partitions():
    assert scan_share(BrowseRequest("t", limit=50), 6) == 50
    assert scan_share(BrowseRequest("t", limit=50, key_filter="x"), 6) == 50 * 50 // 6
    assert scan_share(BrowseRequest("t", limit=500, text_filter="x"), 1000) == 500


def test_message_pretty_prints_json_once():
    m = message(1)
    assert m.pretty == '{\n  "n": 1\n}' and m.pretty is m.pretty
    assert Message("t", 0, 0, 0, None, "not json", 8).pretty == "not json"


def _write(stack, topic: str, per_partition: dict[int, int], tag: str) -> None:
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=stack.settings.kafka_bootstrap, linger_ms=5)
    for partition, count in per_partition.items():
        for i in range(count):
            producer.send(
                topic,
                key=f"{tag}-{partition}-{i}".encode(),
                value=json.dumps({"p": partition, "i": i, "tag": tag}).encode(),
                partition=partition,
            )
    producer.flush()
    producer.close()


def _everything(stack, topic: str) -> list[tuple[int, int, int]]:
    """(timestamp, partition, offset) of every record, read by a plain consumer."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=stack.settings.kafka_bootstrap, group_id=None, enable_auto_commit=False)
    tps = [TopicPartition(topic, p) for p in range(6)]
    consumer.assign(tps)
    consumer.seek_to_beginning()
    ends = consumer.end_offsets(tps)
    seen: list[tuple[int, int, int]] = []
    while any(consumer.position(tp) < ends[tp] for tp in tps):
        for records in consumer.poll(timeout_ms=1000).values():
            seen.extend((r.timestamp, r.partition, r.offset) for r in records)
    consumer.close()
    return sorted(seen)


def test_browse_reads_every_partition_and_a_grown_topic_shows_its_new_messages(stack, topics):
    source = KafkaSource(stack.settings.kafka_bootstrap, 2.0, Cache())
    try:
        _write(stack, topics.clicks, {0: 30, 1: 3, 2: 12, 5: 7}, "a")
        truth = _everything(stack, topics.clicks)

        def ids(messages) -> list[tuple[int, int, int]]:
            assert not isinstance(messages, type(None)) and isinstance(messages, list), messages
            return [(m.timestamp_ms, m.partition, m.offset) for m in messages]

        latest = source.browse(BrowseRequest(topics.clicks, seek="latest", limit=20))
        assert ids(latest) == truth[-20:]
        earliest = source.browse(BrowseRequest(topics.clicks, seek="earliest", limit=20))
        assert ids(earliest) == truth[:20]
        assert ids(source.browse(BrowseRequest(topics.clicks, seek="latest", limit=500))) == truth  # every partition, not the first polled

        # The topic grows between two calls: the second sees the new records (and what it had read stays right).
        _write(stack, topics.clicks, {1: 4, 5: 2}, "b")
        truth = _everything(stack, topics.clicks)
        again = source.browse(BrowseRequest(topics.clicks, seek="latest", limit=20))
        assert ids(again) == truth[-20:]
        assert {m.key for m in again} >= {"b-1-3", "b-5-1"}
        tail = source.browse(BrowseRequest(topics.clicks, partition=1, seek="latest", limit=5))
        assert [m.key for m in tail] == ["a-1-2", "b-1-0", "b-1-1", "b-1-2", "b-1-3"]

        filtered = source.browse(BrowseRequest(topics.clicks, seek="latest", key_filter="b-", limit=50))
        assert sorted(m.key or "" for m in filtered) == sorted([f"b-1-{i}" for i in range(4)] + [f"b-5-{i}" for i in range(2)])
        by_offset = source.browse(BrowseRequest(topics.clicks, partition=0, seek="offset", offset=25, limit=50))
        assert [m.offset for m in by_offset] == [25, 26, 27, 28, 29]
    finally:
        source.close()
