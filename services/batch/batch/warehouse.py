"""The views in HDFS: `<warehouse>/<view>/date=YYYY-MM-DD/part-*.parquet` (Snappy).

A run replaces exactly the dates it recomputed: Spark's dynamic partition overwrite replaces the
`date=` directories the new output has, and a recomputed date that now has no rows (say, no
high-ticket order any more) has its old directory removed, so a rerun never leaves stale rows.
Rows are written sorted by the view's key, one file per date, so the output of a rerun is the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from batch.hdfs import Hdfs
from batch.jobs import named, side_by_side
from batch.lake import Day
from batch.settings import BatchSettings
from batch.views import DAY_VIEWS, SALES_VIEWS, DayView
from souk.logs import get_logger

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

log = get_logger()


def view_dir(settings: BatchSettings, name: str) -> str:
    return f"{settings.warehouse_dir}/{name}"


def write_day_view(settings: BatchSettings, view: DayView, day: Day, dates: list[str], hdfs: Hdfs) -> int:
    """Compute `view` over `day` and replace its partitions of `dates`; the number of rows written.

    One Spark job: the rows per date are counted by an observation of the write itself."""
    from pyspark.sql import Observation
    from pyspark.sql import functions as F

    rows = Observation(f"rows_{view.name}")
    per_date = [F.sum(F.when(F.col("date") == date, 1).otherwise(0)).alias(date) for date in dates]
    out = view.build(day, settings.top_n).where(F.col("date").isin(dates)).repartition(1).sortWithinPartitions(*view.order)
    out.observe(rows, *per_date).write.mode("overwrite").option("partitionOverwriteMode", "dynamic").partitionBy("date").parquet(
        settings.uri(view_dir(settings, view.name))
    )
    counts = {date: int(n or 0) for date, n in rows.get.items()}
    for date in dates:
        if not counts.get(date):
            hdfs.delete(f"{view_dir(settings, view.name)}/date={date}", recursive=True)
    log.info("batch.view.written", view=view.name, dates=dates, rows=sum(counts.values()))
    return sum(counts.values())


def write_day_views(
    settings: BatchSettings, day: Day, dates: list[str], hdfs: Hdfs | None = None, seconds: dict[str, float] | None = None
) -> dict[str, int]:
    """Every day view for `dates`: view name → rows written (and, into `seconds`, view name → time taken).

    Views run `settings.view_jobs` at a time, from threads of this process: a view is a handful of small
    Spark jobs whose time is mostly scheduling and HDFS round trips, which overlap; Spark runs their tasks
    on the same cores."""
    import functools
    import time

    hdfs = hdfs or Hdfs(settings)

    def write(view: DayView) -> int:
        started = time.monotonic()
        rows = write_day_view(settings, view, day, dates, hdfs)
        if seconds is not None:
            seconds[view.name] = time.monotonic() - started
        return rows

    spark = day.session_hours.sparkSession
    rows = side_by_side(settings.view_jobs, [named(spark, f"view {v.name}", functools.partial(write, v)) for v in DAY_VIEWS], "view")
    return {view.name: n for view, n in zip(DAY_VIEWS, rows, strict=True)}


def read_sales(spark: SparkSession, settings: BatchSettings, hdfs: Hdfs | None = None) -> DataFrame | None:
    """The sqoop-imported sales table, or None when it has not been imported."""
    hdfs = hdfs or Hdfs(settings)
    if not any(name.endswith(".parquet") or name.startswith("part-") for name in hdfs.list(settings.sales_dir)):
        return None
    return spark.read.parquet(settings.uri(settings.sales_dir))


def write_sales_views(spark: SparkSession, settings: BatchSettings, hdfs: Hdfs | None = None) -> dict[str, int] | None:
    """The sales views, rewritten whole; None when /user/sqoop/sales is absent."""
    sales = read_sales(spark, settings, hdfs)
    if sales is None:
        log.info("batch.sales.missing", path=settings.sales_dir)
        return None
    written = {}
    for view in SALES_VIEWS:
        out = view.build(sales).orderBy(*view.order).coalesce(1)
        out.write.mode("overwrite").parquet(settings.uri(view_dir(settings, view.name)))
        written[view.name] = spark.read.parquet(settings.uri(view_dir(settings, view.name))).count()
    return written


def read_view(spark: SparkSession, settings: BatchSettings, name: str, dates: list[str] | None = None) -> DataFrame | None:
    """A stored view (dates as 'YYYY-MM-DD' strings), or None when nothing was written yet."""
    from pyspark.sql import functions as F

    hdfs = Hdfs(settings)
    base = view_dir(settings, name)
    names = hdfs.list(base)
    if name in {v.name for v in SALES_VIEWS}:
        return spark.read.parquet(settings.uri(base)) if any(n.endswith(".parquet") for n in names) else None
    present = sorted(n.removeprefix("date=") for n in names if n.startswith("date="))
    wanted = present if dates is None else [d for d in dates if d in present]
    if not wanted:
        return None
    df = spark.read.option("basePath", settings.uri(base)).parquet(*[settings.uri(f"{base}/date={d}") for d in wanted])
    return df.withColumn("date", F.date_format("date", "yyyy-MM-dd"))
