"""The inventory agent: live stock per product and low-stock alerts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from processor import batches
from processor.intake import alert_event_id
from processor.tally import Writes, key_for
from souk.contract import INVENTORY, Alert, InventoryMove, decode_inventory, encode

if TYPE_CHECKING:
    from processor.app import Processor
    from processor.tables import Tables


class StockChange(NamedTuple):
    applied: bool  # false when replaying a move the table already holds
    before: int | None  # the level before the move, None for a product not seen yet


def apply_move(tables: Tables, writes: Writes, move: InventoryMove, partition: int, offset: int) -> StockChange:
    """Record the stock level after ``move``: the producer's ``stock_level`` of the latest move.

    A replayed older move never overwrites a newer level (the value's last item is its offset).
    """
    key = key_for(partition, move.category, move.product_id)
    old = writes.get(tables.product_to_stock, key)
    if old and old[-1] >= offset:
        writes.set(tables.product_to_stock, key, old)
        return StockChange(False, old[0])
    writes.set(tables.product_to_stock, key, [move.stock_level, move.event_time_ms, offset])
    return StockChange(True, old[0] if old else None)


def low_stock_alert(move: InventoryMove, before: int | None, threshold: int, topic: str, partition: int, offset: int) -> Alert | None:
    """An alert when the level falls below ``threshold`` (not again while it stays below)."""
    if move.stock_level >= threshold or (before is not None and before < threshold):
        return None
    return Alert(
        event_id=alert_event_id(topic, partition, offset, "low_stock"),
        event_time_ms=move.event_time_ms,
        kind="low_stock",
        message=f"{move.product_id} ({move.category}) down to {move.stock_level} units, threshold {threshold}",
        product_id=move.product_id,
        stock_level=move.stock_level,
        threshold=threshold,
    )


def register(processor: Processor) -> Any:
    """Declare the agent on the inventory topic; it never stops on a bad event (those go to the DLQ)."""
    tables, intake, settings = processor.tables, processor.intake, processor.settings
    default = settings.low_stock_threshold
    overrides = settings.low_stock_thresholds()

    async def handle(event: Any, writes: Writes) -> None:
        move = await intake.admit(event, INVENTORY.base, decode_inventory, writes)
        if move is None:
            return
        message = event.message
        change = apply_move(tables, writes, move, message.partition, message.offset)
        if change.applied:
            threshold = overrides.get(move.product_id, default)
            alert = low_stock_alert(move, change.before, threshold, message.topic, message.partition, message.offset)
            if alert is not None:
                await processor.topics.alerts.send(key=alert.key().encode("utf-8"), value=encode(alert))
        intake.accepted(event, INVENTORY.base, writes)

    @processor.app.agent(processor.topics.inventory, name="inventory", concurrency=1)
    async def process_inventory(stream: Any) -> None:
        await batches.run(stream, handle, settings.batch_events, settings.batch_s, processor.gaps(INVENTORY.base))

    return process_inventory
