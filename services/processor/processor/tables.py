"""The processor's tables, named ``<key>_to_<value>``, all RocksDB-backed with a changelog topic.

Every key starts with the source partition it is written from (see tally.py), so a table's
changelog partition is always the partition of the events that change it, and state moves with
its partition on a rebalance. Windowed tables follow event time: agents write the windows of the
event's ``event_time_ms`` (tally.Writes.windows); a window expires ``lateness`` after it ends, and
until then late events still count.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import faust

from processor.settings import ProcessorSettings

PARTITIONS = 6  # the source topics' partitions (DESIGN.md); changelogs must match them
REVENUE_30S = 30
REVENUE_60S = 60
LAST_5M = 300
LAST_5M_STEP = 60


class Tables:
    """All tables of one app; windowed ones are exposed as Faust window wrappers."""

    def __init__(self, app: faust.App, settings: ProcessorSettings) -> None:
        expires = timedelta(seconds=settings.lateness_s)

        def table(name: str, help: str) -> Any:
            return app.Table(name, default=list, partitions=PARTITIONS, help=help)

        def tumbling(name: str, size: float, keep: timedelta, help: str) -> Any:
            return table(name, help).tumbling(size, expires=keep)

        def hopping(name: str, size: float, step: float, help: str) -> Any:
            return table(name, help).hopping(size, step, expires=expires)

        dedupe = timedelta(seconds=settings.dedupe_window_s)
        funnel = settings.funnel_window_s
        self.batch_to_event_ids = tumbling(
            "batch_to_event_ids", settings.dedupe_window_s, dedupe, "key <p>|<topic>|<first offset of a batch>: {event_id: offset}"
        )
        self.topic_to_counts = table("topic_to_counts", "per source partition: [accepted, duplicates, rejected, wm]")
        self.category_to_revenue_30s = tumbling(
            "category_to_revenue_30s", REVENUE_30S, expires, "per category, 30 s windows: [cents, orders, units, wm]"
        )
        self.shop_to_revenue_60s = tumbling(
            "shop_to_revenue_60s", REVENUE_60S, expires, "all categories, 60 s windows: [cents, orders, wm]"
        )
        self.shop_to_revenue_5m = hopping(
            "shop_to_revenue_5m", LAST_5M, LAST_5M_STEP, "all categories, 5 min windows every minute: [cents, orders, wm]"
        )
        self.category_to_totals = table("category_to_totals", "since start: [cents, orders, units, wm]")
        self.city_to_totals = table("city_to_totals", "since start: [cents, orders, wm]")
        self.payment_method_to_totals = table("payment_method_to_totals", "since start: [cents, orders, wm]")
        self.product_to_sales = table("product_to_sales", "key <p>|<category>|<product>: [units, cents, orders, wm]")
        self.product_to_views = table("product_to_views", "key <p>|<category>|<product>: [product page views, wm]")
        self.product_to_stock = table("product_to_stock", "key <p>|<category>|<product>: [stock_level, event_time_ms, wm]")
        self.batch_to_session_steps = tumbling(
            "batch_to_session_steps", funnel, expires, "key <p>|<topic>|<first offset of a batch>: {'<session>|<step>': offset}"
        )
        self.page_to_sessions = tumbling("page_to_sessions", funnel, expires, "funnel window: [sessions reaching the page, wm]")
        self.purchase_to_sessions = tumbling("purchase_to_sessions", funnel, expires, "funnel window: [sessions that bought, wm]")

    @property
    def reference(self) -> Any:
        """A table every worker with source partitions holds: its changelog tells who owns what."""
        return self.topic_to_counts
