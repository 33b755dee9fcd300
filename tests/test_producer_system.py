"""`souk produce` on the running stack: the catalogue from MariaDB, events in Kafka, the ledger true to both."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from kafka import KafkaConsumer, TopicPartition

from souk.contract import SOURCE_TOPICS, ContractError, decode
from souk.testing import poll_until


def test_souk_produce_fills_the_topics_the_ledger_describes(stack, topics, tmp_path):
    ledger_path = tmp_path / "ledger.json"
    command = [sys.executable, "-m", "souk", "produce", "--events", "600", "--rate", "0", "--seed", "5"]
    command += ["--topic-prefix", topics.prefix, "--ledger", str(ledger_path), "--ledger-event-ids", "--app-log", "none"]
    env = {**os.environ, "PRODUCER_LOG_LEVEL": "WARNING"}
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    ledger = json.loads(ledger_path.read_text(encoding="utf-8"))
    assert ledger["run"]["catalogue"] in ("db", "generated (written to MariaDB)")

    with stack.mysql() as conn:
        cursor = conn.cursor()
        cursor.execute("SELECT product_id FROM products")
        catalogue = {row[0] for row in cursor.fetchall()}
    assert set(ledger["by_product"]) <= catalogue

    consumer = KafkaConsumer(bootstrap_servers=stack.settings.kafka_bootstrap, enable_auto_commit=False, group_id=None)
    try:
        partitions = [TopicPartition(spec.name(topics.prefix), p) for spec in SOURCE_TOPICS for p in range(spec.partitions)]
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        end = consumer.end_offsets(partitions)
        ids: dict[str, list[str]] = {spec.base: [] for spec in SOURCE_TOPICS}
        base_of = {spec.name(topics.prefix): spec.base for spec in SOURCE_TOPICS}

        def caught_up() -> bool:
            for batch in consumer.poll(timeout_ms=500).values():
                for record in batch:
                    try:
                        ids[base_of[record.topic]].append(decode(base_of[record.topic], record.value).event_id)  # type: ignore[union-attr]
                    except ContractError:
                        raise AssertionError(f"malformed message in {record.topic} at offset {record.offset}") from None
            return all(consumer.position(tp) >= end[tp] for tp in partitions)

        poll_until(caught_up, "reading the three topics to their end", timeout=60, interval=0)
    finally:
        consumer.close()
    for base, listed in ledger["event_ids"].items():
        assert sorted(ids[base]) == sorted(listed), base
        assert ledger["topics"][base]["count"] == len(ids[base])
