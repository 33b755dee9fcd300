"""The conversion funnel per day: sessions reaching each step, and step-to-step rates.

A session reaches a page step (home, category, product, cart, checkout) on a day when it has a
click on that page that day (any action), and the purchase step when it has a purchase that day.
Steps are counted independently (a session that lands on a product page from a search reaches
`product` without `home`), so a rate may exceed 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from batch.lake import Day

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

STEPS: Final = ("home", "category", "product", "cart", "checkout", "purchase")


def funnel(day: Day) -> DataFrame:
    """date, step_index (1…6), step, sessions, rate_from_previous, rate_from_start (doubles; null over 0)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    spark = day.clicks.sparkSession
    pages = day.clicks.select("date", F.col("page").alias("step"), "session_id")
    bought = day.purchases.select("date", F.lit("purchase").alias("step"), "session_id")
    reached = pages.union(bought).groupBy("date", "step").agg(F.countDistinct("session_id").alias("sessions"))
    steps = spark.createDataFrame([(i + 1, s) for i, s in enumerate(STEPS)], "step_index int, step string")
    dates = pages.select("date").union(bought.select("date")).distinct()
    grid = dates.crossJoin(steps).join(reached, ["date", "step"], "left")
    grid = grid.select("date", "step_index", "step", F.coalesce("sessions", F.lit(0)).cast("bigint").alias("sessions"))
    order = Window.partitionBy("date").orderBy("step_index")
    previous = F.lag("sessions").over(order)
    first = F.first("sessions").over(order)
    return grid.select(
        "date",
        "step_index",
        "step",
        "sessions",
        F.when(previous > 0, F.col("sessions") / previous).alias("rate_from_previous"),
        F.when(first > 0, F.col("sessions") / first).alias("rate_from_start"),
    )
