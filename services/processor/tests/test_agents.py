"""Each agent through Faust's ``agent.test_context()`` on the memory store: no Kafka, no RocksDB."""

from __future__ import annotations

import asyncio
import time
import zlib
from collections.abc import Callable, Iterable
from typing import Any

from processor import queries
from processor.traffic import Record, Traffic

from souk.contract import decode_alert, decode_dead_letter

ALL = frozenset(range(6))


def partition_for(record: Record) -> int:
    return zlib.crc32(record.key) % 6


async def until(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def handled(unit: Any, base: str) -> int:
    events = queries.render_totals(queries.partial_totals(unit.tables, ALL))["events"][base]
    return int(events["accepted"] + events["duplicates"] + events["rejected"])


SENTINEL = Record("purchases", b"sentinel", b"not json")


async def feed(unit: Any, base: str, records: Iterable[Record], *, replay_from: int | None = None, offset: int = 0) -> None:
    """Put ``records`` of topic ``base`` through its agent and wait until all were handled.

    With ``replay_from``, offsets start there again, as Faust redelivers after a crash; replayed
    events change no count, so a malformed sentinel after them tells when they were handled.
    """
    records = [r for r in records if r.base == base]
    async with unit.processor.agents[base].test_context() as agent:
        agent.sent_offset = offset  # a later feed goes on where the last one stopped
        before = handled(unit, base)
        if replay_from is not None:
            agent.sent_offset = replay_from
            records.append(SENTINEL)
        expect = before + (1 if replay_from is not None else len(records))
        for record in records:
            await agent.put(record.value, key=record.key, partition=partition_for(record))
        await until(lambda: handled(unit, base) >= expect, f"{base} handled")


def totals(unit: Any) -> dict[str, Any]:
    return queries.render_totals(queries.partial_totals(unit.tables, ALL))


def test_purchases_agent_totals_windows_and_high_ticket_alerts(unit: Any) -> None:
    traffic = Traffic(seed=11, now_ms=int(time.time() * 1000))
    records = traffic.records(1500)
    asyncio.run(feed(unit, "purchases", records))

    got, want = totals(unit), traffic.ledger.totals_view()
    for name in ("orders", "revenue", "by_category", "by_city", "by_payment_method"):
        assert got[name] == want[name], name
    windows = queries.render_revenue(queries.partial_revenue(unit.tables, ALL, "30s"), "30s", 1000)["windows"]
    got_30s = {(w["start_ms"], c): v["revenue"] for w in windows for c, v in w["by_category"].items()}
    assert got_30s == {key: f"{amount:.2f}" for key, amount in traffic.ledger.category_30s.items()}
    alerts = [decode_alert(value) for _, value in unit.sinks["alerts"].sent]
    assert len(alerts) == traffic.ledger.high_tickets > 0
    assert all(a.kind == "high_ticket" and a.amount is not None and a.amount >= 1000 for a in alerts)


def test_replaying_the_same_offsets_counts_nothing_twice(unit: Any) -> None:
    traffic = Traffic(seed=12, now_ms=int(time.time() * 1000))
    records = traffic.records(800)
    asyncio.run(feed(unit, "purchases", records))
    first = totals(unit)
    # After a crash Faust delivers the uncommitted events again, at their original offsets.
    asyncio.run(feed(unit, "purchases", records, replay_from=0))
    again = totals(unit)
    assert again["events"]["purchases"].pop("rejected") == 1  # the sentinel
    first["events"]["purchases"].pop("rejected")
    assert again == first
    assert first["orders"] == traffic.ledger.orders


def test_a_duplicate_event_id_is_counted_once(unit: Any) -> None:
    traffic = Traffic(seed=13, now_ms=int(time.time() * 1000))
    records = traffic.records(600)
    duplicates = [r for r in records if r.base == "purchases"][:5]
    asyncio.run(feed(unit, "purchases", records + duplicates))
    got = totals(unit)
    assert got["orders"] == traffic.ledger.orders
    assert got["events"]["purchases"]["duplicates"] == 5


def test_clicks_agent_funnel_and_product_views(unit: Any) -> None:
    traffic = Traffic(seed=14, now_ms=int(time.time() * 1000))
    records = traffic.records(1500)
    asyncio.run(feed(unit, "clicks", records))

    funnel = queries.render_funnel(queries.partial_funnel(unit.tables, ALL), 60, 1000)
    got = {(w["start_ms"], s["step"]): s["sessions"] for w in funnel["windows"] for s in w["steps"] if s["sessions"]}
    want = {key: len(sessions) for key, sessions in traffic.ledger.funnel.items() if key[1] != "purchase"}
    assert got == want
    affinity = queries.render_affinity(queries.partial_affinity(unit.tables, ALL), 1000)["by_category"]
    views = {p["product_id"]: p["views"] for c in affinity.values() for p in c["products"]}
    assert views == dict(traffic.ledger.product_views)


def test_inventory_agent_stock_and_low_stock_alerts(unit: Any) -> None:
    traffic = Traffic(seed=15, now_ms=int(time.time() * 1000), products=8)
    records = traffic.records(3000)
    asyncio.run(feed(unit, "inventory", records))

    stock = queries.render_stock(queries.partial_stock(unit.tables, ALL), {}, 10, low_only=False)["products"]
    assert {p["product_id"]: p["stock_level"] for p in stock} == traffic.ledger.stock
    alerts = [decode_alert(value) for _, value in unit.sinks["alerts"].sent]
    assert alerts, "eight products sold down from at most 40 units must cross 10"
    assert all(a.kind == "low_stock" and a.stock_level is not None and a.stock_level < 10 for a in alerts)
    low = queries.render_stock(queries.partial_stock(unit.tables, ALL), {}, 10, low_only=True)["products"]
    assert {p["product_id"] for p in low} == {pid for pid, level in traffic.ledger.stock.items() if level < 10}


def test_malformed_events_go_to_the_dlq_and_processing_goes_on(unit: Any) -> None:
    traffic = Traffic(seed=16, now_ms=int(time.time() * 1000))
    bad = [r for r in traffic.malformed(14) if r.base == "purchases"]
    good = traffic.records(600)
    asyncio.run(feed(unit, "purchases", bad + good))

    letters = [decode_dead_letter(value) for _, value in unit.sinks["dlq"].sent]
    assert len(letters) == len(bad) == 6
    assert {letter.origin_offset for letter in letters} == set(range(len(bad)))
    assert all(letter.origin_topic == "unit.purchases" and letter.service == "processor" for letter in letters)
    reasons = " | ".join(letter.error for letter in letters)
    assert "must be > 0" in reasons and "!= sum of lines" in reasons and "unknown category" in reasons
    got = totals(unit)
    assert got["orders"] == traffic.ledger.orders
    assert got["events"]["purchases"]["rejected"] == 6


def test_duplicates_and_funnel_steps_are_remembered_across_a_rebalance(unit: Any) -> None:
    # A rebalance drops the in-memory indexes (seen.py); they come back from the changelogged
    # batch tables, so copies and repeated steps after it are still recognised.
    traffic = Traffic(seed=17, now_ms=int(time.time() * 1000))
    records = traffic.records(900)
    clicks = [r for r in records if r.base == "clicks"]
    asyncio.run(feed(unit, "clicks", clicks[: len(clicks) // 2]))
    unit.processor.intake.forget()
    asyncio.run(feed(unit, "clicks", clicks[len(clicks) // 2 :] + clicks[:10], offset=len(clicks) // 2))

    got = totals(unit)["events"]["clicks"]
    assert got == {"accepted": len(clicks), "duplicates": 10, "rejected": 0}
    funnel = queries.render_funnel(queries.partial_funnel(unit.tables, ALL), 60, 1000)
    steps = {(w["start_ms"], s["step"]): s["sessions"] for w in funnel["windows"] for s in w["steps"] if s["sessions"]}
    assert steps == {key: len(sessions) for key, sessions in traffic.ledger.funnel.items() if key[1] != "purchase"}
