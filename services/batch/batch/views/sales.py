"""Views of the sqoop-imported Kaggle `sales` table (/user/sqoop/sales): product lines, countries, months, deal sizes.

These cover the whole table (it is not partitioned by day), so they are rewritten whole.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from batch.lake import MONEY_TYPE

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame


def _totals() -> list[Column]:
    from pyspark.sql import functions as F

    return [
        F.countDistinct("ORDERNUMBER").alias("orders"),
        F.count("*").alias("order_lines"),
        F.sum("QUANTITYORDERED").cast("bigint").alias("quantity"),
        F.sum(F.col("SALES").cast(MONEY_TYPE)).cast(MONEY_TYPE).alias("revenue"),
    ]


def sales_by_productline(sales: DataFrame) -> DataFrame:
    """productline, orders, order_lines, quantity, revenue."""
    from pyspark.sql import functions as F

    return sales.groupBy(F.col("PRODUCTLINE").alias("productline")).agg(*_totals())


def sales_by_country(sales: DataFrame) -> DataFrame:
    """country, orders, order_lines, quantity, revenue."""
    from pyspark.sql import functions as F

    return sales.groupBy(F.col("COUNTRY").alias("country")).agg(*_totals())


def sales_by_month(sales: DataFrame) -> DataFrame:
    """year, month, orders, order_lines, quantity, revenue."""
    from pyspark.sql import functions as F

    return sales.groupBy(F.col("YEAR_ID").cast("int").alias("year"), F.col("MONTH_ID").cast("int").alias("month")).agg(*_totals())


def deal_sizes(sales: DataFrame) -> DataFrame:
    """dealsize, orders, order_lines, quantity, revenue, avg_sale (per order line, HALF_UP to the cent)."""
    from pyspark.sql import functions as F

    return (
        sales.groupBy(F.col("DEALSIZE").alias("dealsize"))
        .agg(*_totals())
        .withColumn("avg_sale", F.round(F.col("revenue") / F.col("order_lines"), 2).cast(MONEY_TYPE))
    )
