"""Retries with back-off for the daily steps (the role Airflow's `retries` plays in the seed DAG)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from batch.errors import DataIncomplete
from souk.logs import get_logger

T = TypeVar("T")
log = get_logger()

# Failures no retry can mend: missing data waits for the archiver (see --wait), a bad setting for a human.
PERMANENT: tuple[type[BaseException], ...] = (DataIncomplete, ValueError, KeyError, TypeError)


def with_retries(step: str, fn: Callable[[], T], attempts: int, delay_s: float, sleep: Callable[[float], None] = time.sleep) -> T:
    """`fn()`, retried up to `attempts` times with doubling delays; the last failure is raised."""
    delay = delay_s
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except PERMANENT:
            raise
        except Exception as exc:
            if attempt == attempts:
                raise
            log.warning("batch.step.retry", step=step, attempt=attempt, error=f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}")
            sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")
