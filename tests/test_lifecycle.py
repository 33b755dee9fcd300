"""`souk up/status/down` on a real server of their own: a private MariaDB on a free port.

MariaDB starts in about a second, so the whole lifecycle (idempotent up, kill -9, stale pid,
restart, down) runs against a real server without disturbing the shared stack.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

import psutil
import pytest

from souk.testing import poll_until


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def souk(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "HDFS_", "MYSQL_", "SOUK_"))}
    env.update(SOUK_HOME=str(tmp_path / "home"), MYSQL_PORT=str(_free_port()), SOUK_LOG_LEVEL="WARNING")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "souk", *args], capture_output=True, text=True, env=env, timeout=300, check=False)

    yield run
    run("down")


def _pid(status_output: str) -> int | None:
    for line in status_output.splitlines():
        cells = line.split()
        if cells and cells[0] == "mariadb":
            return int(cells[1]) if cells[1].isdigit() else None
    raise AssertionError(f"no mariadb row in {status_output!r}")


def test_up_status_kill_restart_down(souk, tmp_path):
    first = souk("up", "mariadb")
    assert first.returncode == 0, first.stderr
    pid = _pid(first.stdout)
    assert pid is not None and "healthy" in first.stdout and "SELECT 1 ok" in first.stdout

    again = souk("up", "mariadb")
    assert again.returncode == 0 and _pid(again.stdout) == pid, "a second up must reuse the running server"

    status = souk("status", "mariadb")
    assert status.returncode == 0
    assert status.stdout.splitlines()[0].split()[:5] == ["COMPONENT", "PID", "ADDRESS", "HEALTH", "UPTIME"]

    os.kill(pid, signal.SIGKILL)
    poll_until(lambda: not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE, "mariadbd to die")
    down = souk("status", "mariadb")
    assert down.returncode == 1 and "DOWN" in down.stdout and _pid(down.stdout) is None
    assert not (tmp_path / "home" / "run" / "mariadb.pid").exists(), "the stale pid file is cleaned"

    restarted = souk("up", "mariadb")
    assert restarted.returncode == 0, restarted.stderr
    new_pid = _pid(restarted.stdout)
    assert new_pid not in (None, pid)

    stopped = souk("down", "mariadb")
    assert stopped.returncode == 0 and stopped.stdout.strip() == "stopped: mariadb"
    assert not psutil.pid_exists(new_pid) or psutil.Process(new_pid).status() == psutil.STATUS_ZOMBIE
    assert souk("status", "mariadb").returncode == 1


def test_password_stays_out_of_argv_and_logs(souk, tmp_path):
    assert souk("up", "mariadb").returncode == 0
    password = (tmp_path / "home" / "secrets" / "mysql-password").read_text().strip()
    assert oct((tmp_path / "home" / "secrets" / "mysql-password").stat().st_mode & 0o777) == "0o600"
    for proc in psutil.process_iter(["cmdline"]):
        assert password not in " ".join(proc.info["cmdline"] or [])
    for log in (tmp_path / "home" / "logs").glob("*"):
        assert password not in log.read_text(errors="replace")
