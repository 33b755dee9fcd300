"""Detached processes with pid files: start, find, stop, and who holds a port."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psutil


@dataclass(frozen=True)
class Running:
    pid: int
    started_at: float


class PidFile:
    """`<pid> <create_time>`: the create time tells a live process from a recycled pid."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, pid: int) -> None:
        created = psutil.Process(pid).create_time()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(f"{pid} {created}\n", encoding="ascii")
        tmp.replace(self.path)

    def read(self) -> Running | None:
        """The live process this file names; a stale file (dead or recycled pid) is removed."""
        try:
            pid_text, created_text = self.path.read_text(encoding="ascii").split()
            pid, created = int(pid_text), float(created_text)
        except FileNotFoundError:
            return None
        except ValueError:
            self.path.unlink(missing_ok=True)
            return None
        try:
            proc = psutil.Process(pid)
            alive = proc.status() != psutil.STATUS_ZOMBIE and abs(proc.create_time() - created) < 1
        except psutil.NoSuchProcess:
            alive = False
        if not alive:
            self.path.unlink(missing_ok=True)
            return None
        return Running(pid, created)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


def spawn(argv: list[str], *, log: Path, env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    """Start `argv` in its own session so it outlives the `souk` command that started it."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        out.write(f"\n--- souk: starting {' '.join(argv[:1])} at {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} ---\n".encode())
        return subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )


def terminate(pid: int, *, timeout: float, on_kill: str = "") -> bool:
    """SIGTERM the process group (a clean shutdown), SIGKILL it after `timeout`.

    Returns True when the process stopped on SIGTERM alone.
    """
    try:
        proc = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return True
    _signal_group(pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
        return True
    except psutil.TimeoutExpired:
        _signal_group(pid, signal.SIGKILL)
        with contextlib.suppress(psutil.TimeoutExpired):
            proc.wait(timeout=10)
        return False


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def port_holder(port: int) -> str:
    """'pid 123 (java)' for the process listening on `port`, or a hint when it can't be seen."""
    try:
        conns = psutil.net_connections(kind="inet")
    except psutil.AccessDenied:
        return "another process (run as its owner to see which)"
    for conn in conns:
        if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN:
            if conn.pid is None:
                return "a process of another user"
            try:
                return f"pid {conn.pid} ({psutil.Process(conn.pid).name()})"
            except psutil.NoSuchProcess:
                return f"pid {conn.pid} (exited)"
    return "another process"


def uptime(started_at: float) -> str:
    seconds = int(time.time() - started_at)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


def rss_bytes(pid: int) -> int:
    """Resident memory of a process and its children (MariaDB and the JVMs have none, services may)."""
    try:
        proc = psutil.Process(pid)
        return proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True))
    except psutil.NoSuchProcess:
        return 0
