"""Back-off around a Destination: transient failures are retried, then given up on loudly."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from archiver.destinations import Destination, DestinationUnavailable, Entry
from archiver.exceptions import GaveUp
from souk.logs import get_logger

T = TypeVar("T")
log = get_logger()


class Backoff:
    """Exponential back-off from `first_s` to `max_s`, giving up after `budget_s` of trying."""

    def __init__(
        self,
        budget_s: float,
        first_s: float = 0.5,
        max_s: float = 15.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.budget_s, self.first_s, self.max_s = budget_s, first_s, max_s
        self.sleep, self.clock = sleep, clock

    def run(self, system: str, what: str, fn: Callable[[], T], retry_on: tuple[type[BaseException], ...], **coordinates: Any) -> T:
        """`fn()`, retried on `retry_on`; GaveUp once the budget is spent."""
        started = self.clock()
        delay = self.first_s
        attempt = 1
        while True:
            try:
                result = fn()
            except retry_on as error:
                spent = self.clock() - started
                if spent >= self.budget_s:
                    log.error(
                        f"archiver.{system}.gave_up", op=what, attempts=attempt, spent_s=round(spent, 1), error=str(error), **coordinates
                    )
                    raise GaveUp(f"{system} unavailable for {spent:.0f} s ({what}): {error}") from error
                log.warning(f"archiver.{system}.retry", op=what, attempt=attempt, delay_s=delay, error=str(error), **coordinates)
                self.sleep(delay)
                delay = min(delay * 2, self.max_s)
                attempt += 1
                continue
            if attempt > 1:
                log.info(f"archiver.{system}.recovered", op=what, attempts=attempt, **coordinates)
            return result


class RetryingDestination:
    """A Destination whose every call survives an outage of up to the back-off's budget."""

    def __init__(self, inner: Destination, backoff: Backoff) -> None:
        self.inner = inner
        self.backoff = backoff

    def _run(self, what: str, path: str, fn: Callable[[], T]) -> T:
        return self.backoff.run("hdfs", what, fn, (DestinationUnavailable,), path=path)

    def write(self, path: str, data: bytes) -> None:
        self._run("write", path, lambda: self.inner.write(path, data))

    def read(self, path: str) -> bytes:
        return self._run("read", path, lambda: self.inner.read(path))

    def rename(self, src: str, dst: str) -> None:
        failed_before = False

        def rename() -> None:
            nonlocal failed_before
            try:
                self.inner.rename(src, dst)
            except DestinationUnavailable:
                failed_before = True
                raise
            except (FileNotFoundError, FileExistsError):
                # The attempt that "failed" may have been done by the server before the answer was
                # lost: then src is gone and dst is there, which is the success we wanted.
                if failed_before and self.inner.exists(dst) and not self.inner.exists(src):
                    return
                raise

        self._run("rename", src, rename)

    def listdir(self, path: str) -> list[Entry]:
        return self._run("list", path, lambda: self.inner.listdir(path))

    def exists(self, path: str) -> bool:
        return self._run("status", path, lambda: self.inner.exists(path))

    def delete(self, path: str, recursive: bool = False) -> bool:
        return self._run("delete", path, lambda: self.inner.delete(path, recursive))

    def makedirs(self, path: str) -> None:
        self._run("makedirs", path, lambda: self.inner.makedirs(path))
