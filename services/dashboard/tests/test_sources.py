"""Unit tests of the data-access layer: parsers, the cache, the typed Unavailable answers."""

from __future__ import annotations

import threading
import time
from decimal import Decimal
from pathlib import Path

from dashboard.settings import dashboard_settings
from dashboard.sources import Sources
from dashboard.sources.archiver import heartbeat
from dashboard.sources.base import Cache, Unavailable, guarded, reason_of
from dashboard.sources.feed import parse_alert, parse_kpi
from dashboard.sources.flume import parse_metrics
from dashboard.sources.processor import ProcessorClient, Totals, parse_funnel, parse_revenue, parse_stock, worker_health


def test_processor_client_parses_every_view(fake_json, processor_views):
    server = fake_json(processor_views(orders=4, revenue="100.00"))
    client = ProcessorClient(server.url, timeout=1.0, cache=Cache())
    totals = client.totals()
    assert isinstance(totals, Totals)
    assert (totals.orders, totals.revenue, totals.average_basket) == (4, Decimal("100.00"), Decimal("25.00"))
    assert totals.by_category == {"Electronics": (Decimal("100.00"), 4)}
    revenue = client.revenue()
    assert [w.revenue for w in revenue] == [Decimal("100.00"), Decimal("250.25")]  # type: ignore[union-attr]
    stock = client.stock()
    assert [(s.product_id, s.low) for s in stock] == [("P-001", True), ("P-002", False)]  # type: ignore[union-attr]
    funnel = client.funnel()
    assert [(s.step, s.sessions, s.rate_from_first) for s in funnel] == [  # type: ignore[union-attr]
        ("home", 10, Decimal("1.0000")),
        ("product", 5, Decimal("0.5000")),
        ("purchase", 2, Decimal("0.2000")),
    ]
    top = client.top_products()
    assert top[0].product_id == "P-001" and top[0].revenue == Decimal("999.00")  # type: ignore[index,union-attr]


def test_processor_down_is_unavailable_not_an_exception(dead_port):
    client = ProcessorClient(f"http://127.0.0.1:{dead_port}", timeout=1.0, cache=Cache())
    totals = client.totals()
    assert isinstance(totals, Unavailable)
    assert totals.source == "processor" and "refused" in totals.reason
    health = worker_health(f"http://127.0.0.1:{dead_port}", 1.0)
    assert isinstance(health, Unavailable)


def test_processor_error_status_is_unavailable(fake_json):
    server = fake_json({})
    result = ProcessorClient(server.url, timeout=1.0, cache=Cache()).totals()
    assert isinstance(result, Unavailable) and "404" in result.reason


def test_parsers_accept_neighbouring_shapes():
    assert Totals.parse({"orders": 2, "cents": 1050, "by_city": [{"city": "Rabat", "revenue": "10.50", "orders": 2}]}).by_city == {
        "Rabat": (Decimal("10.50"), 2)
    }
    assert [w.orders for w in parse_revenue([{"window_start_ms": 5, "window_end_ms": 6, "revenue": "1.00", "orders": 3}])] == [3]
    assert [s.stock_level for s in parse_stock({"P-1": 4})] == [4]
    latest_only = parse_funnel({"windows": [{"steps": [{"step": "home", "sessions": 4}, {"step": "cart", "sessions": 1}]}]})
    assert [(s.step, s.rate_from_first) for s in latest_only] == [("home", Decimal(1)), ("cart", Decimal("0.25"))]


def test_flume_metrics_are_read_per_component():
    components = parse_metrics(
        {
            "SOURCE.r1": {"EventReceivedCount": "120", "EventAcceptedCount": "118", "Type": "SOURCE"},
            "CHANNEL.c1": {
                "EventPutSuccessCount": "118",
                "EventTakeSuccessCount": "100",
                "ChannelFillPercentage": "1.8",
                "ChannelSize": "18",
                "ChannelCapacity": "1000",
            },
            "SINK.k1": {"EventDrainAttemptCount": "101", "EventDrainSuccessCount": "100"},
        }
    )
    by_kind = {c.kind: c for c in components}
    assert (by_kind["SOURCE"].events_in, by_kind["SOURCE"].events_out) == (120, 118)
    assert (by_kind["CHANNEL"].fill_percent, by_kind["CHANNEL"].size, by_kind["CHANNEL"].capacity) == (1.8, 18, 1000)
    assert by_kind["SINK"].events_out == 100


def test_feed_parses_contract_kpis_and_alerts():
    kpi = parse_kpi(
        b'{"event_id":"x","event_time_ms":5,"schema_version":1,"name":"revenue_by_category","value":"12.50","labels":{"currency":"MAD","category":"Sports"}}'
    )
    assert (kpi.name, kpi.value, kpi.label_text) == ("revenue_by_category", "12.50", "category=Sports, currency=MAD")
    alert = parse_alert(
        b'{"event_id":"y","event_time_ms":6,"schema_version":1,"kind":"low_stock","message":"P-1 low","product_id":"P-1","stock_level":2}'
    )
    assert (alert.kind, alert.fields) == ("low_stock", {"product_id": "P-1", "stock_level": 2})


def test_cache_serves_stale_while_one_background_load_refreshes():
    cache = Cache()
    calls: list[int] = []
    release = threading.Event()

    def load() -> int:
        calls.append(1)
        if len(calls) > 1:
            release.wait(5)
        return len(calls)

    assert cache.get("k", 0.05, load) == 1
    time.sleep(0.06)
    started = time.monotonic()
    answers = [cache.get("k", 0.05, load) for _ in range(5)]
    assert answers == [1] * 5 and time.monotonic() - started < 1
    release.set()
    deadline = time.monotonic() + 5
    while cache.get("k", 10, load) != 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert cache.get("k", 10, load) == 2
    assert len(calls) == 2  # one refresh, however many readers saw the stale value


def test_cache_single_flight_on_first_load():
    cache = Cache()
    calls: list[int] = []

    def load() -> str:
        calls.append(1)
        time.sleep(0.1)
        return "v"

    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(cache.get("k", 5, load))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["v"] * 8 and len(calls) == 1


def test_guarded_and_reasons():
    assert guarded("x", lambda: 1) == 1
    result = guarded("mysql", lambda: (_ for _ in ()).throw(ConnectionRefusedError()))
    assert result == Unavailable("mysql", "connection refused")
    assert reason_of(TimeoutError()) == "timed out"
    assert str(Unavailable("hdfs", "timed out")) == "hdfs unavailable: timed out"


def test_heartbeat(tmp_path: Path):
    missing = heartbeat(tmp_path / "archiver.heartbeat")
    assert isinstance(missing, Unavailable) and "no heartbeat" in missing.reason
    (tmp_path / "archiver.heartbeat").write_text("ok lag=0\n")
    beat = heartbeat(tmp_path / "archiver.heartbeat")
    assert not isinstance(beat, Unavailable) and beat.status == "ok lag=0" and beat.age_s < 60


def test_worker_urls_follow_the_supervisors_pid_files(tmp_path: Path):
    (tmp_path / "run").mkdir()
    for name in ("processor.pid", "processor-3.pid", "producer.pid"):
        (tmp_path / "run" / name).write_text("1")
    settings = dashboard_settings({"SOUK_HOME": str(tmp_path), "PROCESSOR_PORT": "7000"})
    urls = Sources.from_settings(settings).processor_worker_urls()
    assert urls == ["http://127.0.0.1:7000", "http://127.0.0.1:7002"]
