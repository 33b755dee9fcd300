"""Flume agents' HTTP JSON monitoring (``-Dflume.monitoring.type=http``): GET /metrics.

The body maps ``"<TYPE>.<name>"`` (SOURCE.r1, CHANNEL.c1, SINK.k1) to counters, all strings:
sources count EventReceivedCount/EventAcceptedCount, channels EventPutSuccessCount,
EventTakeSuccessCount, ChannelSize, ChannelCapacity and ChannelFillPercentage, sinks
EventDrainSuccessCount.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dashboard.sources.base import Cache, Unavailable, get_json, guarded


@dataclass(frozen=True)
class FlumeComponent:
    kind: str
    name: str
    events_in: int | None
    events_out: int | None
    fill_percent: float | None
    size: int | None
    capacity: int | None


def _num(counters: dict[str, Any], *keys: str) -> int | None:
    for key in keys:
        if key in counters:
            try:
                return int(float(counters[key]))
            except (TypeError, ValueError):
                return None
    return None


def parse_metrics(payload: Any) -> list[FlumeComponent]:
    if not isinstance(payload, dict):
        raise ValueError("flume metrics: expected a JSON object")
    out = []
    for full_name, counters in sorted(payload.items()):
        if not isinstance(counters, dict):
            continue
        kind, _, name = full_name.partition(".")
        kind = kind.upper()
        fill = counters.get("ChannelFillPercentage")
        try:
            fill_percent = float(fill) if fill is not None else None
        except ValueError:
            fill_percent = None
        if kind == "SOURCE":
            events_in, events_out = _num(counters, "EventReceivedCount"), _num(counters, "EventAcceptedCount")
        elif kind == "CHANNEL":
            events_in, events_out = _num(counters, "EventPutSuccessCount"), _num(counters, "EventTakeSuccessCount")
        else:
            events_in, events_out = _num(counters, "EventDrainAttemptCount"), _num(counters, "EventDrainSuccessCount")
        out.append(
            FlumeComponent(
                kind=kind,
                name=name or full_name,
                events_in=events_in,
                events_out=events_out,
                fill_percent=fill_percent,
                size=_num(counters, "ChannelSize"),
                capacity=_num(counters, "ChannelCapacity"),
            )
        )
    return out


class FlumeSource:
    def __init__(self, agents: dict[str, str], timeout: float, cache: Cache) -> None:
        self.agents = agents
        self.timeout = timeout
        self.cache = cache

    def agent(self, name: str) -> list[FlumeComponent] | Unavailable:
        url = self.agents[name]

        def load() -> list[FlumeComponent] | Unavailable:
            return guarded(name, lambda: parse_metrics(get_json(url, self.timeout)))

        return self.cache.get(("flume", name), 2.0, load)
