"""The lake as Spark SQL tables (what Hive external tables and Impala are in the seed pipelines).

Temporary views, rebuilt from HDFS at every command, so partitions are always discovered afresh
(no `MSCK REPAIR` to forget): `clicks`, `purchases`, `inventory` (the archive, one row per
event_id, with `date` and `hour` from the directories), `purchase_lines` (one row per line, with
`amount`), `sales` (the sqoop import) and every view written to the warehouse.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from batch.hdfs import Hdfs
from batch.lake import TOPICS, explode_lines, read_topic
from batch.settings import BatchSettings
from batch.views import VIEW_NAMES
from batch.warehouse import read_sales, read_view

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def register_lake(spark: SparkSession, settings: BatchSettings) -> list[str]:
    """Register the archive's topics, the purchase lines and the sales import; the table names."""
    hdfs = Hdfs(settings)
    names = []
    for topic in TOPICS:
        df = read_topic(spark, settings, topic, None, hdfs)
        df.createOrReplaceTempView(topic)
        names.append(topic)
        if topic == "purchases":
            explode_lines(df).createOrReplaceTempView("purchase_lines")
            names.append("purchase_lines")
    sales = read_sales(spark, settings, hdfs)
    if sales is not None:
        sales.createOrReplaceTempView("sales")
        names.append("sales")
    return names


def register_views(spark: SparkSession, settings: BatchSettings) -> list[str]:
    """Register every view the warehouse holds; the table names."""
    names = []
    for name in VIEW_NAMES:
        df = read_view(spark, settings, name)
        if df is not None:
            df.createOrReplaceTempView(name)
            names.append(name)
    return names


def register_all(spark: SparkSession, settings: BatchSettings) -> list[str]:
    return register_lake(spark, settings) + register_views(spark, settings)
