"""Revenue and orders by day, category, city and payment method, and the hour × city × category cube.

Revenue is the sum of line amounts (quantity × unit_price), which per order equals its `total`;
an order counts once in every category it has a line in. Money stays decimal(18,2) throughout.
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

    units = day.lines.groupBy("date").agg(F.sum("quantity").alias("units"))
    orders = day.purchases.groupBy("date").agg(
        F.count("*").alias("orders"),
        F.sum("total").cast(MONEY_TYPE).alias("revenue"),
        F.countDistinct("session_id").alias("buying_sessions"),
    )
    return orders.join(units, "date", "left").select("date", "orders", "units", "revenue", _avg_basket(), "buying_sessions")


def revenue_by_category(day: Day) -> DataFrame:
    """date, category, orders (with a line in the category), units, revenue."""
    from pyspark.sql import functions as F

    return day.lines.groupBy("date", "category").agg(
        F.countDistinct("order_id").alias("orders"),
        F.sum("quantity").alias("units"),
        F.sum("amount").cast(MONEY_TYPE).alias("revenue"),
    )


def revenue_by_city(day: Day) -> DataFrame:
    """date, city, orders, units, revenue, avg_basket, top_category (most revenue; ties → first by name)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    orders = day.purchases.groupBy("date", "city").agg(F.count("*").alias("orders"), F.sum("total").cast(MONEY_TYPE).alias("revenue"))
    units = day.lines.groupBy("date", "city").agg(F.sum("quantity").alias("units"))
    by_category = day.lines.groupBy("date", "city", "category").agg(F.sum("amount").alias("category_revenue"))
    best = Window.partitionBy("date", "city").orderBy(F.col("category_revenue").desc(), F.col("category").asc())
    top = (
        by_category.withColumn("rank", F.row_number().over(best))
        .where(F.col("rank") == 1)
        .select("date", "city", F.col("category").alias("top_category"))
    )
    return (
        orders.join(units, ["date", "city"], "left")
        .join(top, ["date", "city"], "left")
        .select("date", "city", "orders", "units", "revenue", _avg_basket(), "top_category")
    )


def revenue_by_payment(day: Day) -> DataFrame:
    """date, payment_method, orders, revenue, avg_basket."""
    from pyspark.sql import functions as F

    return (
        day.purchases.groupBy("date", "payment_method")
        .agg(F.count("*").alias("orders"), F.sum("total").cast(MONEY_TYPE).alias("revenue"))
        .select("date", "payment_method", "orders", "revenue", _avg_basket())
    )


def revenue_cube(day: Day) -> DataFrame:
    """date, hour, city, category, payment_method, orders, units, revenue: the finest grain, exported as CSV."""
    from pyspark.sql import functions as F

    return day.lines.groupBy("date", "hour", "city", "category", "payment_method").agg(
        F.countDistinct("order_id").alias("orders"),
        F.sum("quantity").alias("units"),
        F.sum("amount").cast(MONEY_TYPE).alias("revenue"),
    )
