""" "First time seen" decisions without one changelog message per event.

Two decisions need a memory of individual events: is this ``event_id`` a duplicate, and is this
the first time this session reached this funnel step in this window. A table keyed by event_id
(or by session) costs a changelog message and a RocksDB write for nearly every event, which was
most of the processor's time. Instead, each batch records the marks it saw first, per source
partition and event-time window, under one key ``"<partition>|<topic>|<first offset of the
batch>"`` of a windowed table (one changelog message per batch and window), and the lookups go to
an index in memory built from that table. The index is dropped at every rebalance and rebuilt
from the table Faust has recovered, so a worker that takes over a partition knows what its
previous owner saw. Replaying a batch after a crash records the same marks at the same offsets
again, which the index reads as the first sighting, not a repeat (see tally.py).

Memory: the index holds every mark of the last ``keep_s`` of event time on the worker's source
partitions, about 150 bytes each.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from processor.tally import Writes, key_for

Window = dict[str, int]  # "<member>|<mark>" -> offset where it was first seen
Index = dict[tuple[str, int], dict[float, Window]]


class FirstSeen:
    """Which (member, mark) pairs each (topic, source partition) has seen, per event-time window."""

    def __init__(self, wrapper: Any, keep_s: float) -> None:
        self.wrapper = wrapper
        self.keep_s = keep_s
        self._index: Index | None = None

    def forget(self) -> None:
        """Drop the index (partitions moved); the next lookup rebuilds it from the table."""
        self._index = None

    def _windows(self, base: str, partition: int) -> dict[float, Window]:
        if self._index is None:
            self._index = self._load()
        return self._index[base, partition]

    def _load(self) -> Index:
        index: Index = defaultdict(lambda: defaultdict(dict))
        for (key, (start, _end)), marks in self.wrapper.table.data.items():
            partition, base, _first = key.split("|")
            if marks:
                index[base, int(partition)][float(start)].update(marks)
        return index

    def first(self, writes: Writes, base: str, member: str, mark: str, event_time_ms: int, offset: int) -> bool:
        """True when ``member`` reaches ``mark`` for the first time in its window (or on a replay of that very event)."""
        windows = self._windows(base, writes.partition)
        batch_key = key_for(writes.partition, base, str(writes.first_offset))
        seen_key = f"{member}|{mark}"
        first = True
        for table, windowed_key in writes.windows(self.wrapper, batch_key, event_time_ms):
            start = windowed_key[1][0]
            window = windows.get(start)
            if window is None:
                window = windows[start] = {}
                self._prune(windows, start)
            first_at = window.get(seen_key)
            if first_at is not None and first_at != offset:
                first = False
                continue
            window[seen_key] = offset
            writes.add_mark(table, windowed_key, seen_key, offset)
        return first

    def _prune(self, windows: dict[float, Window], newest: float) -> None:
        # Faust expires the table's windows the same way; a late event may bring an old one back.
        for start in [s for s in windows if s < newest - self.keep_s]:
            del windows[start]
