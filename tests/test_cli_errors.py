"""Bad input to `souk` gets one line saying what is wrong and a non-zero exit, never a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

SOUK = [sys.executable, "-m", "souk"]


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SOUK, *args], capture_output=True, text=True, env=env, timeout=120, check=False)


@pytest.fixture
def private_env(tmp_path: Path) -> dict[str, str]:
    """A SOUK_HOME of its own, so nothing here touches the shared stack's pids or data."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "HDFS_", "MYSQL_", "SOUK_"))}
    env["SOUK_HOME"] = str(tmp_path / "home")
    env["SOUK_LOG_LEVEL"] = "ERROR"
    return env


def _one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got: {stderr!r}"
    assert "Traceback" not in stderr
    return lines[0]


def test_unknown_component(private_env):
    result = _run(["up", "kafak"], private_env)
    assert result.returncode == 2
    # Services declared under services/ and flume/ follow the servers in the list.
    assert _one_line(result.stderr).startswith("souk: unknown component 'kafak' (known: kafka, namenode, datanode, mariadb")


def test_unknown_command(private_env):
    result = _run(["upp"], private_env)
    assert result.returncode == 2
    assert _one_line(result.stderr).startswith("souk: error: argument command: invalid choice: 'upp'")


def test_busy_port_names_port_and_holder(private_env):
    with socket.socket() as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        private_env["KAFKA_PORT"] = str(port)
        result = _run(["up", "kafka"], private_env)
    assert result.returncode == 1
    line = _one_line(result.stderr)
    assert line == f"souk: port {port} needed by kafka is taken by pid {os.getpid()} ({_process_name()})"


def _process_name() -> str:
    import psutil

    return psutil.Process().name()


def test_missing_java(private_env, tmp_path):
    # A PATH with python but no java, and no JAVA_HOME.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    private_env.pop("JAVA_HOME", None)
    private_env["PATH"] = str(bin_dir)
    private_env["KAFKA_PORT"] = str(_free_port())
    private_env["KAFKA_CONTROLLER_PORT"] = str(_free_port())
    result = _run(["up", "kafka"], private_env)
    assert result.returncode == 1
    assert _one_line(result.stderr) == (
        "souk: java not found: install a Java 17 runtime (Debian: apt-get install openjdk-17-jre-headless) or set JAVA_HOME"
    )


def test_bad_setting(private_env):
    private_env["KAFKA_PORT"] = "ninety"
    result = _run(["status"], private_env)
    assert result.returncode == 2
    assert _one_line(result.stderr) == "souk: KAFKA_PORT='ninety': expected an integer"


def test_port_out_of_range(private_env):
    private_env["MYSQL_PORT"] = "70000"
    result = _run(["status"], private_env)
    assert result.returncode == 2
    assert _one_line(result.stderr) == "souk: MYSQL_PORT=70000: a port must be between 1 and 65535"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
