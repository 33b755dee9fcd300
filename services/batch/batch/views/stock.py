"""Stock history: per product and hour, the moves by reason and the level they left."""

from __future__ import annotations

from typing import TYPE_CHECKING

from batch.lake import Day

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


def stock_history(day: Day) -> DataFrame:
    """date, hour, product_id, category, moves, net_delta, sold, restocked, returned, adjusted,
    closing_stock (level after the hour's last move, by event time then Kafka offset), min_stock, max_stock.
    `sold` counts units (positive); `adjusted` is the net of adjustments."""
    from pyspark.sql import functions as F

    def by_reason(reason: str, sign: int = 1) -> F.Column:
        return F.coalesce(F.sum(F.when(F.col("reason") == reason, F.col("delta") * sign)), F.lit(0)).cast("bigint")

    return day.inventory.groupBy("date", "hour", "product_id", "category").agg(
        F.count("*").alias("moves"),
        F.sum("delta").cast("bigint").alias("net_delta"),
        by_reason("sale", -1).alias("sold"),
        by_reason("restock").alias("restocked"),
        by_reason("return").alias("returned"),
        by_reason("adjustment").alias("adjusted"),
        F.max_by("stock_level", F.struct("event_time_ms", "kafka_offset")).alias("closing_stock"),
        F.min("stock_level").alias("min_stock"),
        F.max("stock_level").alias("max_stock"),
    )
