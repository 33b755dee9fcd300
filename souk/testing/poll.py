"""Wait for a condition instead of sleeping a guessed time."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def poll_until(fn: Callable[[], T], what: str, timeout: float = 30.0, interval: float = 0.2) -> T:
    """Call `fn` until it returns a truthy value and return that value.

    Raises AssertionError naming `what` and the last value (or exception) seen when `timeout`
    seconds pass, so a failing test says what it was waiting for.
    """
    deadline = time.monotonic() + timeout
    last: object = None
    while True:
        try:
            value = fn()
        except Exception as exc:  # the condition may raise until the system catches up
            last = exc
        else:
            if value:
                return value
            last = value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}; last: {last!r}")
        time.sleep(interval)
