"""The purchases agent: revenue per event-time window, totals, product sales and high-ticket alerts."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from processor import batches
from processor.intake import alert_event_id
from processor.seen import FirstSeen
from processor.tally import Writes, key_for
from souk.contract import PURCHASES, Alert, Purchase, decode_purchase, encode, format_money

if TYPE_CHECKING:
    from processor.app import Processor
    from processor.tables import Tables


def cents(amount: Decimal) -> int:
    # Contract money has exactly two places, so this is exact.
    return int(amount.scaleb(2))


def apply_purchase(tables: Tables, steps: FirstSeen, writes: Writes, purchase: Purchase, partition: int, offset: int) -> None:
    """Fold one admitted order into the tables (idempotent per offset, see tally.py)."""
    total = cents(purchase.total)
    t = purchase.event_time_ms
    by_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_product: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for line in purchase.lines:
        amount = cents(line.unit_price) * line.quantity
        in_category = by_category[line.category]
        in_category[0] += amount
        in_category[1] += line.quantity
        of_product = by_product[line.category, line.product_id]
        of_product[0] += line.quantity
        of_product[1] += amount

    writes.bump(tables.city_to_totals, key_for(partition, purchase.city), (total, 1), offset)
    writes.bump(tables.payment_method_to_totals, key_for(partition, purchase.payment_method), (total, 1), offset)
    for name, (amount, units) in by_category.items():
        category_key = key_for(partition, name)
        writes.bump(tables.category_to_totals, category_key, (amount, 1, units), offset)
        writes.bump_windows(tables.category_to_revenue_30s, category_key, t, (amount, 1, units), offset)
    for (category, product_id), (units, amount) in by_product.items():
        writes.bump(tables.product_to_sales, key_for(partition, category, product_id), (units, amount, 1), offset)
    shop = key_for(partition, "shop")
    writes.bump_windows(tables.shop_to_revenue_60s, shop, t, (total, 1), offset)
    writes.bump_windows(tables.shop_to_revenue_5m, shop, t, (total, 1), offset)
    if steps.first(writes, PURCHASES.base, purchase.session_id, "purchase", t, offset):
        writes.bump_windows(tables.purchase_to_sessions, key_for(partition, "purchase"), t, (1,), offset)


def high_ticket_alert(purchase: Purchase, threshold: Decimal, topic: str, partition: int, offset: int) -> Alert | None:
    if purchase.total < threshold:
        return None
    return Alert(
        event_id=alert_event_id(topic, partition, offset, "high_ticket"),
        event_time_ms=purchase.event_time_ms,
        kind="high_ticket",
        message=f"order {purchase.order_id} of {format_money(purchase.total)} MAD in {purchase.city}",
        order_id=purchase.order_id,
        city=purchase.city,
        amount=purchase.total,
        threshold=threshold,
    )


def register(processor: Processor) -> Any:
    """Declare the agent on the purchases topic; it never stops on a bad event (those go to the DLQ)."""
    tables, intake, settings = processor.tables, processor.intake, processor.settings
    threshold = settings.high_ticket_threshold()

    async def handle(event: Any, writes: Writes) -> None:
        purchase = await intake.admit(event, PURCHASES.base, decode_purchase, writes)
        if purchase is None:
            return
        message = event.message
        alert = high_ticket_alert(purchase, threshold, message.topic, message.partition, message.offset)
        if alert is not None:
            await processor.topics.alerts.send(key=alert.key().encode("utf-8"), value=encode(alert))
        apply_purchase(tables, intake.session_steps, writes, purchase, message.partition, message.offset)
        intake.accepted(event, PURCHASES.base, writes)

    @processor.app.agent(processor.topics.purchases, name="purchases", concurrency=1)
    async def process_purchases(stream: Any) -> None:
        await batches.run(stream, handle, settings.batch_events, settings.batch_s, processor.gaps(PURCHASES.base))

    return process_purchases
