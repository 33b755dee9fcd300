"""Worker processes on the real Kafka: exact totals, duplicates, the DLQ, kill -9 and a worker leaving.

Every test runs workers as subprocesses on its own topics (``topics`` fixture), ports and data
directories, feeds contract events built by processor.traffic, and compares the HTTP views with
the ledger that traffic computed on its own.
"""

from __future__ import annotations

import os
import random
import time
from typing import Any

from processor.traffic import Record, Traffic, send

from souk.contract import decode_alert, decode_dead_letter, decode_kpi
from souk.testing import poll_until

TOTALS_KEYS = ("orders", "revenue", "by_category", "by_city", "by_payment_method", "events")
# The issue asks for at least 100k events through one worker; fewer for a quick local run.
EVENTS = int(os.environ.get("SOUK_PROCESSOR_TEST_EVENTS", "100000"))
# Two busy CI cores: a start alone can take 30 s, and a loaded machine has seen 180 events/s.
SETTLE_S = float(os.environ.get("SOUK_PROCESSOR_TEST_SETTLE_S", "420"))
BIG_SETTLE_S = SETTLE_S + EVENTS / 100  # for the EVENTS run only


def totals_match(worker: Any, traffic: Traffic) -> Any:
    status, body = worker.get("/totals")
    if status != 200:
        return False
    want = traffic.ledger.totals_view()
    return all(body[k] == want[k] for k in TOTALS_KEYS) and body


def wait_for_totals(worker: Any, traffic: Traffic, what: str, timeout: float = SETTLE_S) -> Any:
    try:
        return poll_until(lambda: totals_match(worker, traffic), what, timeout=timeout, interval=1.0)
    except AssertionError:
        status, body = worker.get("/totals")
        raise AssertionError(f"{what}: got {status} {body}\nwant {traffic.ledger.totals_view()}\n{worker.tail()}") from None


def read_topic(bootstrap: str, topic: str) -> list[bytes]:
    """Every message on ``topic`` up to its end now (kpis keeps growing, so no idle timeout)."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        end = consumer.end_offsets(partitions)
        values: list[bytes] = []
        while any(consumer.position(tp) < end[tp] for tp in partitions):
            for tp, records in consumer.poll(timeout_ms=1000).items():
                values.extend(r.value for r in records if r.offset < end[tp])
        return values
    finally:
        consumer.close()


def handled(worker: Any) -> int:
    status, body = worker.get("/totals")
    return sum(sum(v.values()) for v in body["events"].values()) if status == 200 else 0


def test_exact_totals_views_duplicates_and_dead_letters(stack: Any, topics: Any, workers: Any) -> None:
    bootstrap = stack.settings.kafka_bootstrap
    traffic = Traffic(seed=21, now_ms=int(time.time() * 1000))
    records = traffic.records(EVENTS)
    mixed = records + traffic.duplicates(records, 0.05) + traffic.malformed(70)
    # Order across keys does not matter; stock is "the latest move", so moves keep their order.
    moves = [r for r in mixed if r.base == "inventory"]
    others = [r for r in mixed if r.base != "inventory"]
    random.Random(21).shuffle(others)
    mixed = others + moves
    worker = workers("w1")
    send(bootstrap, topics.prefix, mixed)

    body = wait_for_totals(worker, traffic, "/totals equal to the ledger", BIG_SETTLE_S)
    assert body["events"]["clicks"]["duplicates"] > 0 and body["events"]["purchases"]["rejected"] > 0

    ledger = traffic.ledger
    windows = worker.ok("/revenue?window=30s&last=1000")["windows"]
    assert {(w["start_ms"], c): v["revenue"] for w in windows for c, v in w["by_category"].items()} == {
        k: f"{v:.2f}" for k, v in ledger.category_30s.items()
    }
    minutes = worker.ok("/revenue?window=60s&last=1000")["windows"]
    assert {w["start_ms"]: w["revenue"] for w in minutes} == {k: f"{v:.2f}" for k, v in ledger.revenue_60s.items()}
    funnel = worker.ok("/funnel?window=60s&last=1000")["windows"]
    assert {(w["start_ms"], s["step"]): s["sessions"] for w in funnel for s in w["steps"] if s["sessions"]} == {
        k: len(v) for k, v in ledger.funnel.items()
    }
    stock = worker.ok("/stock")["products"]
    assert {p["product_id"]: p["stock_level"] for p in stock} == ledger.stock
    top = worker.ok("/top-products?n=5")["products"]
    assert [p["units"] for p in top] == sorted(ledger.product_units.values(), reverse=True)[:5]
    assert worker.get("/revenue?window=7s")[0] == 400

    letters = [decode_dead_letter(v) for v in read_topic(bootstrap, topics.dlq)]
    assert len({(d.origin_topic, d.origin_partition, d.origin_offset) for d in letters}) == 70
    assert all(d.error and d.origin_topic.startswith(topics.prefix) for d in letters)
    alerts = [decode_alert(v) for v in read_topic(bootstrap, topics.alerts)]
    assert len({a.event_id for a in alerts if a.kind == "high_ticket"}) == ledger.high_tickets
    kpis = {decode_kpi(v).name: decode_kpi(v) for v in read_topic(bootstrap, topics.kpis)}
    assert "orders_total" in kpis and "revenue_total" in kpis


def test_kill_9_mid_stream_then_restart_keeps_totals_exact(stack: Any, topics: Any, workers: Any) -> None:
    traffic = Traffic(seed=22, now_ms=int(time.time() * 1000))
    records: list[Record] = traffic.records(2500)
    send(stack.settings.kafka_bootstrap, topics.prefix, records)
    worker = workers("w1")
    poll_until(lambda: handled(worker) >= 600, "the worker to be part-way through", timeout=SETTLE_S, interval=0.5)
    worker.kill9()
    restarted = workers("w1-again", data_dir=worker.data_dir)
    more = traffic.records(500)
    send(stack.settings.kafka_bootstrap, topics.prefix, more)
    wait_for_totals(restarted, traffic, "/totals after kill -9 and restart")


def test_two_workers_then_one_leaves(stack: Any, topics: Any, workers: Any) -> None:
    bootstrap = stack.settings.kafka_bootstrap
    traffic = Traffic(seed=23, now_ms=int(time.time() * 1000))
    first, second = workers("w1"), workers("w2")
    poll_until(lambda: first.partitions() and second.partitions(), "both workers to own partitions", timeout=SETTLE_S, interval=1.0)
    assert sorted(first.partitions() + second.partitions()) == list(range(6))
    send(bootstrap, topics.prefix, traffic.records(1500))
    # Either worker answers for all partitions: w1 asks w2 for the ones it owns.
    wait_for_totals(first, traffic, "/totals from w1 with two workers")
    assert totals_match(second, traffic)

    assert first.stop() == 0
    send(bootstrap, topics.prefix, traffic.records(1000))
    wait_for_totals(second, traffic, "/totals from w2 after w1 left")
    assert second.partitions() == list(range(6))
