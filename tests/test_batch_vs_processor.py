"""Funnel and affinity from Spark equal the processor's on the same events.

One seeded set of contract events (two days of shopping sessions, batch.synthetic) goes two ways:
to fresh Kafka topics read by a real `python -m processor worker`, and into an archive in HDFS in
the archiver's layout read by the batch views. The processor's funnel windows are set to one day
(PROCESSOR_FUNNEL_SECONDS=86400: tumbling windows from the epoch, i.e. UTC days), the batch
funnel's grain, so both count the sessions reaching each step per UTC day. The processor's
/affinity covers everything since it started, so the batch's per-day affinity is summed over
the two days.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
import uuid
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from batch.daily import aggregate_dates
from batch.hdfs import Hdfs
from batch.settings import batch_settings
from batch.synthetic import Events, days_events, write_archive
from batch.warehouse import read_view
from processor.traffic import Record, send

from souk.contract import encode, encode_key
from souk.stack.provision import ensure_topics
from souk.testing import poll_until

DAYS = ("2026-02-10", "2026-02-11")
STEPS = ("home", "category", "product", "cart", "checkout", "purchase")
DAY_MS = 86_400_000
# Windows of past days must outlive the test: expiry is measured on the wall clock.
TEN_YEARS_S = 10 * 365 * 86_400


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(port: int, path: str) -> Any:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
        return json.load(response)


def records(events: Events) -> list[Record]:
    return [Record(topic, encode_key(e), encode(e)) for topic, items in events.by_topic().items() for e in items]


@dataclasses.dataclass
class BothSides:
    events: Events
    processor_funnel: dict[str, Any]
    processor_affinity: dict[str, Any]
    batch_funnel: list[Any]
    batch_affinity_category: list[Any]
    batch_affinity_product: list[Any]


def run_processor(stack: Any, prefix: str, events: Events, tmp: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Send `events` to `<prefix>` topics, let one worker handle them all; its /funnel and /affinity."""
    send(stack.settings.kafka_bootstrap, prefix, records(events))
    port = free_port()
    env = {
        **os.environ,
        "SOUK_TOPIC_PREFIX": prefix,
        "KAFKA_BOOTSTRAP": stack.settings.kafka_bootstrap,
        "PROCESSOR_PORT": str(port),
        "PROCESSOR_DATA_DIR": str(tmp / "processor-data"),
        "PROCESSOR_LOG_LEVEL": "WARNING",
        "PROCESSOR_FUNNEL_SECONDS": "86400",
        "PROCESSOR_LATENESS_SECONDS": str(TEN_YEARS_S),
    }
    log = tmp / "processor.log"
    with log.open("ab") as out:
        worker = subprocess.Popen([sys.executable, "-m", "processor", "worker"], env=env, stdout=out, stderr=subprocess.STDOUT)
    expected = {topic: len(items) for topic, items in events.by_topic().items()}
    try:

        def all_handled() -> bool:
            if worker.poll() is not None:
                raise AssertionError(f"the worker exited {worker.returncode}: {log.read_text(errors='replace')[-2000:]}")
            handled = {topic: counts["accepted"] for topic, counts in get(port, "/totals")["events"].items()}
            return handled == expected

        poll_until(all_handled, f"the processor to handle {expected}", timeout=300, interval=0.5)
        return get(port, "/funnel?window=86400s&last=1000"), get(port, "/affinity?n=1000")
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


