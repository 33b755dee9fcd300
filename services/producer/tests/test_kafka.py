"""The producer on the real Kafka: what the ledger says was sent is exactly what the topics hold."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from producer.ledger import Ledger, ids_digest, load

from souk.contract import SOURCE_TOPICS, Click, ContractError, InventoryMove, Purchase, decode
from souk.testing import poll_until

PRODUCER = [sys.executable, "-m", "producer"]


def producer_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(PRODUCER_LOG_LEVEL="WARNING", **extra)
    return env


def read_back(bootstrap: str, prefix: str) -> dict[str, list[bytes]]:
    """Every message value of the three source topics, from the beginning to the current end."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None, consumer_timeout_ms=2_000)
    try:
        partitions = [TopicPartition(spec.name(prefix), p) for spec in SOURCE_TOPICS for p in range(spec.partitions)]
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        end = consumer.end_offsets(partitions)
        values: dict[str, list[bytes]] = {spec.base: [] for spec in SOURCE_TOPICS}
        base_of = {spec.name(prefix): spec.base for spec in SOURCE_TOPICS}

        def caught_up() -> bool:
            for batch in consumer.poll(timeout_ms=500, max_records=5_000).values():
                for record in batch:
                    values[base_of[record.topic]].append(record.value)
            return all(consumer.position(tp) >= end[tp] for tp in partitions)

        poll_until(caught_up, "reading the topics to their end", timeout=60, interval=0)
        return values
    finally:
        consumer.close()


def recount(values: dict[str, list[bytes]]) -> tuple[Ledger, Counter[str]]:
    """A ledger recomputed from what the topics hold, and the malformed messages per topic."""
    ledger = Ledger()
    ledger.keep_event_ids()
    malformed: Counter[str] = Counter()
    for base, raws in values.items():
        for raw in raws:
            try:
                event = decode(base, raw)
            except ContractError:
                malformed[base] += 1
                continue
            assert isinstance(event, Click | Purchase | InventoryMove)
            ledger.add(event)
    return ledger, malformed


def assert_ledger_matches_topics(written: dict[str, Any], values: dict[str, list[bytes]]) -> None:
    recounted, malformed = recount(values)
    found = recounted.to_json()
    for base in ("clicks", "purchases", "inventory"):
        assert found["topics"][base] == written["topics"][base], base
        assert written["malformed"]["by_topic"][base] == malformed[base], base
    # Independent of the Ledger class: plain sums over the decoded purchases.
    purchases = [decode("purchases", raw) for raw in values["purchases"] if _valid("purchases", raw)]
    by_city: dict[str, Decimal] = defaultdict(Decimal)
    by_category: dict[str, Decimal] = defaultdict(Decimal)
    for p in purchases:
        assert isinstance(p, Purchase)
        by_city[p.city] += p.total
        for line in p.lines:
            by_category[line.category] += line.unit_price * line.quantity
    assert {k: Decimal(v["revenue"]) for k, v in written["by_city"].items() if k in by_city} == dict(by_city)
    assert {k: Decimal(v["revenue"]) for k, v in written["by_category"].items() if k in by_category} == dict(by_category)
    for section in ("orders", "clicks", "by_category", "by_city", "by_payment_method", "by_hour", "by_product", "inventory", "funnel"):
        assert found[section] == written[section], section


def _valid(base: str, raw: bytes) -> bool:
    try:
        decode(base, raw)
    except ContractError:
        return False
    return True


