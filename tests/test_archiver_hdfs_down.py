"""The archiver through a real HDFS outage: its NameNode stopped for 60 s mid-run, then every event once.

The shared HDFS must stay up for everyone else, so this test starts a private NameNode and DataNode
(`souk up namenode datanode` with its own SOUK_HOME and free ports; the shared stack's jars are
linked in) and points `python -m archiver` at it, while Kafka is the shared broker with topics of
the test's own. Traffic flows before, during and after the outage; the test then checks that the
multiset of event_ids in the private HDFS equals what was sent, that readers never saw an empty,
unreadable or temporary file, and that the archiver logged its retries while HDFS was away.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from archiver.destinations import DestinationUnavailable, WebHdfsDestination
from archiver.layout import HOUR_MS, Layout
from archiver.testing import random_event, read_lake
from kafka import KafkaProducer

from souk.contract import Click, InventoryMove, Purchase, encode, encode_key
from souk.testing import poll_until

pytestmark = pytest.mark.integration

BASES = ("clicks", "purchases", "inventory")
OUTAGE_S = 60
LAKE = "/lake"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateHdfs:
    """A NameNode + DataNode of the test's own, run by `souk up/down` on a private SOUK_HOME."""

    def __init__(self, home: Path, shared_home: Path) -> None:
        home.mkdir(parents=True)
        (home / "jars").symlink_to(shared_home / "jars")
        self.http_port = free_port()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "HDFS_", "MYSQL_", "SOUK_"))}
        self.env.update(
            SOUK_HOME=str(home),
            SOUK_LOG_LEVEL="WARNING",
            HDFS_NAMENODE_RPC_PORT=str(free_port()),
            HDFS_NAMENODE_HTTP_PORT=str(self.http_port),
            HDFS_DATANODE_HTTP_PORT=str(free_port()),
            HDFS_DATANODE_DATA_PORT=str(free_port()),
            HDFS_DATANODE_IPC_PORT=str(free_port()),
            HDFS_HEAP="256m",
        )
        self.url = f"http://127.0.0.1:{self.http_port}"

    def souk(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "souk", *args], capture_output=True, text=True, env=self.env, timeout=300, check=False)


@pytest.fixture
def private_hdfs(tmp_path: Path, stack: Any) -> Iterator[PrivateHdfs]:
    hdfs = PrivateHdfs(tmp_path / "home", stack.settings.home)
    try:
        started = hdfs.souk("up", "namenode", "datanode")
        assert started.returncode == 0, started.stdout + started.stderr
        yield hdfs
    finally:
        hdfs.souk("down")


def produce(bootstrap: str, prefix: str, sent: dict[str, Counter[str]], count: int, seed: int) -> None:
    rng = random.Random(seed)
    now_ms = int(time.time() * 1000)
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=20, acks="all")
    try:
        for i in range(count):
            base = BASES[i % 3]
            event = random_event(base, now_ms - rng.randrange(HOUR_MS), rng)
            assert isinstance(event, Click | Purchase | InventoryMove)
            producer.send(prefix + base, key=encode_key(event), value=encode(event))
            sent[base][event.event_id] += 1
        producer.flush(timeout=60)
    finally:
        producer.close()


def log_events(path: Path) -> list[dict[str, Any]]:
    events = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("{"):
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return events


def watch_readers(dest: WebHdfsDestination, problems: list[str], stop: threading.Event) -> Callable[[], None]:
    """What a reader of the lake sees, checked every 0.2 s: no empty, unreadable or temp file, no row twice."""

    def watch() -> None:
        while not stop.is_set():
            try:
                for base in BASES:
                    lake = read_lake(dest, Layout(LAKE), base)
                    if lake.event_ids and max(lake.event_ids.values()) > 1:
                        problems.append(f"duplicate rows visible in {base}")
            except AssertionError as error:
                problems.append(str(error))
            except (DestinationUnavailable, FileNotFoundError):
                pass  # HDFS is down (that is the test), or a file moved between listing and read
            stop.wait(0.2)

    return watch


def test_hdfs_stopped_for_60_s_mid_run_loses_and_duplicates_nothing(
    stack: Any, topics: Any, private_hdfs: PrivateHdfs, tmp_path: Path
) -> None:
    sent: dict[str, Counter[str]] = {base: Counter() for base in BASES}
    bootstrap = stack.settings.kafka_bootstrap
    dest = WebHdfsDestination(private_hdfs.url, stack.settings.hdfs_user)
    env = dict(os.environ)
    env.update(
        KAFKA_BOOTSTRAP=bootstrap,
        HDFS_URL=private_hdfs.url,
        HDFS_USER=stack.settings.hdfs_user,
        SOUK_TOPIC_PREFIX=topics.prefix,
        ARCHIVER_BASE_DIR=LAKE,
        ARCHIVER_GROUP=f"archiver-{topics.prefix}",
        ARCHIVER_ROLL_RECORDS="500",
        ARCHIVER_ROLL_SECONDS="1",
        ARCHIVER_HDFS_RETRY_SECONDS="600",
    )
    log_path = tmp_path / "archiver.log"
    produce(bootstrap, topics.prefix, sent, count=900, seed=1)
    with log_path.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "archiver"], env=env, stdout=out, stderr=out)
    problems: list[str] = []
    stop_watching = threading.Event()
    watcher = threading.Thread(target=watch_readers(dest, problems, stop_watching))
    watcher.start()
    try:
        poll_until(lambda: sum(read_lake(dest, Layout(LAKE), b).event_ids.total() for b in BASES) > 0, "first files in HDFS", timeout=120)

        stopped = private_hdfs.souk("down", "namenode")
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr
        down_at = time.monotonic()
        # Traffic while HDFS is away: the archiver reads it and must hold it until HDFS is back.
        produce(bootstrap, topics.prefix, sent, count=900, seed=2)
        poll_until(
            lambda: any(e.get("event") == "archiver.hdfs.retry" for e in log_events(log_path)),
            "the archiver logging its HDFS retries",
            timeout=OUTAGE_S,
        )
        assert proc.poll() is None, "the archiver must wait HDFS out, not exit"
        time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - down_at)))  # the outage's length is what is tested
        assert proc.poll() is None

        restarted = private_hdfs.souk("up", "namenode")
        assert restarted.returncode == 0, restarted.stdout + restarted.stderr
        produce(bootstrap, topics.prefix, sent, count=900, seed=3)
        poll_until(
            lambda: {base: read_lake(dest, Layout(LAKE), base).event_ids for base in BASES} == sent,
            "every event in the private HDFS, once, after the outage",
            timeout=300,
        )
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=120) == 0
    finally:
        stop_watching.set()
        watcher.join()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    events = log_events(log_path)
    retries = [e for e in events if e.get("event") == "archiver.hdfs.retry"]
    assert retries and all({"op", "path", "attempt", "delay_s", "error"} <= set(e) for e in retries)
    assert any(e.get("event") == "archiver.hdfs.recovered" for e in events)
    assert not [e for e in events if e.get("event") == "archiver.hdfs.gave_up"]
    assert not problems, problems[:5]
    assert {base: read_lake(dest, Layout(LAKE), base).event_ids for base in BASES} == sent
    lake_files = [f for base in BASES for f in read_lake(dest, Layout(LAKE), base).files]
    assert lake_files and all(f.endswith(".parquet") for f in lake_files)
    assert not any(e.name.endswith(".parquet") for e in dest.listdir(f"{LAKE}/_archiver/tmp"))
