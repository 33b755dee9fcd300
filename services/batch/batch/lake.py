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


def topic_dir(settings: BatchSettings, topic: str) -> str:
    return f"{settings.archive_dir}/{topic}"


def date_dir(settings: BatchSettings, topic: str, date: str) -> str:
    return f"{topic_dir(settings, topic)}/date={date}"


def empty(spark: SparkSession, topic: str) -> DataFrame:
    """No events of `topic`, with the columns a read would have."""
    return spark.createDataFrame([], f"{SCHEMAS[topic]}, date string, hour int")


def _typed(df: DataFrame, topic: str) -> DataFrame:
    """The archive's columns cast to the canonical types (older files may carry narrower decimals)."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StructType

    schema = StructType.fromDDL(SCHEMAS[topic])
    assert isinstance(schema, StructType)
    columns = [F.col(field.name).cast(field.dataType).alias(field.name) for field in schema.fields]
    return df.select(*columns, F.date_format("date", "yyyy-MM-dd").alias("date"), F.col("hour").cast("int").alias("hour"))


def read_topic(
    spark: SparkSession, settings: BatchSettings, topic: str, dates: list[str] | None = None, hdfs: Hdfs | None = None
) -> DataFrame:
    """Events of `topic` on `dates` (all dates when None), one row per event_id."""
    hdfs = hdfs or Hdfs(settings)
    base = topic_dir(settings, topic)
    present = [name.removeprefix("date=") for name in hdfs.list(base) if name.startswith("date=")]
    wanted = present if dates is None else [d for d in dates if d in present]
    if not wanted:
        return empty(spark, topic)
    paths = [settings.uri(f"{base}/date={d}") for d in wanted]
    try:
        raw = spark.read.option("basePath", settings.uri(base)).parquet(*paths)
    except Exception as exc:  # Spark says "unable to infer schema" for directories holding only markers
        if "UNABLE_TO_INFER_SCHEMA" in str(exc) or "Unable to infer schema" in str(exc):
            return empty(spark, topic)
        raise
    return _typed(raw, topic).dropDuplicates(["event_id"])


@dataclass
class Day:
    """The events of one or more dates, as the views need them."""

    clicks: DataFrame
    purchases: DataFrame
    inventory: DataFrame
    lines: DataFrame  # one row per purchase line, with the order's fields and `amount`

    def unpersist(self) -> None:
        for df in (self.clicks, self.purchases, self.inventory):
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


def load_days(spark: SparkSession, settings: BatchSettings, dates: list[str], hdfs: Hdfs | None = None, cache: bool = True) -> Day:
    """The three topics on `dates`; cached, since every view reads them again."""
    hdfs = hdfs or Hdfs(settings)
    frames = {topic: read_topic(spark, settings, topic, dates, hdfs) for topic in TOPICS}
    if cache:
        for df in frames.values():
            df.cache()
    return Day(frames["clicks"], frames["purchases"], frames["inventory"], explode_lines(frames["purchases"]))
