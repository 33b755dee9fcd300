"""The daily pipeline, as steps: check → repair partitions → aggregate the views → export the CSV.

Each step is a plain function of (settings, date, …) so `souk daily` and the Airflow DAG
(airflow/souk_daily.py) run the same code; `run_day` chains them with retries. Rerunning a day
replaces exactly that day's partitions and files, so two runs leave the same output.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from batch.errors import DataIncomplete
from batch.hdfs import Hdfs
from batch.lake import HOURS, SCHEMAS, TOPICS, Day, date_dir, load_days, topic_dir
from batch.retry import with_retries
from batch.settings import BatchSettings
from batch.warehouse import read_view, write_day_views, write_sales_views
from souk.logs import get_logger

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = get_logger()

CSV_COLUMNS: Final = ("date", "hour", "city", "category", "payment_method", "orders", "units", "revenue")


@dataclass
class DayRun:
    """What one day's run did."""

    date: str
    events: dict[str, int] = field(default_factory=dict)
    orders: int = 0
    revenue: Decimal = Decimal("0.00")
    views: dict[str, int] = field(default_factory=dict)
    csv: str = ""
    seconds: dict[str, float] = field(default_factory=dict)
    detail: dict[str, float] = field(default_factory=dict)  # the aggregate step's parts in order (load, counts, views), seconds
    view_seconds: dict[str, float] = field(default_factory=dict)  # each view, start to end (views run side by side)


