"""The archive as Spark DataFrames: one topic's events of some dates, typed and deduplicated.

The archiver writes `<archive>/<topic>/date=YYYY-MM-DD/hour=HH/*.parquet` (Snappy) with the
contract's fields, money as decimal, `event_time` (timestamp, UTC) beside `event_time_ms`, and the
Kafka coordinates. Reading goes through Spark's partition discovery (basePath = the topic's
directory), so `date` and `hour` come from the directory names; names starting with `_` or `.`
(temp files, `_SUCCESS`) are skipped by Spark. Duplicates (the same `event_id` archived twice after
a redelivery) are dropped here, as the processor drops them by `event_id`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from batch.hdfs import Hdfs
from batch.settings import BatchSettings

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

TOPICS: Final = ("clicks", "purchases", "inventory")
HOURS: Final = tuple(f"{h:02d}" for h in range(24))
MONEY_TYPE: Final = "decimal(18,2)"

_COMMON_HEAD: Final = "event_id string, event_time timestamp, event_time_ms bigint, schema_version int"
_COMMON_TAIL: Final = "kafka_partition int, kafka_offset bigint"
SCHEMAS: Final = {
    "clicks": f"{_COMMON_HEAD}, session_id string, user_id string, city string, page string, action string, "
    f"product_id string, category string, {_COMMON_TAIL}",
    "purchases": f"{_COMMON_HEAD}, order_id string, session_id string, user_id string, city string, payment_method string, "
    f"lines array<struct<product_id: string, category: string, quantity: bigint, unit_price: {MONEY_TYPE}>>, "
    f"total {MONEY_TYPE}, {_COMMON_TAIL}",
    "inventory": f"{_COMMON_HEAD}, product_id string, category string, delta bigint, reason string, stock_level bigint, {_COMMON_TAIL}",
}
# What the day views read of each topic (besides `date` and `hour`): the rest is never parsed.
VIEW_COLUMNS: Final = {
    "clicks": ("event_id", "session_id", "page", "action", "product_id", "category"),
    "purchases": ("event_id", "event_time", "order_id", "session_id", "user_id", "city", "payment_method", "lines", "total"),
    "inventory": ("event_id", "event_time_ms", "kafka_offset", "product_id", "category", "delta", "reason", "stock_level"),
}


def topic_dir(settings: BatchSettings, topic: str) -> str:
    return f"{settings.archive_dir}/{topic}"


def date_dir(settings: BatchSettings, topic: str, date: str) -> str:
    return f"{topic_dir(settings, topic)}/date={date}"


def empty(spark: SparkSession, topic: str) -> DataFrame:
    """No events of `topic`, with the columns a read would have."""
    return spark.createDataFrame([], f"{SCHEMAS[topic]}, date string, hour int")


def _typed(df: DataFrame, topic: str, only_date: str | None = None) -> DataFrame:
    """The archive's columns cast to the canonical types (older files may carry narrower decimals).
    `only_date`: the one date read, a constant (formatting the partition value costs per row)."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StructType

    schema = StructType.fromDDL(SCHEMAS[topic])
    assert isinstance(schema, StructType)
    columns = [F.col(field.name).cast(field.dataType).alias(field.name) for field in schema.fields]
    date = F.lit(only_date) if only_date else F.date_format("date", "yyyy-MM-dd")
    return df.select(*columns, date.alias("date"), F.col("hour").cast("int").alias("hour"))


def read_topic(
    spark: SparkSession,
    settings: BatchSettings,
    topic: str,
    dates: list[str] | None = None,
    hdfs: Hdfs | None = None,
    columns: tuple[str, ...] | None = None,
    dedupe: bool = True,
) -> DataFrame:
    """Events of `topic` on `dates` (all dates when None), one row per event_id (unless not `dedupe`),
    with `columns` (all when None) and `date`, `hour`. Only the columns asked for are read."""
    hdfs = hdfs or Hdfs(settings)
    base = topic_dir(settings, topic)
    present = [name.removeprefix("date=") for name in hdfs.list(base) if name.startswith("date=")]
    wanted = present if dates is None else [d for d in dates if d in present]
    if not wanted:
        return _columns(empty(spark, topic), columns)
    paths = [settings.uri(f"{base}/date={d}") for d in wanted]
    try:
        raw = spark.read.option("basePath", settings.uri(base)).parquet(*paths)
    except Exception as exc:  # Spark says "unable to infer schema" for directories holding only markers
        if "UNABLE_TO_INFER_SCHEMA" in str(exc) or "Unable to infer schema" in str(exc):
            return _columns(empty(spark, topic), columns)
        raise
    typed = _columns(_typed(raw, topic, wanted[0] if len(wanted) == 1 else None), columns)
    return typed.dropDuplicates(["event_id"]) if dedupe else typed


def _columns(df: DataFrame, columns: tuple[str, ...] | None) -> DataFrame:
    return df if columns is None else df.select(*columns, "date", "hour")


