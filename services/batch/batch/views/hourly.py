"""The hour-of-day profile of a day (all 24 hours, zeros included) and its peak hour."""

from __future__ import annotations

from typing import TYPE_CHECKING

from batch.lake import MONEY_TYPE, Day

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


def hourly_profile(day: Day) -> DataFrame:
    """date, hour, clicks, sessions, orders, units, revenue, is_peak.

    The peak hour is the one with the most revenue (ties → the earliest); a day without revenue has none.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    grid = day.dates().crossJoin(day.clicks.sparkSession.range(24).select(F.col("id").cast("int").alias("hour")))
    # one row per (date, hour, session): the sessions of an hour are its rows with a session_id
    clicks = day.session_hours.groupBy("date", "hour").agg(F.sum("clicks").alias("clicks"), F.count("session_id").alias("sessions"))
    orders = day.orders.groupBy("date", "hour").agg(
        F.sum("orders").alias("orders"), F.sum("units").alias("units"), F.sum("revenue").alias("revenue")
    )
    keys = ["date", "hour"]
    profile = grid.join(clicks, keys, "left").join(orders, keys, "left")
    profile = profile.select(
        "date",
        "hour",
        F.coalesce("clicks", F.lit(0)).cast("bigint").alias("clicks"),
        F.coalesce("sessions", F.lit(0)).cast("bigint").alias("sessions"),
        F.coalesce("orders", F.lit(0)).cast("bigint").alias("orders"),
        F.coalesce("units", F.lit(0)).cast("bigint").alias("units"),
        F.coalesce("revenue", F.lit(0)).cast(MONEY_TYPE).alias("revenue"),
    )
    best = Window.partitionBy("date").orderBy(F.col("revenue").desc(), F.col("hour").asc())
    return profile.withColumn("is_peak", (F.row_number().over(best) == 1) & (F.col("revenue") > 0))
