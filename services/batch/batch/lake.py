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
    from pyspark.sql import DataFrame, SparkSession

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


def drop_repeated_events(events: DataFrame, max_suspects: int = 10_000) -> DataFrame:
    """One row per event_id, as dropDuplicates(["event_id"]), for a cached `events`.

    dropDuplicates shuffles every row. Duplicates are rare (a redelivery archived twice), so this
    hashes the ids in one pass over the cache and deduplicates exactly only the rows whose hash
    occurs more than once; the others are unique ids already. Runs one Spark job.
    """
    from pyspark.sql import functions as F

    hashed = F.xxhash64("event_id")
    repeated = events.groupBy(hashed.alias("id_hash")).count().where(F.col("count") > 1)
    suspects = [row["id_hash"] for row in repeated.select("id_hash").limit(max_suspects + 1).collect()]
    if not suspects:
        return events
    if len(suspects) > max_suspects:
        return events.dropDuplicates(["event_id"])
    suspect = hashed.isin(suspects)
    return events.where(~suspect).unionByName(events.where(suspect).dropDuplicates(["event_id"]))


@dataclass
class Day:
    """The events of one or more dates, as the views need them."""

    clicks: DataFrame
    purchases: DataFrame
    inventory: DataFrame
    lines: DataFrame  # one row per purchase line, with the order's fields and `amount`
    cached: tuple[DataFrame, ...] = ()  # what to release when done

    def unpersist(self) -> None:
        for df in self.cached:
            df.unpersist()


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


def load_days(spark: SparkSession, settings: BatchSettings, dates: list[str], hdfs: Hdfs | None = None) -> Day:
    """The three topics on `dates`, with the columns the day views read, deduplicated and cached
    (every view reads them again): the archive is read and parsed once per run."""
    hdfs = hdfs or Hdfs(settings)
    frames, cached = {}, []
    for topic in TOPICS:
        events = read_topic(spark, settings, topic, dates, hdfs, columns=VIEW_COLUMNS[topic], dedupe=False).cache()
        cached.append(events)
        frames[topic] = drop_repeated_events(events)
    return Day(frames["clicks"], frames["purchases"], frames["inventory"], explode_lines(frames["purchases"]), tuple(cached))