@dataclass
class Day:
    """The events of one or more dates, as the views need them."""

    clicks: DataFrame
    purchases: DataFrame
    inventory: DataFrame
    lines: DataFrame  # one row per purchase line, with the order's fields and `amount`
    cached: tuple[DataFrame, ...] = ()  # what to release when done
    # one row per (date, hour, session_id) with clicks: `clicks` (how many) and `pages` (bit i set: a click on
    # PAGES[i]); a session's pages and hours in ~1/8 of the rows, for the views that count distinct sessions
    session_hours: DataFrame | None = None

    def dates(self) -> DataFrame:
        """The dates that have any event (one `date` column); the clicks' from their smaller aggregate."""
        clicked = self.sessions_by_hour().select("date")
        return clicked.union(self.purchases.select("date")).union(self.inventory.select("date")).distinct()

    def sessions_by_hour(self) -> DataFrame:
        return self.session_hours if self.session_hours is not None else session_hours(self.clicks)

    def unpersist(self) -> None:
        for df in self.cached:
            df.unpersist()


def session_hours(clicks: DataFrame) -> DataFrame:
    """date, hour, session_id, clicks, pages (bit i: a click on PAGES[i]) — see Day.session_hours."""
    from pyspark.sql import functions as F

    from souk.contract import PAGES

    bit = F.lit(0)
    for i, page in enumerate(PAGES):
        bit = F.when(F.col("page") == page, F.lit(1 << i)).otherwise(bit)
    return clicks.groupBy("date", "hour", "session_id").agg(F.count("*").alias("clicks"), F.bit_or(bit).alias("pages"))


def explode_lines(purchases: DataFrame) -> DataFrame:
    from pyspark.sql import functions as F

    return purchases.select(
        "date",
        "hour",
        "order_id",
        "session_id",
        "city",
        "payment_method",
        F.explode("lines").alias("line"),
    ).select(
        "date",
        "hour",
        "order_id",
        "session_id",
        "city",
        "payment_method",
        F.col("line.product_id").alias("product_id"),
        F.col("line.category").alias("category"),
        F.col("line.quantity").alias("quantity"),
        F.col("line.unit_price").alias("unit_price"),
        (F.col("line.unit_price") * F.col("line.quantity")).cast(MONEY_TYPE).alias("amount"),
    )


def load_days(spark: SparkSession, settings: BatchSettings, dates: list[str], hdfs: Hdfs | None = None, max_suspects: int = 10_000) -> Day:
    """The three topics on `dates`, with the columns the day views read, deduplicated.

    Purchases and inventory are cached (many views read them). The clicks, most of the events, are not
    (building that cache cost more than it saved): they are read from Parquet, each time only the columns
    needed: for the hash check below (`event_id`), for `session_hours` (a cached aggregate ~1/8 of their
    size that the count, the hourly profile and the funnel read) and for the two affinity views.

    Duplicates: one Spark job per topic hashes every event_id (grouping by one long is Spark's fastest
    aggregation); only the rows whose hash repeats are deduplicated exactly.
    """
    from pyspark.sql import functions as F

    hdfs = hdfs or Hdfs(settings)
    frames = {}
    cached = []
    for topic in TOPICS:
        events = read_topic(spark, settings, topic, dates, hdfs, columns=VIEW_COLUMNS[topic], dedupe=False)
        if topic != "clicks":
            events = events.cache()
            cached.append(events)
        repeated = events.groupBy(_id_hash(topic).alias("id_hash")).count().where(F.col("count") > 1)
        suspects = [row["id_hash"] for row in repeated.select("id_hash").limit(max_suspects + 1).collect()]
        if suspects and topic == "clicks":
            # deduplicate over a cache, as for the other topics: jobs over the union below of two uncached
            # Parquet scans waited forever with pyspark 4.3.0 (adaptive execution, local[2])
            events = events.cache()
            cached.append(events)
        # more suspects than that: a plain dropDuplicates
        frames[topic] = _without_repeats(events, topic, suspects, exact=len(suspects) > max_suspects)
    lines = explode_lines(frames["purchases"])
    by_hour = session_hours(frames["clicks"]).cache()
    cached.append(by_hour)
    return Day(frames["clicks"], frames["purchases"], frames["inventory"], lines, tuple(cached), by_hour)


def _id_hash(topic: str) -> Column:
    """A 64-bit hash of (topic, event_id)."""
    from pyspark.sql import functions as F

    return F.xxhash64(F.lit(TOPICS.index(topic)), F.col("event_id"))


def _without_repeats(events: DataFrame, topic: str, suspects: list[int], exact: bool = False) -> DataFrame:
    """`events` of `topic` with one row per event_id, given the _id_hash values that occur more than once in it:
    those rows are deduplicated exactly (the others are unique already), or all rows when `exact`."""
    if not suspects:
        return events
    if exact:
        return events.dropDuplicates(["event_id"])
    suspect = _id_hash(topic).isin(suspects)
    return events.where(~suspect).unionByName(events.where(suspect).dropDuplicates(["event_id"]))
