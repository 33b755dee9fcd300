"""Events archived twice (a redelivery) count once in every view, as the processor counts them once."""

from __future__ import annotations

from typing import Any

import batch_expected as expected
from batch.daily import aggregate
from batch.hdfs import Hdfs
from batch.settings import BatchSettings
from batch.synthetic import Events, day_events, write_archive
from batch.warehouse import read_view

DAY = "2026-05-09"


def rows(spark: Any, settings: BatchSettings, view: str, columns: list[str]) -> list[tuple[Any, ...]]:
    df = read_view(spark, settings, view, [DAY])
    assert df is not None, f"{view} was not written"
    return sorted((tuple(r) for r in df.select(*columns).collect()), key=lambda t: tuple(str(x) for x in t))


def ordered(items: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted(items, key=lambda t: tuple(str(x) for x in t))


def test_redelivered_events_count_once(batch_env: BatchSettings, spark: Any, hdfs_tmpdir: str) -> None:
    hdfs = Hdfs(batch_env)
    events = day_events(DAY, sessions=60, seed=11)
    write_archive(hdfs, batch_env.archive_dir, events, [DAY], partitions=1)
    again = Events(clicks=events.clicks[::5], purchases=events.purchases[::2], inventory=events.inventory[::3])
    assert again.clicks and again.purchases and again.inventory
    copies = f"{hdfs_tmpdir}/copies"
    for path in write_archive(hdfs, copies, again, success=False, partitions=1):
        target = batch_env.archive_dir + path.removeprefix(copies).replace(".parquet", "-redelivered.parquet")
        hdfs.client.rename(path, target)

    run = aggregate(spark, batch_env, DAY)

    assert run.events == {"clicks": len(events.clicks), "purchases": len(events.purchases), "inventory": len(events.inventory)}
    assert run.revenue == sum(p.total for p in events.purchases)
    got = rows(spark, batch_env, "revenue_daily", ["date", "orders", "units", "revenue", "avg_basket", "buying_sessions"])
    assert got == ordered(expected.revenue_daily(events))
    got = rows(spark, batch_env, "hourly_profile", ["date", "hour", "clicks", "sessions", "orders", "units", "revenue", "is_peak"])
    assert got == ordered(expected.hourly_profile(events))
    columns = ["date", "product_id", "category", "views", "viewed_sessions", "cart_adds", "bought_sessions", "orders", "units", "revenue"]
    got = rows(spark, batch_env, "affinity_product", [*columns, "view_to_buy", "view_to_order"])
    assert got == ordered(expected.affinity(events, by_product=True))
    columns = ["date", "hour", "product_id", "category", "moves", "net_delta", "sold", "restocked", "returned", "adjusted"]
    got = rows(spark, batch_env, "stock_history", [*columns, "closing_stock", "min_stock", "max_stock"])
    assert got == ordered(expected.stock_history(events))