@pytest.fixture(scope="module")
def both(stack: Any, spark: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BothSides]:
    events = days_events(DAYS, sessions=200, first_seed=21)

    tag = uuid.uuid4().hex[:10]
    prefix = f"test-batch-vs-processor-{tag}."
    base = f"/tmp/souk-tests/batch-vs-processor-{tag}"
    created = ensure_topics(stack.settings, prefix=prefix)
    hdfs_client = stack.hdfs()
    try:
        funnel, affinity = run_processor(stack, prefix, events, tmp_path_factory.mktemp("processor"))

        settings = dataclasses.replace(
            batch_settings(),
            archive_dir=f"{base}/data/ecommerce",
            warehouse_dir=f"{base}/warehouse",
            reports_dir=f"{base}/reports",
            local_reports_dir=tmp_path_factory.mktemp("reports"),
        )
        write_archive(Hdfs(settings), settings.archive_dir, events, DAYS, partitions=2)
        aggregate_dates(spark, settings, list(DAYS))

        def rows(view: str) -> list[Any]:
            df = read_view(spark, settings, view, list(DAYS))
            assert df is not None, f"{view} was not written"
            return df.collect()

        yield BothSides(events, funnel, affinity, rows("funnel"), rows("affinity_category"), rows("affinity_product"))
    finally:
        hdfs_client.delete(base, recursive=True)
        admin = stack.kafka_admin()
        try:
            internal = [t for t in admin.list_topics() if t.startswith(prefix)]
            admin.delete_topics(sorted(set(created) | set(internal)))
        finally:
            admin.close()


def day_of(start_ms: int) -> str:
    return dt.datetime.fromtimestamp(start_ms / 1000, tz=dt.UTC).date().isoformat()


def test_funnel_sessions_per_step_and_day_agree(both: BothSides) -> None:
    processor: dict[tuple[str, str], int] = {}
    for window in both.processor_funnel["windows"]:
        assert window["end_ms"] - window["start_ms"] == DAY_MS and window["start_ms"] % DAY_MS == 0
        for step in window["steps"]:
            processor[day_of(window["start_ms"]), step["step"]] = step["sessions"]
    batch = {(r["date"], r["step"]): r["sessions"] for r in both.batch_funnel}

    assert sorted({d for d, _ in processor}) == list(DAYS)
    assert set(batch) == {(d, s) for d in DAYS for s in STEPS}
    assert batch == processor
    assert all(batch[d, "purchase"] > 0 for d in DAYS), "the days should hold purchases"


def product_figures(both: BothSides) -> tuple[dict[tuple[str, str], tuple[Any, ...]], dict[tuple[str, str], tuple[Any, ...]]]:
    """(category, product) → (views, orders, units, revenue): the processor's, and the batch's summed over the days."""
    processor = {
        (category, p["product_id"]): (p["views"], p["orders"], p["units"], Decimal(p["revenue"]))
        for category, entry in both.processor_affinity["by_category"].items()
        for p in entry["products"]
    }
    summed: dict[tuple[str, str], list[Any]] = defaultdict(lambda: [0, 0, 0, Decimal("0.00")])
    for r in both.batch_affinity_product:
        figures = summed[r["category"], r["product_id"]]
        for i, name in enumerate(("views", "orders", "units", "revenue")):
            figures[i] += r[name]
    return processor, {key: tuple(v) for key, v in summed.items()}


def test_affinity_per_product_agrees(both: BothSides) -> None:
    processor, batch = product_figures(both)
    assert batch == processor
    assert sum(v[0] for v in batch.values()) > 0 and sum(v[1] for v in batch.values()) > 0


def test_affinity_per_category_views_units_revenue_agree(both: BothSides) -> None:
    processor = {
        category: (entry["views"], entry["units"], Decimal(entry["revenue"]))
        for category, entry in both.processor_affinity["by_category"].items()
    }
    summed: dict[str, list[Any]] = defaultdict(lambda: [0, 0, Decimal("0.00")])
    for r in both.batch_affinity_category:
        for i, name in enumerate(("views", "units", "revenue")):
            summed[r["category"]][i] += r[name]
    assert {c: tuple(v) for c, v in summed.items()} == processor


def test_affinity_per_category_orders_agree(both: BothSides) -> None:
    processor = {category: entry["orders"] for category, entry in both.processor_affinity["by_category"].items()}
    summed: dict[str, int] = defaultdict(int)
    for r in both.batch_affinity_category:
        summed[r["category"]] += r["orders"]
    assert dict(summed) == processor
    # Where "distinct orders" and "sum of product orders" part: an order of two products of one category.
    assert any(
        any(sum(1 for li in p.lines if li.category == c) > 1 for c in {li.category for li in p.lines}) for p in both.events.purchases
    ), "the events should hold an order with two products of one category"
