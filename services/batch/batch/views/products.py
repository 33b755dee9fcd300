"""Top products of a day and its high-ticket orders."""

from __future__ import annotations

from typing import TYPE_CHECKING

from batch.lake import MONEY_TYPE, Day
from souk.contract import HIGH_TICKET_THRESHOLD

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


def top_products(day: Day, n: int) -> DataFrame:
    """date, rank, product_id, category, orders, units, revenue: the `n` most sold.

    Ranked by units, then revenue, then product_id: the processor's /top-products order."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    sold = day.line_cube.groupBy("date", "product_id", "category").agg(
        F.sum("product_orders").alias("orders"),
        F.sum("units").alias("units"),
        F.sum("revenue").cast(MONEY_TYPE).alias("revenue"),
    )
    best = Window.partitionBy("date").orderBy(F.col("units").desc(), F.col("revenue").desc(), F.col("product_id").asc())
    ranked = sold.withColumn("rank", F.row_number().over(best)).where(F.col("rank") <= n)
    return ranked.select("date", "rank", "product_id", "category", "orders", "units", "revenue")


def high_ticket_orders(day: Day) -> DataFrame:
    """Orders whose total reaches HIGH_TICKET_THRESHOLD (the contract's rule for the processor's alert).

    date, hour, event_time, order_id, session_id, user_id, city, payment_method, lines, units, total.
    """
    from pyspark.sql import functions as F

    return day.purchases.where(F.col("total") >= F.lit(HIGH_TICKET_THRESHOLD).cast(MONEY_TYPE)).select(
        "date",
        "hour",
        "event_time",
        "order_id",
        "session_id",
        "user_id",
        "city",
        "payment_method",
        F.col("line_count").alias("lines"),
        "units",
        "total",
    )