def dates_between(first: str, last: str) -> list[str]:
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    if end < start:
        raise ValueError(f"--to {last} is before --from {first}")
    return [(start + dt.timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]


def _ranges(hours: list[int]) -> str:
    """[0, 1, 2, 5] → '00-02, 05'."""
    parts, start = [], None
    for i, h in enumerate(hours):
        if start is None:
            start = h
        if i + 1 == len(hours) or hours[i + 1] != h + 1:
            parts.append(f"{start:02d}" if start == h else f"{start:02d}-{h:02d}")
            start = None
    return ", ".join(parts)


def check_complete(settings: BatchSettings, date: str, hdfs: Hdfs | None = None) -> dict[str, int]:
    """Every source topic has all 24 hours of `date` closed (`_SUCCESS`); topic → Parquet files.

    Raises DataIncomplete naming each topic and its hours without a marker.
    """
    hdfs = hdfs or Hdfs(settings)
    problems, files = [], {}
    for topic in TOPICS:
        base = date_dir(settings, topic, date)
        present = {name.removeprefix("hour=") for name in hdfs.list(base) if name.startswith("hour=")}
        if not present:
            problems.append(f"{topic} has no hours (no {base})")
            continue
        missing, count = [], 0
        for hour in HOURS:
            names = hdfs.list(f"{base}/hour={hour}") if hour in present else []
            if "_SUCCESS" not in names:
                missing.append(int(hour))
            count += sum(1 for n in names if n.endswith(".parquet") and not n.startswith(("_", ".")))
        if missing:
            many = len(missing) > 1
            problems.append(f"{topic} hour{'s' if many else ''} {_ranges(missing)} {'have' if many else 'has'} no _SUCCESS")
        files[topic] = count
    if problems:
        raise DataIncomplete(f"{date} is incomplete in {settings.archive_dir}: " + "; ".join(problems))
    return files


def repair_partitions(spark: SparkSession, settings: BatchSettings, date: str) -> dict[str, list[int]]:
    """Make Spark see the day's partitions afresh (drop cached file listings, rediscover `hour=`):
    topic → hours holding data, as Spark's partition discovery lists them (no job runs)."""
    import re

    hdfs = Hdfs(settings)
    found: dict[str, list[int]] = {}
    for topic in TOPICS:
        spark.catalog.refreshByPath(settings.uri(topic_dir(settings, topic)))
        if not any(n.startswith("hour=") for n in hdfs.list(date_dir(settings, topic, date))):
            found[topic] = []
            continue
        try:
            # the contract's schema given: no job reading Parquet footers to infer it, only the listing
            df = (
                spark.read.schema(SCHEMAS[topic])
                .option("basePath", settings.uri(topic_dir(settings, topic)))
                .parquet(settings.uri(date_dir(settings, topic, date)))
            )
        except Exception as exc:
            if "UNABLE_TO_INFER_SCHEMA" not in str(exc):
                raise
            found[topic] = []
            continue
        hours = {int(m.group(1)) for f in df.inputFiles() if (m := re.search(r"/hour=(\d+)/", f))}
        found[topic] = sorted(hours)
    log.info("batch.partitions.discovered", date=date, hours={t: len(h) for t, h in found.items()})
    return found


def aggregate(spark: SparkSession, settings: BatchSettings, date: str, run: DayRun | None = None) -> DayRun:
    """Compute every day view of `date` and replace its partitions in the warehouse."""
    return aggregate_dates(spark, settings, [date], {date: run or DayRun(date)})[date]


def aggregate_dates(
    spark: SparkSession, settings: BatchSettings, dates: list[str], runs: dict[str, DayRun] | None = None
) -> dict[str, DayRun]:
    """Every day view of `dates` in one pass over their events (a backfill reads the lake once)."""

    runs = runs if runs is not None else {}
    for date in dates:
        runs.setdefault(date, DayRun(date))
    hdfs = Hdfs(settings)
    detail: dict[str, float] = {}
    started = time.monotonic()
    day = load_days(spark, settings, dates, hdfs)
    detail["load"] = time.monotonic() - started
    try:
        started = time.monotonic()
        _count(day, dates, runs)
        detail["counts"] = time.monotonic() - started
        started = time.monotonic()
        view_seconds: dict[str, float] = {}
        written = write_day_views(settings, day, dates, hdfs, view_seconds)
        detail["views"] = time.monotonic() - started
        for date in dates:
            runs[date].views = written
            runs[date].detail.update(detail)
            runs[date].view_seconds.update(view_seconds)
    finally:
        day.unpersist()
    return runs


def _count(day: Day, dates: list[str], runs: dict[str, DayRun]) -> None:
    from pyspark.sql import functions as F

    # clicks and purchases from their cached aggregates, not the events
    clicks = day.session_hours.groupBy("date").agg(F.sum("clicks").alias("count"))
    purchases = day.orders.groupBy("date").agg(F.sum("orders").alias("count"))
    per_date = {"clicks": clicks, "purchases": purchases, "inventory": day.inventory.groupBy("date").count()}
    for topic, df in per_date.items():
        counts = {r["date"]: r["count"] for r in df.collect()}
        for date in dates:
            runs[date].events[topic] = int(counts.get(date, 0))
    for date in dates:
        runs[date].orders, runs[date].revenue = 0, Decimal("0.00")
    for r in day.orders.groupBy("date").agg(F.sum("orders").alias("orders"), F.sum("revenue").alias("revenue")).collect():
        if r["date"] in runs:
            runs[r["date"]].orders = int(r["orders"])
            runs[r["date"]].revenue = r["revenue"].quantize(Decimal("0.01"))


def revenue_csv(spark: SparkSession, settings: BatchSettings, date: str) -> bytes:
    """The day's revenue cube as CSV, rows in a fixed order (the same bytes on every rerun)."""
    from souk.contract import format_money

    cube = read_view(spark, settings, "revenue_cube", [date])
    rows = [] if cube is None else cube.orderBy("hour", "city", "category", "payment_method").collect()
    lines = [",".join(CSV_COLUMNS)]
    for r in rows:
        cells = [r["date"], f"{r['hour']:02d}", r["city"], r["category"], r["payment_method"], str(r["orders"]), str(r["units"])]
        cells.append(format_money(r["revenue"]))
        lines.append(",".join(_csv_cell(c) for c in cells))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _csv_cell(value: str) -> str:
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n') else value


def export(spark: SparkSession, settings: BatchSettings, date: str) -> str:
    """Write `/reports/date=D/revenue.csv` in HDFS (and its local copy); the HDFS path."""
    data = revenue_csv(spark, settings, date)
    path = f"{settings.reports_dir}/date={date}/revenue.csv"
    Hdfs(settings).write(path, data)
    local = Path(settings.local_reports()) / f"date={date}" / "revenue.csv"
    local.parent.mkdir(parents=True, exist_ok=True)
    local.write_bytes(data)
    return path


def export_mysql(settings: BatchSettings, date: str, table: str) -> None:
    """Optional: `sqoop-bridge export` the day's CSV rows into MySQL table `table`, which must exist with
    the CSV's columns. Sqoop reads every file of a directory, so the rows (no header) get one of their own."""
    import subprocess
    import sys

    export_dir = f"{settings.reports_dir}/date={date}/revenue_export"
    body = Hdfs(settings).read(f"{settings.reports_dir}/date={date}/revenue.csv").split(b"\n", 1)[1]
    Hdfs(settings).write(f"{export_dir}/part-m-00000", body)
    command = [sys.executable, "-m", "sqoop_bridge", "export", "--table", table, "--export-dir", export_dir]
    command += ["--input-fields-terminated-by", ",", "--input-optionally-enclosed-by", '"', "--columns", ",".join(CSV_COLUMNS)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"sqoop-bridge export to {table} failed: {last}")


def run_day(
    spark: SparkSession,
    settings: BatchSettings,
    date: str,
    *,
    check: bool = True,
    wait_s: float = 0.0,
    mysql_table: str | None = None,
) -> DayRun:
    """check → repair → aggregate → export for one date, each step with retries."""
    run = DayRun(date)
    attempts, delay = settings.retries, settings.retry_delay_s

    def timed(step: str, fn: Callable[[], Any]) -> Any:
        started = time.monotonic()
        result = with_retries(step, fn, attempts, delay)
        run.seconds[step] = time.monotonic() - started
        log.info("batch.daily.step", date=date, step=step, seconds=round(run.seconds[step], 2))
        return result

    if check:
        timed("check", lambda: check_waiting(settings, date, wait_s))
    timed("repair", lambda: repair_partitions(spark, settings, date))
    timed("aggregate", lambda: aggregate(spark, settings, date, run))
    run.csv = timed("export", lambda: export(spark, settings, date))
    if mysql_table:
        timed("export_mysql", lambda: export_mysql(settings, date, mysql_table))
    return run


def run_days(
    spark: SparkSession,
    settings: BatchSettings,
    dates: list[str],
    *,
    check: bool = True,
    wait_s: float = 0.0,
    mysql_table: str | None = None,
) -> list[DayRun]:
    """Several days (a backfill): every day checked first, the views computed in one pass, a CSV per day."""
    if len(dates) == 1:
        return [run_day(spark, settings, dates[0], check=check, wait_s=wait_s, mysql_table=mysql_table)]
    attempts, delay = settings.retries, settings.retry_delay_s
    runs = {date: DayRun(date) for date in dates}
    for date in dates:
        started = time.monotonic()
        if check:
            with_retries("check", lambda date=date: check_waiting(settings, date, wait_s), attempts, delay)  # type: ignore[misc]
        with_retries("repair", lambda date=date: repair_partitions(spark, settings, date), attempts, delay)  # type: ignore[misc]
        runs[date].seconds["check+repair"] = time.monotonic() - started
    started = time.monotonic()
    with_retries("aggregate", lambda: aggregate_dates(spark, settings, dates, runs), attempts, delay)
    share = (time.monotonic() - started) / len(dates)
    for date in dates:
        runs[date].seconds["aggregate"] = share
        started = time.monotonic()
        runs[date].csv = with_retries("export", lambda date=date: export(spark, settings, date), attempts, delay)  # type: ignore[misc]
        if mysql_table:
            with_retries("export_mysql", lambda date=date: export_mysql(settings, date, mysql_table), attempts, delay)  # type: ignore[misc]
        runs[date].seconds["export"] = time.monotonic() - started
    return [runs[d] for d in dates]


def check_waiting(settings: BatchSettings, date: str, wait_s: float) -> dict[str, int]:
    """check_complete, polled for up to `wait_s` (an Airflow sensor's poke) before giving up."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return check_complete(settings, date)
        except DataIncomplete:
            if time.monotonic() >= deadline:
                raise
            time.sleep(min(30.0, max(0.0, deadline - time.monotonic())))


def run_sales(spark: SparkSession, settings: BatchSettings) -> dict[str, int] | None:
    """The sales views (whole table); None when /user/sqoop/sales has not been imported."""
    return with_retries("sales", lambda: write_sales_views(spark, settings), settings.retries, settings.retry_delay_s)
