"""Revenue and orders by day, category, city and payment method, and the hour × city × category cube.

Revenue is the sum of line amounts (quantity × unit_price), which per order equals its `total`;
an order counts once in every category it has a line in (the lines' `new_category` flag, summed in Day.line_cube: an
order is one purchase event, its order_id the contract's unique id). Money stays decimal(18,2) throughout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from batch.lake import MONEY_TYPE, Day

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame


def _avg_basket(revenue: str = "revenue", orders: str = "orders") -> Column:
    from pyspark.sql import functions as F

    # round() is HALF_UP on the exact decimal quotient
    return F.when(F.col(orders) > 0, F.round(F.col(revenue) / F.col(orders), 2)).cast(MONEY_TYPE).alias("avg_basket")


def revenue_daily(day: Day) -> DataFrame:
    """date, orders, units, revenue, avg_basket, sessions_with_purchase."""
    from pyspark.sql import functions as F

    orders = day.orders.groupBy("date").agg(
        F.sum("orders").alias("orders"), F.sum("units").alias("units"), F.sum("revenue").cast(MONEY_TYPE).alias("revenue")
    )
    return orders.join(day.buyers, "date").select("date", "orders", "units", "revenue", _avg_basket(), "buying_sessions")


def revenue_by_category(day: Day) -> DataFrame:
    """date, category, orders (with a line in the category), units, revenue."""
    from pyspark.sql import functions as F

    return day.line_cube.groupBy("date", "category").agg(
        F.sum("category_orders").alias("orders"),
        F.sum("units").alias("units"),
        F.sum("revenue").cast(MONEY_TYPE).alias("revenue"),
    )


def revenue_by_city(day: Day) -> DataFrame:
    """date, city, orders, units, revenue, avg_basket, top_category (most revenue; ties → first by name)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    orders = day.orders.groupBy("date", "city").agg(
        F.sum("orders").alias("orders"), F.sum("units").alias("units"), F.sum("revenue").cast(MONEY_TYPE).alias("revenue")
    )
    by_category = day.line_cube.groupBy("date", "city", "category").agg(F.sum("revenue").alias("category_revenue"))
    best = Window.partitionBy("date", "city").orderBy(F.col("category_revenue").desc(), F.col("category").asc())
    top = (
        by_category.withColumn("rank", F.row_number().over(best))
        .where(F.col("rank") == 1)
        .select("date", "city", F.col("category").alias("top_category"))
    )
    return orders.join(top, ["date", "city"], "left").select("date", "city", "orders", "units", "revenue", _avg_basket(), "top_category")


def revenue_by_payment(day: Day) -> DataFrame:
    """date, payment_method, orders, revenue, avg_basket."""
    from pyspark.sql import functions as F

    return (
        day.orders.groupBy("date", "payment_method")
        .agg(F.sum("orders").alias("orders"), F.sum("revenue").cast(MONEY_TYPE).alias("revenue"))
        .select("date", "payment_method", "orders", "revenue", _avg_basket())
    )


def revenue_cube(day: Day) -> DataFrame:
    """date, hour, city, category, payment_method, orders, units, revenue: the finest grain, exported as CSV."""
    from pyspark.sql import functions as F

    return day.line_cube.groupBy("date", "hour", "city", "category", "payment_method").agg(
        F.sum("category_orders").alias("orders"),
        F.sum("units").alias("units"),
        F.sum("revenue").cast(MONEY_TYPE).alias("revenue"),
    )
