"""The registry of views: each is written to `<warehouse>/<name>/date=…/` and is a table in `souk sql`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from batch.lake import Day
from batch.views.affinity import affinity_category, affinity_product
from batch.views.funnel import funnel
from batch.views.hourly import hourly_profile
from batch.views.products import high_ticket_orders, top_products
from batch.views.revenue import revenue_by_category, revenue_by_city, revenue_by_payment, revenue_cube, revenue_daily
from batch.views.sales import deal_sizes, sales_by_country, sales_by_month, sales_by_productline
from batch.views.stock import stock_history

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


@dataclass(frozen=True)
class DayView:
    """A view of the archive, computed per date and stored under `date=` partitions."""

    name: str
    build: Callable[[Day, int], DataFrame]  # (day, top_n)
    order: tuple[str, ...]  # a total order of its rows, so outputs compare and print the same every run


@dataclass(frozen=True)
class SalesView:
    """A view of the sqoop-imported sales table, rewritten whole."""

    name: str
    build: Callable[[DataFrame], DataFrame]
    order: tuple[str, ...]


DAY_VIEWS: Final = (
    DayView("revenue_daily", lambda d, n: revenue_daily(d), ("date",)),
    DayView("revenue_by_category", lambda d, n: revenue_by_category(d), ("date", "category")),
    DayView("revenue_by_city", lambda d, n: revenue_by_city(d), ("date", "city")),
    DayView("revenue_by_payment", lambda d, n: revenue_by_payment(d), ("date", "payment_method")),
    DayView("revenue_cube", lambda d, n: revenue_cube(d), ("date", "hour", "city", "category", "payment_method")),
    DayView("hourly_profile", lambda d, n: hourly_profile(d), ("date", "hour")),
    DayView("funnel", lambda d, n: funnel(d), ("date", "step_index")),
    DayView("affinity_category", lambda d, n: affinity_category(d), ("date", "category")),
    DayView("affinity_product", lambda d, n: affinity_product(d), ("date", "product_id")),
    DayView("top_products", top_products, ("date", "rank")),
    DayView("high_ticket_orders", lambda d, n: high_ticket_orders(d), ("date", "order_id")),
    DayView("stock_history", lambda d, n: stock_history(d), ("date", "hour", "product_id")),
)
SALES_VIEWS: Final = (
    SalesView("sales_by_productline", sales_by_productline, ("productline",)),
    SalesView("sales_by_country", sales_by_country, ("country",)),
    SalesView("sales_by_month", sales_by_month, ("year", "month")),
    SalesView("deal_sizes", deal_sizes, ("dealsize",)),
)
VIEW_NAMES: Final = tuple(v.name for v in DAY_VIEWS) + tuple(v.name for v in SALES_VIEWS)
