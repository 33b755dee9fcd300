"""The archiver split over processes, one group of topics each, so decoding uses more than one core.

Each child is an ordinary `python -m archiver` with `ARCHIVER_TOPICS` set to its share and
`ARCHIVER_PROCESSES=1`. Nothing is shared between topics (manifests, temp areas, hours and
`_SUCCESS` are per topic), so the exactly-once argument holds per child unchanged. The children die
with the parent (PR_SET_PDEATHSIG), so a `kill -9` of the archiver never leaves a child writing
beside the archiver that replaces it. SIGTERM (to the parent or the process group) → every child
flushes and exits 0; a child that fails → the others are stopped and the parent exits 1.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from archiver.settings import ArchiverSettings
from souk.logs import get_logger

log = get_logger()
PR_SET_PDEATHSIG = 1
HEARTBEAT_EVERY_S = 5.0


def topic_groups(bases: tuple[str, ...], processes: int) -> list[tuple[str, ...]]:
    """`bases` dealt round-robin into at most `processes` non-empty groups."""
    count = max(1, min(processes, len(bases)))
    return [bases[i::count] for i in range(count)]


def _die_with_parent(parent: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)


@dataclass
class Child:
    topics: tuple[str, ...]
    proc: subprocess.Popen[bytes]
    heartbeat: Path | None


def run_processes(settings: ArchiverSettings, stop: threading.Event) -> int:
    """Run one child per topic group until `stop` is set or a child fails; the exit code to return."""
    groups = topic_groups(settings.topic_bases, settings.processes)
    parent = os.getpid()
    children: list[Child] = []
    for topics in groups:
        env = dict(os.environ)
        env.update(
            ARCHIVER_TOPICS=",".join(topics),
            ARCHIVER_PROCESSES="1",
            ARCHIVER_MAX_BUFFERED_RECORDS=str(max(1, settings.max_buffered_records // len(groups))),
        )
        heartbeat = None
        if settings.heartbeat_file is not None:
            heartbeat = settings.heartbeat_file.with_name(f"{settings.heartbeat_file.name}.{'+'.join(topics)}")
            env["ARCHIVER_HEARTBEAT_FILE"] = str(heartbeat)
        proc = subprocess.Popen([sys.executable, "-m", "archiver"], env=env, preexec_fn=lambda: _die_with_parent(parent))
        children.append(Child(topics, proc, heartbeat))
        log.info("archiver.process.started", topics=list(topics), pid=proc.pid)
    failed = False
    last_beat = 0.0
    while not stop.is_set():
        for child in children:
            code = child.proc.poll()
            if code is not None:
                log.error("archiver.process.exited", topics=list(child.topics), pid=child.proc.pid, exit_code=code)
                failed = True
        if failed:
            break
        now = time.monotonic()
        if now - last_beat >= HEARTBEAT_EVERY_S:
            last_beat = now
            beat(settings.heartbeat_file, children)
        stop.wait(0.5)
    for child in children:
        if child.proc.poll() is None:
            child.proc.send_signal(signal.SIGTERM)
    codes = [child.proc.wait() for child in children]
    beat(settings.heartbeat_file, children)
    if failed or any(codes):
        sys.stderr.write(f"archiver: a process exited with {[c for c in codes if c] or codes}; see the log\n")
        return 1
    return 0


def beat(path: Path | None, children: list[Child]) -> None:
    """The parent's heartbeat: the children's status lines summed, written only while all of them beat."""
    if path is None:
        return
    totals: dict[str, int] = {}
    unknown: set[str] = set()
    for child in children:
        assert child.heartbeat is not None
        try:
            fresh = time.time() - child.heartbeat.stat().st_mtime < 3 * HEARTBEAT_EVERY_S
            fields = child.heartbeat.read_text(encoding="utf-8").split()
        except OSError:
            return
        if not fresh or child.proc.poll() is not None:
            return
        for field in fields:
            key, _, value = field.partition("=")
            if value.isdigit():
                totals[key] = totals.get(key, 0) + int(value)
            else:
                unknown.add(key)
    keys = ("lag", "files", "records", "buffered", "dlq")
    line = " ".join(f"{key}={'?' if key in unknown else totals.get(key, 0)}" for key in keys) + f" processes={len(children)}"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(line + "\n", encoding="utf-8")
    tmp.replace(path)
