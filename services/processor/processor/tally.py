"""Idempotent table updates: every value remembers the source offset it was last changed by.

Faust processes at least once: after a crash (kill -9) or a rebalance, the events since the last
committed offset are processed again, and some of their table writes may already have reached the
changelog while others have not. Every table key here is written from exactly one source partition
(the key starts with that partition's number, and it is written while an event of that partition
is Faust's current event, so its changelog partition is the source partition), and every value
ends with the offset of the last event that changed it. Applying an event whose offset is not
above that watermark changes nothing, so replaying a stretch of a partition gives the same state
as processing it once, key by key, whichever writes survived the crash.

A value is a list of ints (sums) followed by the watermark: ``[cents, orders, offset]``.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

Tally = list[int]


def bump(old: Any, amounts: tuple[int, ...] | list[int], offset: int) -> Tally:
    """``old`` plus ``amounts`` as of ``offset``; ``old`` unchanged if it already includes that offset."""
    if not old:
        return [*amounts, offset]
    if old[-1] >= offset:
        return list(old)
    return [a + b for a, b in zip(old, amounts, strict=False)] + [offset]


def partition_of(key: str) -> int:
    """The source partition a table key was written from (keys read ``"<partition>|…"``)."""
    return int(key.partition("|")[0])


def key_for(partition: int, *parts: str) -> str:
    return "|".join((str(partition), *parts))


class Writes:
    """The table updates of a run of events from one source partition, written once per key.

    Faust sends one changelog message per table assignment; a batch of events touches the same
    keys (a category, a window) again and again, so updates go to this cache first and each key
    is assigned once in ``flush``. Reads see the cache, so events of one batch build on each other.
    """

    def __init__(self, partition: int, first_offset: int = 0) -> None:
        self.partition = partition
        self.first_offset = first_offset  # of the run: names the run's own keys (seen.py)
        self._values: dict[tuple[Any, Hashable], Any] = {}

    def get(self, table: Any, key: Hashable) -> Any:
        cached = self._values.get((table, key), self)
        return table[key] if cached is self else cached

    def set(self, table: Any, key: Hashable, value: Any) -> None:
        self._values[table, key] = value

    def bump(self, table: Any, key: str, amounts: tuple[int, ...], offset: int) -> None:
        self.set(table, key, bump(self.get(table, key), amounts, offset))

    def add_mark(self, table: Any, key: Hashable, mark: str, offset: int) -> None:
        """Add ``mark: offset`` to the dict value of ``key``, read from the table once per run."""
        value = self._values.get((table, key))
        if value is None:
            value = self._values[table, key] = dict(table[key] or {})
        value[mark] = offset

    def windows(self, wrapper: Any, key: str, event_time_ms: int) -> list[tuple[Any, tuple[str, Any]]]:
        """(table, table key) of every window of ``wrapper`` the event time falls in."""
        table = wrapper.table
        return [(table, (key, window)) for window in table.window.ranges(event_time_ms / 1000.0)]

    def bump_windows(self, wrapper: Any, key: str, event_time_ms: int, amounts: tuple[int, ...], offset: int) -> None:
        for table, windowed_key in self.windows(wrapper, key, event_time_ms):
            self.bump(table, windowed_key, amounts, offset)  # type: ignore[arg-type]

    def flush(self) -> None:
        """Assign every updated key once; the caller has made an event of this partition current."""
        for (table, key), value in self._values.items():
            table[key] = value
        self._values.clear()
