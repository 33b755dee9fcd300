"""Stack start-up time and idle memory, on a private SOUK_HOME with shifted ports.

Runs beside a shared stack without touching it: every port is moved by --port-shift and the
jar cache is linked from the main SOUK_HOME (a "cold" start with jars cached, as the issue asks).

    .venv/bin/python bench/stack.py [--port-shift 10000] [--settle 15]

Prints one table: cold start (fresh data: Kafka storage format, NameNode format, MariaDB
install-db, topics, HDFS dirs, database), warm start (data kept), each server's idle RSS, and
ratios against the budgets (warm start ≤ 90 s, idle stack ≤ 4 GiB) and against a bare JVM's
start measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
SERVERS = ["kafka", "namenode", "datanode", "mariadb"]
PORTS = {
    "KAFKA_PORT": 9092,
    "KAFKA_CONTROLLER_PORT": 9093,
    "HDFS_NAMENODE_RPC_PORT": 8020,
    "HDFS_NAMENODE_HTTP_PORT": 9870,
    "HDFS_DATANODE_HTTP_PORT": 9864,
    "HDFS_DATANODE_DATA_PORT": 9866,
    "HDFS_DATANODE_IPC_PORT": 9867,
    "MYSQL_PORT": 3306,
}
WARM_BUDGET_S = 90.0
RSS_BUDGET = 4 * 2**30


def _souk(env: dict[str, str], *args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "souk", *args], env=env, capture_output=True, text=True, check=False)
    return time.monotonic() - started, result


def _bare_jvm_seconds() -> float:
    from souk.stack.install import java_binary

    started = time.monotonic()
    subprocess.run([java_binary(), "-version"], capture_output=True, check=True)
    return time.monotonic() - started


def _rss_by_component(home: Path) -> dict[str, int]:
    rss = {}
    for name in SERVERS:
        pid = int((home / "run" / f"{name}.pid").read_text().split()[0])
        proc = psutil.Process(pid)
        rss[name] = proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True))
    return rss


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port-shift", type=int, default=10000)
    parser.add_argument("--settle", type=float, default=15.0, help="seconds idle before reading RSS")
    args = parser.parse_args()

    main_home = Path(os.environ.get("SOUK_HOME", REPO / "var"))
    if not (main_home / "jars").is_dir():
        sys.stderr.write(f"bench: no jar cache in {main_home}/jars; run `make up` once first\n")
        return 1
    with tempfile.TemporaryDirectory(prefix="souk-bench-") as tmp:
        home = Path(tmp)
        (home / "jars").symlink_to(main_home / "jars")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "HDFS_", "MYSQL_", "SOUK_"))}
        env.update({k: str(v + args.port_shift) for k, v in PORTS.items()})
        env.update(SOUK_HOME=str(home), SOUK_LOG_LEVEL="WARNING")
        try:
            jvm = _bare_jvm_seconds()
            cold, result = _souk(env, "up", *SERVERS)
            if result.returncode:
                sys.stderr.write(f"bench: cold start failed: {result.stderr.strip()}\n")
                return 1
            time.sleep(args.settle)
            rss = _rss_by_component(home)
            _souk(env, "down")
            warm, result = _souk(env, "up", *SERVERS)
            if result.returncode:
                sys.stderr.write(f"bench: warm start failed: {result.stderr.strip()}\n")
                return 1
        finally:
            _souk(env, "down")

    total = sum(rss.values())
    rows = [
        ("bare JVM start (java -version), baseline", f"{jvm:.2f} s", "1.0x", ""),
        ("cold souk up (fresh data, jars cached)", f"{cold:.1f} s", f"{cold / jvm:.0f}x JVM", ""),
        ("warm souk up (data kept)", f"{warm:.1f} s", f"{warm / jvm:.0f}x JVM", f"{warm / WARM_BUDGET_S:.2f} of 90 s budget"),
        *((f"idle RSS {name}", f"{value / 2**20:.0f} MiB", f"{value / total:.0%} of stack", "") for name, value in rss.items()),
        ("idle RSS whole stack", f"{total / 2**20:.0f} MiB", "", f"{total / RSS_BUDGET:.2f} of 4 GiB budget"),
    ]
    widths = [max(len(r[i]) for r in [("figure", "value", "ratio", "budget"), *rows]) for i in range(4)]
    for row in [("figure", "value", "ratio", "budget"), *rows]:
        sys.stdout.write("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
