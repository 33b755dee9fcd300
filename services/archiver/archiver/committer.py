"""Where prepared rolls run: inline (unit tests, step by step) or on one FIFO background thread.

Both run jobs strictly in submission order, which is what the exactly-once argument needs: roll k
of a partition is fully applied before roll k+1 commits, and an hour's `_SUCCESS` is written after
the rolls holding its rows. The background thread lets the consumer read roll k+1 while roll k is
encoded and uploaded; the first job that fails stops it (later jobs never run, as after a kill -9)
and the failure is raised in the consumer's thread at its next `submit`, `check` or `wait`.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Protocol

Job = Callable[[], None]


class Committer(Protocol):
    def submit(self, job: Job, records: int) -> None:
        """Run `job` after every job submitted before it; `records` it holds count against memory."""

    def check(self) -> None:
        """Raise the failure of a job, if one failed."""

    def wait(self) -> None:
        """Return once every submitted job ran; raise the failure of a job, if one failed."""

    def close(self) -> None: ...


class InlineCommitter:
    """Runs each job at once, in the caller's thread."""

    def submit(self, job: Job, records: int) -> None:
        job()

    def check(self) -> None:
        pass

    def wait(self) -> None:
        pass

    def close(self) -> None:
        pass


class BackgroundCommitter:
    """Runs jobs on one thread, in order; `submit` blocks while `max_records` are already in flight."""

    def __init__(self, max_records: int, name: str = "archiver-rolls") -> None:
        self.max_records = max_records
        self.cond = threading.Condition()
        self.jobs: deque[tuple[Job, int]] = deque()
        self.in_flight = 0
        self.failure: BaseException | None = None
        self.closed = False
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def submit(self, job: Job, records: int) -> None:
        with self.cond:
            self._raise_failure()
            # One job bigger than the bound still runs, alone: the bound is back-pressure, not a limit on a roll.
            while self.in_flight and self.in_flight + records > self.max_records and self.failure is None:
                self.cond.wait()
            self._raise_failure()
            if self.closed:
                raise RuntimeError("committer closed")
            self.jobs.append((job, records))
            self.in_flight += records
            self.cond.notify_all()

    def check(self) -> None:
        with self.cond:
            self._raise_failure()

    def wait(self) -> None:
        with self.cond:
            while self.jobs and self.failure is None:
                self.cond.wait()
            self._raise_failure()

    def close(self) -> None:
        with self.cond:
            self.closed = True
            self.cond.notify_all()
        self.thread.join(timeout=60)

    def _raise_failure(self) -> None:
        if self.failure is not None:
            raise self.failure

    def _run(self) -> None:
        while True:
            with self.cond:
                while not self.jobs and not self.closed:
                    self.cond.wait()
                if not self.jobs:
                    return
                job, records = self.jobs[0]
            try:
                job()
            except BaseException as error:  # handed to the consumer's thread, which raises it
                with self.cond:
                    self.failure = error
                    self.jobs.clear()
                    self.in_flight = 0
                    self.cond.notify_all()
                return
            with self.cond:
                self.jobs.popleft()
                self.in_flight -= records
                self.cond.notify_all()
