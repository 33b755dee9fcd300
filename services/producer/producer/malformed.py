"""Malformed messages for ``--inject-bad``: each breaks the contract in one named way.

A bad message is made from a valid event just sent (same topic and key, so it lands on the same
partition) with a fresh event_id, then broken. Every kind is rejected by ``souk.contract.decode``
for its topic; consumers must send it to the DLQ and keep going. The injector draws from its own
random generator, so the valid events of a seed are the same with or without injection.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from producer.ids import seeded_uuid
from souk.contract import Click, InventoryMove, Purchase, encode_key, to_dict

_SALT: Final = 0x5EED_BAD


@dataclass(frozen=True, slots=True)
class Malformed:
    """One bad message: the base topic it goes to, its key and raw value, and what is wrong with it."""

    topic_base: str
    key: bytes
    value: bytes
    kind: str


def _bad_json(d: dict[str, Any]) -> bytes:
    text = json.dumps(d, ensure_ascii=False)
    return text[: len(text) // 2].encode("utf-8")


def _missing_field(d: dict[str, Any]) -> bytes:
    for name in ("session_id", "order_id", "product_id"):
        if name in d:
            del d[name]
            break
    return _dump(d)


def _negative_quantity(d: dict[str, Any]) -> bytes:
    d["lines"][0]["quantity"] = -abs(d["lines"][0]["quantity"])
    return _dump(d)


def _total_mismatch(d: dict[str, Any]) -> bytes:
    whole, cents = d["total"].split(".")
    d["total"] = f"{int(whole) + 1}.{cents}"
    return _dump(d)


def _unknown_category(d: dict[str, Any]) -> bytes:
    if "lines" in d:
        d["lines"][0]["category"] = "Toys"
    else:
        d["category"] = "Toys"
    return _dump(d)


def _float_money(d: dict[str, Any]) -> bytes:
    d["total"] = float(d["total"])
    return _dump(d)


def _unknown_city(d: dict[str, Any]) -> bytes:
    d["city"] = "Paris"
    return _dump(d)


def _negative_stock(d: dict[str, Any]) -> bytes:
    d["stock_level"] = -1 - abs(d["stock_level"])
    return _dump(d)


def _string_time(d: dict[str, Any]) -> bytes:
    d["event_time_ms"] = str(d["event_time_ms"])
    return _dump(d)


def _dump(d: dict[str, Any]) -> bytes:
    return json.dumps(d, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


Breaker = Callable[[dict[str, Any]], bytes]
BREAKERS: Final[dict[str, Breaker]] = {
    "bad_json": _bad_json,
    "missing_field": _missing_field,
    "negative_quantity": _negative_quantity,
    "total_mismatch": _total_mismatch,
    "unknown_category": _unknown_category,
    "float_money": _float_money,
    "unknown_city": _unknown_city,
    "negative_stock": _negative_stock,
    "string_time": _string_time,
}
KINDS_FOR: Final[dict[str, tuple[str, ...]]] = {
    "clicks": ("bad_json", "missing_field", "unknown_category", "unknown_city", "string_time"),
    "purchases": (
        "bad_json",
        "missing_field",
        "negative_quantity",
        "total_mismatch",
        "unknown_category",
        "float_money",
        "unknown_city",
        "string_time",
    ),
    "inventory": ("bad_json", "missing_field", "unknown_category", "negative_stock", "string_time"),
}
KINDS: Final = tuple(BREAKERS)


def break_event(event: Click | Purchase | InventoryMove, kind: str, event_id: str) -> Malformed:
    """``event`` with ``event_id``, broken the way ``kind`` says (a kind its topic allows)."""
    base = event.topic.base
    if kind not in KINDS_FOR[base]:
        raise ValueError(f"kind {kind!r} does not apply to {base}")
    d = to_dict(event)
    d["event_id"] = event_id
    return Malformed(base, encode_key(event), BREAKERS[kind](d), kind)


class Injector:
    """Adds ``fraction`` malformed messages per valid event, spread evenly, deterministically per seed."""

    def __init__(self, fraction: float, seed: int) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError(f"fraction must be in [0, 1], got {fraction}")
        self.fraction = fraction
        self._valid = 0
        self._sent = 0
        self._rng = random.Random(seed ^ _SALT)  # noqa: S311 - a simulation, not security

    def after(self, event: Click | Purchase | InventoryMove) -> Malformed | None:
        """The malformed message to send after ``event``, if one is due."""
        if not self.fraction:
            return None
        self._valid += 1
        # Integer bookkeeping: after n valid events exactly floor(n * fraction) bad ones were due.
        if int(self._valid * self.fraction + 1e-9) <= self._sent:
            return None
        self._sent += 1
        kinds = KINDS_FOR[event.topic.base]
        kind = kinds[int(self._rng.random() * len(kinds))]
        return break_event(event, kind, seeded_uuid(self._rng))
