"""The shop's application log: one JSON line per business action and per error, for Flume TAILDIR.

This is the log a web shop's backend would write (sessions started, carts, orders, restocks), not
the producer's own diagnostics, which go through structlog to stderr. Each line is a JSON object
with ``ts`` (wall clock, ISO UTC), ``level``, ``service`` ("producer"), ``action`` and the action's
fields; business lines also carry ``event_time_ms`` and ``event_id`` of the event they describe.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import IO, Any, Final

from souk.contract import Click, InventoryMove, Purchase, format_money

SERVICE: Final = "producer"


def _now_iso() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z"


def business_line(event: Click | Purchase | InventoryMove) -> dict[str, Any] | None:
    """The log record of the business action ``event`` stands for, or None for plain page views."""
    if type(event) is Click:
        if event.page == "home":
            action = "session_start"
        elif event.action != "view":
            action = event.action
        elif event.page == "checkout":
            action = "checkout_start"
        else:
            return None
        record: dict[str, Any] = {"action": action, "session_id": event.session_id, "user_id": event.user_id, "city": event.city}
        if event.product_id is not None:
            record["product_id"] = event.product_id
            record["category"] = event.category
    elif type(event) is Purchase:
        record = {
            "action": "purchase",
            "order_id": event.order_id,
            "session_id": event.session_id,
            "user_id": event.user_id,
            "city": event.city,
            "payment_method": event.payment_method,
            "items": sum(line.quantity for line in event.lines),
            "total": format_money(event.total),
            "currency": "MAD",
        }
    elif type(event) is InventoryMove:
        record = {
            "action": "restock" if event.reason == "restock" else f"stock_{event.reason}",
            "product_id": event.product_id,
            "category": event.category,
            "delta": event.delta,
            "stock_level": event.stock_level,
        }
    else:
        return None
    record["event_id"] = event.event_id
    record["event_time_ms"] = event.event_time_ms
    return record


class AppLog:
    """Appends JSON lines to ``path`` (created with its directory); ``None`` writes nothing."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._file: IO[str] | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("a", encoding="utf-8")
        self.lines = 0

    def event(self, event: Click | Purchase | InventoryMove) -> None:
        """Log the business action of a sent event, if it is one."""
        if self._file is None:
            return
        record = business_line(event)
        if record is not None:
            self._write("INFO", record)

    def error(self, action: str, **fields: Any) -> None:
        """Log an error the shop would see (a failed send, a lost broker)."""
        if self._file is not None:
            self._write("ERROR", {"action": action, **fields})

    def _write(self, level: str, record: dict[str, Any]) -> None:
        assert self._file is not None
        line = {"ts": _now_iso(), "level": level, "service": SERVICE, **record}
        self._file.write(json.dumps(line, ensure_ascii=False, separators=(",", ":"), default=str) + "\n")
        self.lines += 1

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
