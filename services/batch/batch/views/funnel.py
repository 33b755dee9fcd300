"""The conversion funnel per day: sessions reaching each step, and step-to-step rates.

A session reaches a page step (home, category, product, cart, checkout) on a day when it has a
click on that page that day (any action), and the purchase step when it has a purchase that day.
Steps are counted independently (a session that lands on a product page from a search reaches
`product` without `home`), so a rate may exceed 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from batch.lake import Day
from souk.contract import PAGES

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

STEPS: Final = ("home", "category", "product", "cart", "checkout", "purchase")


def funnel(day: Day) -> DataFrame:
    """date, step_index (1…6), step, sessions, rate_from_previous, rate_from_start (doubles; null over 0)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    spark = day.clicks.sparkSession
    # a session's pages of the day: the OR of its hours' page bits (one row per date and session)
    by_hour = day.session_hours
    sessions = by_hour.where(F.col("session_id").isNotNull()).groupBy("date", "session_id").agg(F.bit_or("pages").alias("pages"))
    per_page = sessions.groupBy("date").agg(
        *[F.count(F.when(F.col("pages").bitwiseAND(F.lit(1 << i)) != 0, True)).alias(page) for i, page in enumerate(PAGES)]
    )
    pages = per_page.select(
        "date", F.explode(F.array(*[F.struct(F.lit(p).alias("step"), F.col(p).alias("sessions")) for p in PAGES])).alias("s")
    ).select("date", "s.step", "s.sessions")
    bought = day.buyers.select("date", F.lit("purchase").alias("step"), F.col("buying_sessions").alias("sessions"))
    reached = pages.unionByName(bought)
    steps = spark.createDataFrame([(i + 1, s) for i, s in enumerate(STEPS)], "step_index int, step string")
    dates = by_hour.select("date").union(day.orders.select("date")).distinct()
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
