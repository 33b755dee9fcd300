"""A one-line progress bar on stderr, drawn only when stderr is a terminal."""

from __future__ import annotations

import multiprocessing
import sys
import time
from typing import Any, TextIO


class Progress:
    """Rows read so far (a counter shared with the split processes) against an estimate."""

    def __init__(self, label: str, estimated_rows: int | None, splits: int, stream: TextIO | None = None) -> None:
        self.label = label
        self.estimated = estimated_rows
        self.splits = splits
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.counter: Any = multiprocessing.get_context("fork").Value("q", 0)
        self.started = time.monotonic()
        self._last_draw = 0.0

    def show(self) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last_draw < 0.2:
            return
        self._last_draw = now
        rows = self.counter.value
        rate = rows / max(now - self.started, 1e-6)
        if self.estimated:
            share = min(rows / self.estimated, 1.0)
            bar = "#" * int(share * 30)
            self.stream.write(f"\r{self.label} [{bar:<30}] {rows:,}/~{self.estimated:,} rows {rate:,.0f} rows/s ")
        else:
            self.stream.write(f"\r{self.label} {rows:,} rows {rate:,.0f} rows/s ")
        self.stream.flush()

    def finish(self, rows: int | None) -> None:
        if not self.enabled:
            return
        if rows is not None:
            self.stream.write(f"\r{self.label}: {rows:,} rows in {time.monotonic() - self.started:.1f} s" + " " * 30 + "\n")
        else:
            self.stream.write("\n")
        self.stream.flush()
