"""Private Flume agents for tests: the production component.toml and agent conf, run on a home of their own.

An agent here is started with the very command its component.toml declares, its templates rendered
with SOUK_HOME = a tmp_path (so logs, position file and channel are private), a free monitoring
port, the test's topic prefix, and a few appended properties (later keys win in a Java properties
file): the HDFS sink writes under the test's `hdfs_tmpdir`, rolls every few seconds, and the Kafka
source joins a consumer group of its own.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import string
import subprocess
import tomllib
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from souk.settings import REPO_ROOT
from souk.stack import install
from souk.stack.settings import StackSettings
from souk.testing.plugin import Stack, TestTopics
from souk.testing.poll import poll_until

FLUME_DIR = REPO_ROOT / "flume"
TEST_ROLL_INTERVAL_S = 3
PRODUCTION_HDFS_ROOT = "/user/flume/"
# A short-lived agent on a busy 2-core CI box starts faster on the C1 compiler alone.
TEST_JVM_FLAGS = ["-XX:TieredStopAtLevel=1"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _properties(text: str) -> dict[str, str]:
    """The key = value lines of a Flume conf (no continuation lines in ours)."""
    props: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            props[key.strip()] = value.strip()
    return props


@dataclass
class FlumeAgent:
    """One Flume agent process on a private home; `start`, `kill` (SIGKILL), `stop` (SIGTERM)."""

    name: str
    home: Path
    argv: list[str]
    env: dict[str, str]
    port: int
    hdfs_root: str
    hdfs: Any = None
    process: subprocess.Popen[bytes] | None = None
    starts: int = field(default=0)

    @property
    def log_path(self) -> Path:
        return self.home / "logs" / f"{self.name}.log"

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as out:
            self.process = subprocess.Popen(
                self.argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=self.env, cwd=self.home
            )
        self.starts += 1
        poll_until(self._running, f"{self.name} monitoring on port {self.port} listing its source, channel and sink", timeout=60)

    def _running(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"{self.name} exited with {self.process.returncode}; log tail:\n{self.log_tail()}")
        metrics = self.metrics()
        return any(k.startswith("SOURCE.") for k in metrics) and any(k.startswith("SINK.") for k in metrics)

    def metrics(self) -> dict[str, dict[str, str]]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=2) as response:
            return dict(json.load(response))

    def counters(self, kind: str) -> dict[str, str]:
        """The counters of this agent's one SOURCE, CHANNEL or SINK."""
        metrics = self.metrics()
        found = [v for k, v in metrics.items() if k.startswith(kind + ".")]
        assert found, f"no {kind} in {sorted(metrics)}"
        return dict(found[0])

    def contents(self) -> dict[str, str]:
        """The text of every file under the agent's HDFS root, open in-use files included."""
        try:
            walked = list(self.hdfs.walk(self.hdfs_root))
        except Exception:
            return {}
        texts: dict[str, str] = {}
        for dirpath, _, names in walked:
            for fname in names:
                with self.hdfs.read(f"{dirpath}/{fname}", encoding="utf-8") as reader:
                    texts[f"{dirpath}/{fname}"] = reader.read()
        return texts

    def shipped(self) -> tuple[Counter[str], list[str]]:
        """Every line under the agent's HDFS root (open in-use files too), and the files' paths."""
        texts = self.contents()
        lines: Counter[str] = Counter()
        for text in texts.values():
            lines.update(line for line in text.split("\n") if line)
        return lines, sorted(texts)

    def kill(self) -> None:
        """SIGKILL: no flush, no close, no position-file write."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"


def render_agent(
    settings: StackSettings, agent: str, home: Path, hdfs_tmpdir: str, *, topic_prefix: str = "", overrides: dict[str, str] | None = None
) -> FlumeAgent:
    """Render `flume/<agent>/` for a private home and build its command from component.toml."""
    spec = tomllib.loads((FLUME_DIR / agent / "component.toml").read_text(encoding="utf-8"))
    port = free_port()
    values = {k: str(v) for k, v in vars(settings).items()}
    values.update(
        home=str(home),
        repo=str(REPO_ROOT),
        name=agent,
        instance="1",
        topic_prefix=topic_prefix,
        java=install.java_binary(),
        python="python",
        flume_logs_port=str(port),
        flume_kafka_port=str(port),
    )
    values["port"] = str(port)
    for template in spec["templates"]:
        text = string.Template((REPO_ROOT / template).read_text(encoding="utf-8")).substitute(values)
        dest = home / "conf" / template
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(text, encoding="utf-8")
    conf = home / "conf" / "flume" / agent / f"{agent}.conf"
    production_path = _properties(conf.read_text(encoding="utf-8"))[f"{agent}.sinks.hdfs.hdfs.path"]
    assert PRODUCTION_HDFS_ROOT in production_path, production_path
    hdfs_root = hdfs_tmpdir.rstrip("/") + "/"
    extra = {
        f"{agent}.sinks.hdfs.hdfs.path": production_path.replace(PRODUCTION_HDFS_ROOT, hdfs_root),
        f"{agent}.sinks.hdfs.hdfs.rollInterval": str(TEST_ROLL_INTERVAL_S),
        # An idle source rechecks its input every second, not every 5 s.
        f"{agent}.sources.{'taildir' if agent == 'flume-logs' else 'kafka'}.maxBackoffSleep": "1000",
        **(overrides or {}),
    }
    with conf.open("a", encoding="utf-8") as out:
        out.write("\n# test overrides\n" + "".join(f"{k} = {v}\n" for k, v in extra.items()))
    (home / "jars").mkdir(parents=True, exist_ok=True)
    jars_link = home / "jars" / "flume"
    if not jars_link.exists():
        jars_link.symlink_to(install.jars_dir(settings, "flume"), target_is_directory=True)
    argv = [part.format_map(values) for part in spec["command"]]
    argv[1:1] = TEST_JVM_FLAGS
    env = {**os.environ, **{k: str(v).format_map(values) for k, v in spec.get("env", {}).items()}}
    return FlumeAgent(name=agent, home=home, argv=argv, env=env, port=port, hdfs_root=hdfs_tmpdir)


@pytest.fixture
def flume_agent(stack: Stack, hdfs_tmpdir: str, tmp_path: Path) -> Iterator[Callable[..., FlumeAgent]]:
    """`make(agent, topics=None, **overrides) -> FlumeAgent` (not started); every agent is stopped after."""
    made: list[FlumeAgent] = []

    def make(agent: str, topics: TestTopics | None = None, overrides: dict[str, str] | None = None) -> FlumeAgent:
        extra = dict(overrides or {})
        if topics is not None:
            extra.setdefault(f"{agent}.sources.kafka.kafka.consumer.group.id", f"{agent}-{topics.prefix.rstrip('.')}")
        built = render_agent(
            stack.settings,
            agent,
            tmp_path / agent,
            hdfs_tmpdir,
            topic_prefix=topics.prefix if topics else "",
            overrides=extra,
        )
        built.hdfs = stack.hdfs()
        made.append(built)
        return built

    yield make
    for agent in made:
        agent.stop()
