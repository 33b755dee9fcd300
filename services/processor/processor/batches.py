"""Running an agent over batches of events, one source partition at a time.

``take_events`` hands the agent up to ``max_events`` events (or what arrived ``within`` seconds)
and acks them only when the agent asks for the next batch, i.e. after their table writes were
handed to the producer; Faust flushes the producer before it commits offsets, so a committed
offset never covers an event whose writes could still be lost (at least once, see tally.py).
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Callable, Iterable
from itertools import groupby
from typing import Any

# Private to Faust, but it is the one place its tables and stores read the current event from
# (changelog partition, RocksDB database): the agent's task does not iterate the stream itself
# when using take_events, so the event whose partition a batch writes for is set here.
from faust.streams import _current_event

from processor.gaps import Gaps
from processor.tally import Writes

Handler = Callable[[Any, Writes], Awaitable[None]]


def by_partition(events: Iterable[Any]) -> list[tuple[int, list[Any]]]:
    """Events grouped by source partition, each group in offset order."""
    ordered = sorted(events, key=lambda e: (e.message.partition, e.message.offset))
    return [(partition, list(group)) for partition, group in groupby(ordered, key=lambda e: e.message.partition)]


async def process(events: Iterable[Any], handle: Handler, gaps: Gaps | None = None) -> None:
    """Handle each event with the partition's Writes, then write the partition's keys once.

    With ``gaps``, offsets Faust skipped since the partition's last counted one are read back
    and handled first (gaps.py).
    """
    for partition, group in by_partition(events):
        # Set before the gap check: the counts table reads the current event's partition.
        token = _current_event.set(weakref.ref(group[-1]))
        try:
            if gaps is not None:
                group = await gaps.fill(partition, group)
            writes = Writes(partition, group[0].message.offset)
            for event in group:
                await handle(event, writes)
            writes.flush()
        finally:
            _current_event.reset(token)


async def run(stream: Any, handle: Handler, max_events: int, within_s: float, gaps: Gaps | None = None) -> None:
    async for events in stream.take_events(max_events, within=within_s):
        await process(events, handle, gaps)
