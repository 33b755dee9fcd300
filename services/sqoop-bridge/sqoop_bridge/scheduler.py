"""`run-jobs --every 5m`: run the saved jobs in rounds, forever; what the sqoop-bridge container runs.

On first start it saves the default job if absent: an incremental append import of `sales`
(check column ORDERNUMBER) into SQOOP_WAREHOUSE_DIR/sales (/user/sqoop/sales). A failed job is logged and retried next
round (its last value is unchanged, so nothing is skipped). A heartbeat file in SOUK_HOME/run
tells the supervisor the loop is alive; SIGTERM ends it after the running job.
"""

from __future__ import annotations

import contextlib
import posixpath
import re
import signal
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from souk.logs import get_logger
from sqoop_bridge.errors import SqoopError, UsageError

log = get_logger()

DEFAULT_JOB_ARGS = [
    "--table",
    "sales",
    "--incremental",
    "append",
    "--check-column",
    "ORDERNUMBER",
    "--split-by",
    "ORDERNUMBER",
    "-m",
    "2",
]
HEARTBEAT_EVERY_S = 5.0


def parse_every(text: str) -> float:
    """'30s', '5m', '1h' or a number of seconds → seconds (> 0)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", text)
    if m is None or float(m.group(1)) <= 0:
        raise UsageError(f"--every {text!r}: expected a positive interval such as 30s, 5m or 1h")
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[m.group(2)]


class Scheduler:
    """Rounds of saved jobs every `every_s` seconds, with a heartbeat for `souk status`."""

    def __init__(self, ctx: Any, every_s: float, only: Sequence[str] | None, run_job: Callable[[Any, str], int]) -> None:
        self.ctx = ctx
        self.every_s = every_s
        self.only = list(only) if only else None
        self.run_job = run_job
        self.stop = threading.Event()
        self.detail = "starting"
        self.heartbeat = ctx.stack.path("run", "sqoop-bridge.heartbeat")

    def _write_beat(self) -> None:
        self.heartbeat.parent.mkdir(parents=True, exist_ok=True)
        self.heartbeat.write_text(self.detail + "\n", encoding="utf-8")

    def _beat(self) -> None:
        while not self.stop.is_set():
            self._write_beat()
            self.stop.wait(HEARTBEAT_EVERY_S)

    def ensure_default_job(self) -> None:
        name = self.ctx.bridge.default_job
        try:
            if not self.ctx.jobs.exists(name):
                args = [*DEFAULT_JOB_ARGS, "--target-dir", posixpath.join(self.ctx.bridge.warehouse_dir, "sales")]
                self.ctx.jobs.create(name, "import", args)
                log.info("sqoop.job.created", job=name, args=" ".join(args))
        except SqoopError as exc:
            log.warning("sqoop.job.default_not_created", job=name, error=str(exc))

    def run_round(self) -> tuple[int, int]:
        names = self.only if self.only is not None else self.ctx.jobs.names()
        ok = failed = 0
        for name in names:
            if self.stop.is_set():
                break
            started = time.monotonic()
            try:
                self.run_job(self.ctx, name)
                ok += 1
                log.info("sqoop.job.succeeded", job=name, seconds=round(time.monotonic() - started, 3))
            except SqoopError as exc:
                failed += 1
                log.error("sqoop.job.failed", job=name, error=str(exc))
            except Exception as exc:  # one broken job must not stop the others
                failed += 1
                log.error("sqoop.job.failed", job=name, error=f"{type(exc).__name__}: {exc}")
        return ok, failed

    def run(self, once: bool = False, create_default: bool = True) -> int:
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(ValueError):  # not the main thread (tests)
                signal.signal(sig, lambda *_: self.stop.set())
        beat = threading.Thread(target=self._beat, name="heartbeat", daemon=True)
        beat.start()
        if create_default:
            self.ensure_default_job()
        failed_total = 0
        try:
            while not self.stop.is_set():
                started = time.monotonic()
                try:
                    ok, failed = self.run_round()
                except SqoopError as exc:
                    ok, failed = 0, 1
                    log.error("sqoop.round.failed", error=str(exc))
                failed_total += failed
                self.detail = f"last round {time.strftime('%H:%M:%S', time.gmtime())} UTC: {ok} ok, {failed} failed"
                self._write_beat()
                log.info("sqoop.round.done", ok=ok, failed=failed, every_s=self.every_s)
                if once:
                    break
                self.stop.wait(max(self.every_s - (time.monotonic() - started), 0.0))
        finally:
            self.stop.set()
            beat.join(timeout=2)
        return 1 if (once and failed_total) else 0
