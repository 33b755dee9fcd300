"""Viewed vs bought, per category and per product: what is looked at and what is taken home.

viewed: product-page views (page `product`, action `view`) and the sessions that made them;
carted: add_to_cart clicks; bought: sessions and orders with a line of it, units and revenue.
view_to_buy = bought_sessions / viewed_sessions and view_to_order = orders / views (the processor's
/affinity rate), both doubles, null when nothing was viewed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from batch.lake import MONEY_TYPE, Day

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


def _affinity(day: Day, keys: list[str]) -> DataFrame:
    from pyspark.sql import functions as F

    # The counts per key straight from the clicks (tiny shuffle); the distinct sessions only over the product
    # views, a third of the rows that have a category (its one distinct aggregate shuffles (key, session) pairs)
    product_view = (F.col("page") == "product") & (F.col("action") == "view")
    clicked = day.clicks.where(F.col("category").isNotNull())
    counts = clicked.groupBy("date", *keys).agg(
        F.count_if(product_view).alias("views"), F.count_if(F.col("action") == "add_to_cart").alias("cart_adds")
    )
    viewers = clicked.where(product_view).groupBy("date", *keys).agg(F.countDistinct("session_id").alias("viewed_sessions"))
    viewed = counts.join(viewers, ["date", *keys], "left")
    new_order = "new_product" if "product_id" in keys else "new_category"
    bought_per_session = day.lines.groupBy("date", *keys, "session_id").agg(
        F.count_if(new_order).alias("orders"), F.sum("quantity").alias("units"), F.sum("amount").alias("revenue")
    )
    bought = bought_per_session.groupBy("date", *keys).agg(
        F.count("session_id").alias("bought_sessions"),
        F.sum("orders").alias("orders"),
        F.sum("units").alias("units"),
        F.sum("revenue").alias("revenue"),
    )
    joined = viewed.join(bought, ["date", *keys], "full_outer")
    zero = F.lit(0)
    return joined.select(
        "date",
        *keys,
        F.coalesce("views", zero).cast("bigint").alias("views"),
        F.coalesce("viewed_sessions", zero).cast("bigint").alias("viewed_sessions"),
        F.coalesce("cart_adds", zero).cast("bigint").alias("cart_adds"),
        F.coalesce("bought_sessions", zero).cast("bigint").alias("bought_sessions"),
        F.coalesce("orders", zero).cast("bigint").alias("orders"),
        F.coalesce("units", zero).cast("bigint").alias("units"),
        F.coalesce("revenue", zero).cast(MONEY_TYPE).alias("revenue"),
        F.when(F.col("viewed_sessions") > 0, F.coalesce("bought_sessions", zero) / F.col("viewed_sessions")).alias("view_to_buy"),
        F.when(F.col("views") > 0, F.coalesce("orders", zero) / F.col("views")).alias("view_to_order"),
    )


def affinity_category(day: Day) -> DataFrame:
    """date, category, views, viewed_sessions, cart_adds, bought_sessions, orders, units, revenue, view_to_buy, view_to_order."""
    return _affinity(day, ["category"])


def affinity_product(day: Day) -> DataFrame:
    """date, product_id, category, then the columns of affinity_category."""
    from pyspark.sql import functions as F

    products = _affinity(day, ["product_id", "category"]).where(F.col("product_id").isNotNull())
    return products
