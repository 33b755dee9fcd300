"""`souk daily`: a complete day runs twice to the same output; a day with missing hours fails, naming them."""

from __future__ import annotations

from typing import Any

import pytest
from batch.daily import check_complete, run_day
from batch.errors import DataIncomplete
from batch.hdfs import Hdfs
from batch.settings import BatchSettings
from batch.synthetic import day_events, write_archive
from batch.warehouse import read_view

DAY = "2026-04-02"


def snapshot(spark: Any, settings: BatchSettings, hdfs: Hdfs) -> dict[str, Any]:
    """Every view's rows of DAY, and the CSV's bytes."""
    from batch.views import DAY_VIEWS

    out: dict[str, Any] = {"csv": hdfs.read(f"{settings.reports_dir}/date={DAY}/revenue.csv")}
    for view in DAY_VIEWS:
        df = read_view(spark, settings, view.name, [DAY])
        out[view.name] = None if df is None else sorted(tuple(str(v) for v in r) for r in df.collect())
        files = [n for n in hdfs.list(f"{settings.warehouse_dir}/{view.name}/date={DAY}") if n.endswith(".parquet")]
        out[view.name + "/files"] = len(files)
    return out


def test_daily_twice_gives_identical_output(batch_env: BatchSettings, spark: Any) -> None:
    hdfs = Hdfs(batch_env)
    events = day_events(DAY, sessions=150, seed=7)
    write_archive(hdfs, batch_env.archive_dir, events, [DAY], partitions=1)

    first = run_day(spark, batch_env, DAY)
    before = snapshot(spark, batch_env, hdfs)
    second = run_day(spark, batch_env, DAY)
    after = snapshot(spark, batch_env, hdfs)

    assert (
        first.events
        == second.events
        == {"clicks": len(events.clicks), "purchases": len(events.purchases), "inventory": len(events.inventory)}
    )
    assert first.revenue == second.revenue == sum(p.total for p in events.purchases)
    assert before == after
    assert all(before[f"{name}/files"] == 1 for name in first.views if first.views[name])
    csv = before["csv"].decode("utf-8").splitlines()
    assert csv[0] == "date,hour,city,category,payment_method,orders,units,revenue"
    assert sum(__import__("decimal").Decimal(line.rsplit(",", 1)[1]) for line in csv[1:]) == first.revenue
    assert (batch_env.local_reports() / f"date={DAY}" / "revenue.csv").read_bytes() == before["csv"]


def test_missing_hours_are_named(batch_env: BatchSettings) -> None:
    hdfs = Hdfs(batch_env)
    write_archive(hdfs, batch_env.archive_dir, day_events(DAY, sessions=20, seed=8), [DAY], partitions=1)
    for hour in ("05", "06", "07", "19"):
        hdfs.delete(f"{batch_env.archive_dir}/purchases/date={DAY}/hour={hour}/_SUCCESS")
    hdfs.delete(f"{batch_env.archive_dir}/inventory/date={DAY}", recursive=True)

    with pytest.raises(DataIncomplete) as failure:
        check_complete(batch_env, DAY)
    message = str(failure.value)
    assert "\n" not in message
    assert "purchases hours 05-07, 19 have no _SUCCESS" in message
    assert "inventory has no hours" in message
    assert "clicks" not in message


def test_complete_day_passes_the_check(batch_env: BatchSettings) -> None:
    hdfs = Hdfs(batch_env)
    write_archive(hdfs, batch_env.archive_dir, day_events(DAY, sessions=20, seed=9), [DAY], partitions=1)
    files = check_complete(batch_env, DAY)
    assert set(files) == {"clicks", "purchases", "inventory"}
    assert all(n > 0 for n in files.values())
