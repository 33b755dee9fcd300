"""A KPI snapshot on the ``kpis`` topic every PROCESSOR_KPI_SECONDS, from the leader worker only."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from processor import queries
from processor.cluster import NotReady
from processor.queries import Partial
from souk.contract import CURRENCY, Kpi, encode, from_cents, new_event_id
from souk.logs import get_logger

if TYPE_CHECKING:
    from processor.app import Processor

log = get_logger(component="kpis")


def snapshot(totals: Partial, minutes: Partial, now_ms: int) -> list[Kpi]:
    """The KPIs of one snapshot: totals since start and the latest 60 s event-time window."""
    rendered = queries.render_totals(totals)
    events = rendered["events"]
    money = (("currency", CURRENCY),)
    kpis = [
        Kpi(event_id=new_event_id(), event_time_ms=now_ms, name="orders_total", value=Decimal(rendered["orders"])),
        Kpi(event_id=new_event_id(), event_time_ms=now_ms, name="revenue_total", value=Decimal(rendered["revenue"]), labels=money),
        Kpi(
            event_id=new_event_id(),
            event_time_ms=now_ms,
            name="events_rejected",
            value=Decimal(sum(e["rejected"] for e in events.values())),
        ),
        Kpi(
            event_id=new_event_id(),
            event_time_ms=now_ms,
            name="events_duplicate",
            value=Decimal(sum(e["duplicates"] for e in events.values())),
        ),
    ]
    for category, entry in rendered["by_category"].items():
        labels = (("category", category), *money)
        kpis.append(
            Kpi(event_id=new_event_id(), event_time_ms=now_ms, name="revenue_by_category", value=Decimal(entry["revenue"]), labels=labels)
        )
    if minutes:
        start = max(int(key) for key in minutes)
        cents, orders = minutes[str(start)]
        end = start + queries.REVENUE_60S * 1000
        kpis.append(
            Kpi(
                event_id=new_event_id(),
                event_time_ms=now_ms,
                name="revenue_60s",
                value=from_cents(cents),
                window_start_ms=start,
                window_end_ms=end,
                labels=money,
            )
        )
        kpis.append(
            Kpi(
                event_id=new_event_id(),
                event_time_ms=now_ms,
                name="orders_60s",
                value=Decimal(orders),
                window_start_ms=start,
                window_end_ms=end,
            )
        )
    return kpis


def register(processor: Processor) -> Any:
    @processor.app.timer(processor.settings.kpi_interval_s, on_leader=True, name="kpi_snapshot")
    async def publish_kpis() -> None:
        try:
            totals = await processor.cluster.gather("totals", {})
            minutes = await processor.cluster.gather("revenue", {"window": "60s"})
        except NotReady as error:
            log.debug("processor.kpis.skipped", reason=str(error))
            return
        for kpi in snapshot(totals, minutes, int(time.time() * 1000)):
            await processor.topics.kpis.send(key=kpi.key().encode("utf-8"), value=encode(kpi))

    return publish_kpis
