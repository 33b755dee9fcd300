"""The clicks agent: the funnel per window (sessions reaching each page) and product views."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from processor import batches
from processor.seen import FirstSeen
from processor.tally import Writes, key_for
from souk.contract import CLICKS, Click, decode_click

if TYPE_CHECKING:
    from processor.app import Processor
    from processor.tables import Tables


def apply_click(tables: Tables, steps: FirstSeen, writes: Writes, click: Click, partition: int, offset: int) -> None:
    """Fold one admitted click into the tables (idempotent per offset, see tally.py)."""
    t = click.event_time_ms
    if steps.first(writes, CLICKS.base, click.session_id, click.page, t, offset):
        writes.bump_windows(tables.page_to_sessions, key_for(partition, click.page), t, (1,), offset)
    if click.page == "product" and click.action == "view" and click.product_id and click.category:
        writes.bump(tables.product_to_views, key_for(partition, click.category, click.product_id), (1,), offset)


def register(processor: Processor) -> Any:
    """Declare the agent on the clicks topic; it never stops on a bad event (those go to the DLQ)."""
    tables, intake, settings = processor.tables, processor.intake, processor.settings

    async def handle(event: Any, writes: Writes) -> None:
        click = await intake.admit(event, CLICKS.base, decode_click, writes)
        if click is not None:
            apply_click(tables, intake.session_steps, writes, click, event.message.partition, event.message.offset)
            intake.accepted(event, CLICKS.base, writes)

    @processor.app.agent(processor.topics.clicks, name="clicks", concurrency=1)
    async def process_clicks(stream: Any) -> None:
        await batches.run(stream, handle, settings.batch_events, settings.batch_s, processor.gaps(CLICKS.base))

    return process_clicks
