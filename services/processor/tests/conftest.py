"""Fixtures for the processor's tests: an in-memory app for unit tests, worker processes for integration."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from processor.app import Processor
from processor.settings import processor_settings


class RecordingSink:
    """Stands in for the kpis / alerts / dlq topics in unit tests."""

    def __init__(self) -> None:
        self.sent: list[tuple[bytes, bytes]] = []

    async def send(self, *, key: bytes, value: bytes) -> None:
        self.sent.append((key, value))


@dataclass
class UnitProcessor:
    processor: Processor
    sinks: dict[str, RecordingSink] = field(default_factory=dict)

    @property
    def tables(self) -> Any:
        return self.processor.tables


@pytest.fixture
def unit(tmp_path: Path) -> UnitProcessor:
    """A Processor on the memory store whose output topics are RecordingSinks: no servers."""
    sinks: dict[str, RecordingSink] = {}
    settings = processor_settings({"SOUK_TOPIC_PREFIX": "unit.", "PROCESSOR_DATA_DIR": str(tmp_path), "LOW_STOCK_THRESHOLD": "10"})
    processor = Processor(settings, store="memory://", sink=lambda base: sinks.setdefault(base, RecordingSink()))
    processor.app.finalize()
    processor.app.flow_control.resume()
    return UnitProcessor(processor, sinks)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Worker:
    """One `python -m processor worker` process on its own port and data directory."""

    name: str
    port: int
    data_dir: Path
    log: Path
    env: dict[str, str]
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Worker:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "processor", "worker"], env=self.env, stdout=out, stderr=subprocess.STDOUT)
        return self

    def get(self, path: str) -> tuple[int, Any]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, json.load(error)

    def ok(self, path: str) -> Any:
        status, body = self.get(path)
        assert status == 200, body
        return body

    def partitions(self) -> list[int]:
        return list(self.ok("/health")["partitions"])

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return int(self.proc.returncode)

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@pytest.fixture
def workers(stack: Any, topics: Any, tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    """``make(name, data_dir=None)`` → a started worker on the test's topics; all stopped after."""
    started: list[Worker] = []

    def make(name: str, data_dir: Path | None = None) -> Worker:
        port = free_port()
        data_dir = data_dir or tmp_path / f"data-{name}"
        env = {
            **os.environ,
            "SOUK_TOPIC_PREFIX": topics.prefix,
            "KAFKA_BOOTSTRAP": stack.settings.kafka_bootstrap,
            "PROCESSOR_PORT": str(port),
            "PROCESSOR_DATA_DIR": str(data_dir),
            "PROCESSOR_LOG_LEVEL": "WARNING",
            "PROCESSOR_KPI_SECONDS": "1.0",
        }
        worker = Worker(name, port, data_dir, tmp_path / f"{name}.log", env).start()
        started.append(worker)
        return worker

    yield make
    for worker in started:
        if worker.proc is not None and worker.proc.poll() is None:
            worker.proc.kill()
            worker.proc.wait()
    admin = stack.kafka_admin()
    try:
        internal = [t for t in admin.list_topics() if t.startswith(f"{topics.prefix}processor")]
        if internal:
            admin.delete_topics(internal)
    finally:
        admin.close()
