"""When people shop: the hour-of-day profile of new sessions, with its evening peak.

The weights are per UTC hour (Morocco is UTC+1 most of the year): quiet at night, a lunch bump
and the peak at 20:00-21:00 UTC, after work and dinner. Their mean is 1, so a rate times the
weight of an hour is that hour's rate and the day's mean stays the rate.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

_RAW: Final = (
    0.45, 0.25, 0.14, 0.09, 0.08, 0.12, 0.22, 0.42, 0.65, 0.85, 0.98, 1.08,
    1.18, 1.22, 1.10, 1.04, 1.08, 1.22, 1.48, 1.80, 2.10, 2.05, 1.55, 0.95,
)  # fmt: skip
HOUR_WEIGHTS: Final[tuple[float, ...]] = tuple(w * len(_RAW) / sum(_RAW) for w in _RAW)
PEAK_HOUR_UTC: Final = max(range(24), key=HOUR_WEIGHTS.__getitem__)
HOUR_MS: Final = 3_600_000
DAY_MS: Final = 24 * HOUR_MS


def weight_at(time_ms: int) -> float:
    """The profile's weight at an epoch-ms instant."""
    return HOUR_WEIGHTS[(time_ms % DAY_MS) // HOUR_MS]


def parse_start(text: str, now_ms: int) -> int:
    """Epoch ms of a --start value: an ISO-8601 instant (UTC unless it says), 'today' or 'now'."""
    if text == "now":
        return now_ms
    if text == "today":
        return now_ms - now_ms % DAY_MS
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"start must be an ISO-8601 time, 'today' or 'now', got {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)