def test_seeded_run_lands_in_kafka_exactly_as_the_ledger_says(stack, topics, tmp_path):
    ledger_path = tmp_path / "ledger.json"
    app_log = tmp_path / "producer-app.log"
    args = ["--events", "4000", "--rate", "0", "--seed", "7", "--topic-prefix", topics.prefix, "--ledger", str(ledger_path)]
    args += ["--ledger-event-ids", "--inject-bad", "0.02", "--catalogue", "generated", "--app-log", str(app_log)]
    result = subprocess.run([*PRODUCER, *args], capture_output=True, text=True, env=producer_env(), timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("sent 4000 events (")
    written = json.loads(ledger_path.read_text(encoding="utf-8"))
    assert written["run"]["seed"] == 7 and written["run"]["clock"] == "sim" and written["run"]["complete"] is True
    assert sum(t["count"] for t in written["topics"].values()) == 4000
    assert written["malformed"]["count"] == 80

    values = read_back(stack.settings.kafka_bootstrap, topics.prefix)
    assert_ledger_matches_topics(written, values)
    for base, ids in written["event_ids"].items():
        in_kafka = [json.loads(raw)["event_id"] for raw in values[base] if _valid(base, raw)]
        assert Counter(in_kafka) == Counter(ids), base
        assert ids_digest(in_kafka) == written["topics"][base]["ids_digest"]
    assert any(json.loads(line)["action"] == "purchase" for line in app_log.read_text(encoding="utf-8").splitlines())


def test_sigterm_mid_run_leaves_a_ledger_that_matches_kafka(stack, topics, tmp_path):
    ledger_path = tmp_path / "ledger.json"
    heartbeat = tmp_path / "producer.heartbeat"
    args = ["--rate", "400", "--seed", "11", "--topic-prefix", topics.prefix, "--ledger", str(ledger_path), "--catalogue", "generated"]
    args += ["--app-log", "none", "--heartbeat", str(heartbeat)]
    process = subprocess.Popen(
        [*PRODUCER, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=producer_env(PRODUCER_HEARTBEAT_EVERY="0.2"),
    )
    try:

        def sent() -> int:
            text = heartbeat.read_text(encoding="utf-8") if heartbeat.exists() else "sent 0 "
            return int(text.split()[1])

        poll_until(lambda: sent() >= 300, "the producer to have 300 events acknowledged", timeout=90)
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, stderr
    written = load(ledger_path).to_json()
    assert written["run"]["stopped_by"] == "signal" and written["run"]["complete"] is True
    assert written["run"]["clock"] == "wall"
    assert sum(t["count"] for t in written["topics"].values()) >= 300
    assert "stopped by signal" in stdout
    assert_ledger_matches_topics(written, read_back(stack.settings.kafka_bootstrap, topics.prefix))


def test_a_missing_topic_is_one_line_and_exit_1(stack, tmp_path):
    args = [
        "--events",
        "10",
        "--topic-prefix",
        "no-such-prefix-for-producer.",
        "--ledger",
        str(tmp_path / "l.json"),
        "--catalogue",
        "generated",
    ]
    result = subprocess.run([*PRODUCER, *args], capture_output=True, text=True, env=producer_env(), timeout=120, check=False)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("producer: topic(s) no-such-prefix-for-producer.clicks, ") and "missing" in last
    assert "Traceback" not in result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_kafka_down_retries_then_one_line_and_exit_1(tmp_path):
    args = ["--events", "10", "--bootstrap", f"127.0.0.1:{_free_port()}", "--connect-timeout", "2", "--catalogue", "generated"]
    args += ["--ledger", str(tmp_path / "l.json"), "--app-log", "none"]
    result = subprocess.run([*PRODUCER, *args], capture_output=True, text=True, env=producer_env(), timeout=120, check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("producer: Kafka at 127.0.0.1:") and "unreachable after" in last
    assert not (tmp_path / "l.json").exists()


def test_ledger_files_default_under_souk_home(stack, topics, tmp_path):
    env = producer_env(SOUK_HOME=str(tmp_path))
    args = ["--events", "50", "--rate", "0", "--seed", "3", "--topic-prefix", topics.prefix, "--catalogue", "generated"]
    result = subprocess.run([*PRODUCER, *args], capture_output=True, text=True, env=env, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    ledgers = list((tmp_path / "ledgers").glob("producer-3-*Z.json"))
    assert len(ledgers) == 1
    assert load(ledgers[0]).valid_count == 50
    assert (tmp_path / "logs" / "producer-app.log").stat().st_size > 0
