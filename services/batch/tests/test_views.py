"""Every view Spark writes equals the same figure computed in plain Python from the same events."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import batch_expected as expected
import pytest
from batch.daily import aggregate_dates
from batch.hdfs import Hdfs
from batch.reconcile import main as reconcile
from batch.synthetic import ledger
from batch.warehouse import read_view
from batch_testlib import DAYS, Lake


@pytest.fixture(scope="module")
def views(lake: Lake, spark: Any) -> Lake:
    aggregate_dates(spark, lake.settings, list(DAYS))
    return lake


def rows(spark: Any, lake: Lake, view: str, columns: list[str]) -> list[tuple[Any, ...]]:
    df = read_view(spark, lake.settings, view)
    assert df is not None, f"{view} was not written"
    return sorted((tuple(r) for r in df.select(*columns).collect()), key=lambda t: tuple(str(x) for x in t))


def ordered(items: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted(items, key=lambda t: tuple(str(x) for x in t))


def test_revenue_daily(views: Lake, spark: Any) -> None:
    got = rows(spark, views, "revenue_daily", ["date", "orders", "units", "revenue", "avg_basket", "buying_sessions"])
    assert got == ordered(expected.revenue_daily(views.events))
    assert [r[0] for r in got] == list(DAYS)


def test_revenue_by_category(views: Lake, spark: Any) -> None:
    got = rows(spark, views, "revenue_by_category", ["date", "category", "orders", "units", "revenue"])
    assert got == ordered(expected.revenue_by_category(views.events))


def test_revenue_by_city(views: Lake, spark: Any) -> None:
    got = rows(spark, views, "revenue_by_city", ["date", "city", "orders", "units", "revenue", "avg_basket", "top_category"])
    assert got == ordered(expected.revenue_by(views.events, "city"))


def test_revenue_by_payment(views: Lake, spark: Any) -> None:
    got = rows(spark, views, "revenue_by_payment", ["date", "payment_method", "orders", "revenue", "avg_basket"])
    assert got == ordered(expected.revenue_by(views.events, "payment_method"))


def test_revenue_cube_adds_up_to_the_day(views: Lake, spark: Any) -> None:
    got = rows(spark, views, "revenue_cube", ["date", "hour", "city", "category", "payment_method", "orders", "units", "revenue"])
    assert got == ordered(expected.revenue_cube(views.events))
    for date, _orders, _units, revenue, *_ in expected.revenue_daily(views.events):
        assert sum(r[7] for r in got if r[0] == date) == revenue


def test_hourly_profile_and_peak(views: Lake, spark: Any) -> None:
    got = rows(spark, views, "hourly_profile", ["date", "hour", "clicks", "sessions", "orders", "units", "revenue", "is_peak"])
    want = ordered(expected.hourly_profile(views.events))
    assert got == want
    assert len(got) == 24 * len(DAYS)
    assert sum(1 for r in got if r[7]) == len(DAYS)


def test_funnel(views: Lake, spark: Any) -> None:
    got = rows(spark, views, "funnel", ["date", "step_index", "step", "sessions", "rate_from_previous", "rate_from_start"])
    assert got == ordered(expected.funnel(views.events))


def test_affinity_by_category(views: Lake, spark: Any) -> None:
    columns = ["date", "category", "views", "viewed_sessions", "cart_adds", "bought_sessions", "orders", "units", "revenue"]
    got = rows(spark, views, "affinity_category", [*columns, "view_to_buy", "view_to_order"])
    assert got == ordered(expected.affinity(views.events, by_product=False))


def test_affinity_by_product(views: Lake, spark: Any) -> None:
    columns = ["date", "product_id", "category", "views", "viewed_sessions", "cart_adds", "bought_sessions", "orders", "units", "revenue"]
    got = rows(spark, views, "affinity_product", [*columns, "view_to_buy", "view_to_order"])
    assert got == ordered(expected.affinity(views.events, by_product=True))


def test_top_products(views: Lake, spark: Any) -> None:
    got = rows(spark, views, "top_products", ["date", "rank", "product_id", "category", "orders", "units", "revenue"])
    assert got == ordered(expected.top_products(views.events, views.settings.top_n))
    assert len(got) == views.settings.top_n * len(DAYS)


def test_high_ticket_orders(views: Lake, spark: Any) -> None:
    got = rows(spark, views, "high_ticket_orders", ["date", "order_id", "city", "payment_method", "lines", "units", "total"])
    want = ordered(expected.high_ticket_orders(views.events))
    assert want, "the synthetic days should hold orders of 1000 MAD or more"
    assert got == want


def test_stock_history(views: Lake, spark: Any) -> None:
    columns = ["date", "hour", "product_id", "category", "moves", "net_delta", "sold", "restocked", "returned", "adjusted"]
    got = rows(spark, views, "stock_history", [*columns, "closing_stock", "min_stock", "max_stock"])
    assert got == ordered(expected.stock_history(views.events))


def test_reconcile_agrees_then_shows_a_removed_archive_file(views: Lake, spark: Any, tmp_path: Path) -> None:
    """Last in this module: it deletes a file of the shared lake."""
    ledger_file = tmp_path / "ledger.json"
    ledger_file.write_text(json.dumps(ledger(views.events)), encoding="utf-8")
    lines: list[str] = []

    def run() -> int:
        lines.clear()
        code = reconcile(
            views.settings,
            ledger=str(ledger_file),
            dates=None,
            required={"ledger", "archive", "views"},
            skipped={"kafka", "processor"},
            verbose=False,
            out=lines.append,
            spark=spark,
        )
        return code

    assert run() == 0, "".join(lines)
    text = "".join(lines)
    assert f"reconcile over {', '.join(DAYS)}" in text
    assert "archive    agrees" in text and "views      agrees" in text, text
    assert "DIFF" not in text

    hdfs = Hdfs(views.settings)
    hour_dir = f"{views.settings.archive_dir}/purchases/date={DAYS[1]}/hour=20"
    removed = next(n for n in hdfs.list(hour_dir) if n.endswith(".parquet"))
    hdfs.delete(f"{hour_dir}/{removed}")
    assert run() == 1
    text = "".join(lines)
    assert "archive    DIFFERS" in text, text
    assert "views      agrees" in text
    assert f"revenue/hour/{DAYS[1]}T20" in text
    assert "revenue/total/-" in text
