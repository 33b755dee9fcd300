"""The archiver on the real Kafka and HDFS: exactly once through kill -9, outages, and Spark reads it."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import psutil
import pytest
from archiver.app import run
from archiver.destinations import WebHdfsDestination
from archiver.layout import HOUR_MS, Layout
from archiver.retry import Backoff, RetryingDestination
from archiver.settings import ArchiverSettings
from archiver.testing import INVALID_VALUES, FaultyDestination, random_event, read_lake
from kafka import KafkaConsumer, KafkaProducer

from souk.contract import Purchase, decode_dead_letter, encode, encode_key
from souk.testing import poll_until

BASES = ("clicks", "purchases", "inventory")


class Ledger:
    """What the test sent: event ids per topic, purchase totals, the number of invalid values."""

    def __init__(self) -> None:
        self.ids: dict[str, Counter[str]] = {base: Counter() for base in BASES}
        self.revenue = Decimal("0.00")
        self.invalid = 0


def produce(stack: Any, topics: Any, ledger: Ledger, count: int, seed: int, invalid: int = 0, span_ms: int = 3 * HOUR_MS) -> None:
    rng = random.Random(seed)
    now_ms = int(time.time() * 1000)
    producer = KafkaProducer(bootstrap_servers=stack.settings.kafka_bootstrap, linger_ms=20, acks="all")
    try:
        for i in range(count):
            base = BASES[i % 3]
            event = random_event(base, now_ms - span_ms + rng.randrange(span_ms), rng)
            producer.send(getattr(topics, base), key=encode_key(event), value=encode(event))
            ledger.ids[base][event.event_id] += 1  # type: ignore[union-attr]
            if isinstance(event, Purchase):
                ledger.revenue += event.total
        for i in range(invalid):
            producer.send(getattr(topics, BASES[i % 3]), key=b"bad", value=INVALID_VALUES[i % len(INVALID_VALUES)])
            ledger.invalid += 1
        producer.flush(timeout=60)
    finally:
        producer.close()


def archiver_env(stack: Any, topics: Any, base_dir: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        KAFKA_BOOTSTRAP=stack.settings.kafka_bootstrap,
        HDFS_URL=stack.settings.hdfs_url,
        SOUK_TOPIC_PREFIX=topics.prefix,
        ARCHIVER_BASE_DIR=base_dir,
        ARCHIVER_GROUP=f"archiver-{topics.prefix}",
        ARCHIVER_ROLL_RECORDS="2000",
        ARCHIVER_ROLL_SECONDS="1",
        ARCHIVER_LATENESS_SECONDS="60",
        ARCHIVER_HEARTBEAT_FILE=str(tmp_path / "archiver.heartbeat"),
    )
    env.update(extra)
    return env


def start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "archiver"], env=env, stdout=out, stderr=out)


def alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def lake_ids(dest: Any, base_dir: str) -> dict[str, Counter[str]]:
    return {base: read_lake(dest, Layout(base_dir), base).event_ids for base in BASES}


@pytest.fixture
def hdfs(stack: Any) -> WebHdfsDestination:
    return WebHdfsDestination(stack.settings.hdfs_url, stack.settings.hdfs_user)


@pytest.fixture
def archiver_proc(tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def dead_letters(stack: Any, topic: str, expected: int) -> list[Any]:
    consumer = KafkaConsumer(
        topic, bootstrap_servers=stack.settings.kafka_bootstrap, auto_offset_reset="earliest", consumer_timeout_ms=3000
    )
    try:
        letters: list[Any] = []
        deadline = time.monotonic() + 30
        while len(letters) < expected and time.monotonic() < deadline:
            letters.extend(decode_dead_letter(m.value) for batch in consumer.poll(1000).values() for m in batch)
        return letters
    finally:
        consumer.close()


def test_seeded_events_land_once_with_success_markers_and_spark_reads_the_layout(
    stack: Any, topics: Any, hdfs_tmpdir: str, hdfs: WebHdfsDestination, tmp_path: Path, spark: Any, archiver_proc: list[Any]
) -> None:
    ledger = Ledger()
    produce(stack, topics, ledger, count=3000, seed=1, invalid=6)
    # Small rolls, so that hours hold several files per partition for `souk compact` below.
    proc = start(archiver_env(stack, topics, hdfs_tmpdir, tmp_path, ARCHIVER_ROLL_RECORDS="100"), tmp_path / "archiver.log")
    archiver_proc.append(proc)
    poll_until(lambda: lake_ids(hdfs, hdfs_tmpdir) == ledger.ids, "every seeded event in HDFS, once", timeout=240)
    letters = dead_letters(stack, topics.dlq, ledger.invalid)
    assert len(letters) == ledger.invalid and {d.service for d in letters} == {"archiver"}
    poll_until(lambda: (tmp_path / "archiver.heartbeat").exists(), "a heartbeat", timeout=30)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0
    # Hours whose end is more than the lateness behind the newest event are marked closed.
    clicks = read_lake(hdfs, Layout(hdfs_tmpdir), "clicks")
    assert len(clicks.hours_with_success) >= 2
    # Spark discovers date and hour from the directories and reads the typed columns.
    frame = spark.read.parquet(f"{stack.settings.hdfs_rpc_url}{hdfs_tmpdir}/clicks")
    assert {"date", "hour", "event_time", "kafka_offset"} <= set(frame.columns)
    assert frame.count() == ledger.ids["clicks"].total()
    purchases = spark.read.parquet(f"{stack.settings.hdfs_rpc_url}{hdfs_tmpdir}/purchases")
    assert purchases.selectExpr("sum(total) AS revenue").collect()[0]["revenue"] == ledger.revenue
    assert purchases.schema["lines"].dataType.elementType.fieldNames() == ["product_id", "category", "quantity", "unit_price"]
    # `souk compact` on the real HDFS: fewer files, the same rows, still readable by Spark.
    env = archiver_env(stack, topics, hdfs_tmpdir, tmp_path)
    dates = sorted({path.split("/date=")[1][:10] for path in clicks.files})
    for date in dates:
        done = subprocess.run(
            [sys.executable, "-m", "archiver.compact", "--topic", "clicks", "--date", date, "--all"],
            env=env,
            capture_output=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr.decode()[-2000:]
    compacted = read_lake(hdfs, Layout(hdfs_tmpdir), "clicks")
    assert compacted.event_ids == ledger.ids["clicks"]
    assert len(compacted.files) < len(clicks.files)
    assert spark.read.parquet(f"{stack.settings.hdfs_rpc_url}{hdfs_tmpdir}/clicks").count() == ledger.ids["clicks"].total()


def test_kill_9_at_random_moments_under_load_loses_and_duplicates_nothing(
    stack: Any, topics: Any, hdfs_tmpdir: str, hdfs: WebHdfsDestination, tmp_path: Path, archiver_proc: list[Any]
) -> None:
    ledger = Ledger()
    env = archiver_env(stack, topics, hdfs_tmpdir, tmp_path, ARCHIVER_ROLL_RECORDS="700", ARCHIVER_ROLL_SECONDS="0.5")
    load = threading.Thread(target=lambda: [produce(stack, topics, ledger, count=1000, seed=s, invalid=3) for s in range(10)])
    load.start()
    problems: list[str] = []
    checked: set[str] = set()
    stop_checking = threading.Event()

    def check_visible_files() -> None:
        checker = WebHdfsDestination(stack.settings.hdfs_url, stack.settings.hdfs_user)
        while not stop_checking.is_set():
            try:
                for base in BASES:
                    lake = read_lake(checker, Layout(hdfs_tmpdir), base)
                    checked.update(lake.files)
                    if lake.event_ids and max(lake.event_ids.values()) > 1:
                        problems.append(f"duplicate rows visible in {base}")
            except AssertionError as error:  # an empty, unreadable or temp file seen by a reader
                problems.append(str(error))
            except FileNotFoundError:
                pass  # listed, then compacted or moved between the listing and the read
            stop_checking.wait(0.2)

    checker = threading.Thread(target=check_visible_files)
    checker.start()
    rng = random.Random(99)
    kills = 0
    try:
        for _ in range(10):
            proc = start(env, tmp_path / "archiver.log")
            archiver_proc.append(proc)
            time.sleep(rng.uniform(2.0, 6.0))  # a random moment in the archiver's life, not a wait for a condition
            children = psutil.Process(proc.pid).children()
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            # The per-topic processes die with the parent: no orphan writes beside the next archiver.
            poll_until(lambda: not any(alive(child) for child in children), "the archiver's child processes to die", timeout=30)  # noqa: B023
            kills += 1
        load.join()
        proc = start(env, tmp_path / "archiver.log")
        archiver_proc.append(proc)
        poll_until(lambda: lake_ids(hdfs, hdfs_tmpdir) == ledger.ids, "every event once after 10 kill -9", timeout=120)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        stop_checking.set()
        checker.join()
        load.join()
    assert kills == 10
    assert not problems, problems[:5]
    assert checked
    assert lake_ids(hdfs, hdfs_tmpdir) == ledger.ids
    assert not any(e.name.endswith(".parquet") for e in hdfs.listdir(f"{hdfs_tmpdir}/_archiver/tmp"))


def test_an_hdfs_outage_mid_run_is_waited_out_and_loses_nothing(
    stack: Any, topics: Any, hdfs_tmpdir: str, hdfs: WebHdfsDestination, tmp_path: Path
) -> None:
    """HDFS "down" through the destination interface (the shared NameNode must stay up for others)."""
    ledger = Ledger()
    produce(stack, topics, ledger, count=600, seed=5, span_ms=HOUR_MS // 2)
    faulty = FaultyDestination(hdfs)
    settings = ArchiverSettings(
        kafka_bootstrap=stack.settings.kafka_bootstrap,
        hdfs_url=stack.settings.hdfs_url,
        topic_prefix=topics.prefix,
        base_dir=hdfs_tmpdir,
        group_id=f"archiver-{topics.prefix}",
        roll_records=1000,
        roll_seconds=2,
    )
    stop = threading.Event()
    errors: list[BaseException] = []

    def archive() -> None:
        try:
            run(settings, stop, destination=RetryingDestination(faulty, Backoff(budget_s=120, max_s=2)))
        except BaseException as error:
            errors.append(error)

    worker = threading.Thread(target=archive)
    faulty.down = True
    worker.start()
    produce(stack, topics, ledger, count=600, seed=6, span_ms=HOUR_MS // 2)
    poll_until(lambda: faulty.calls > 5, "the archiver retrying against the dead HDFS", timeout=60)
    assert lake_ids(hdfs, hdfs_tmpdir) == {base: Counter() for base in BASES}
    faulty.down = False
    produce(stack, topics, ledger, count=600, seed=7, span_ms=HOUR_MS // 2)
    poll_until(lambda: lake_ids(hdfs, hdfs_tmpdir) == ledger.ids, "every event once after the outage", timeout=180)
    stop.set()
    worker.join(timeout=60)
    assert not errors
