"""flume-kafka on the real Kafka and HDFS: contract events land under kafka-data/<topic>/YYYY/MM/DD/HH/."""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from souk.contract import (
    Click,
    InventoryMove,
    Purchase,
    PurchaseLine,
    decode_click,
    decode_inventory,
    decode_purchase,
    encode,
    encode_key,
    new_event_id,
)
from souk.testing.plugin import Stack
from souk.testing.plugin import TestTopics as Topics  # aliased: pytest would try to collect Test*
from souk.testing.poll import poll_until

FlumeAgent = Any  # conftest.FlumeAgent: importlib import mode keeps conftest out of reach of imports
PER_TOPIC = 200
Decoder = Callable[[bytes], Click | Purchase | InventoryMove]
DECODERS: dict[str, Decoder] = {"clicks": decode_click, "purchases": decode_purchase, "inventory": decode_inventory}
HOUR_DIR = re.compile(r"/kafka-data/(?P<topic>[^/]+)/\d{4}/\d{2}/\d{2}/\d{2}/[^/]+$")


def _events(seq: int, now_ms: int) -> dict[str, Click | Purchase | InventoryMove]:
    session = f"s-{seq % 17}"
    price = Decimal("245.50")
    return {
        "clicks": Click(
            event_id=new_event_id(),
            event_time_ms=now_ms,
            session_id=session,
            user_id=f"u-{seq}",
            city="Fès",
            page="product",
            action="view",
            product_id=f"p-{seq % 5}",
            category="Electronics",
        ),
        "purchases": Purchase(
            event_id=new_event_id(),
            event_time_ms=now_ms,
            order_id=f"o-{seq}",
            session_id=session,
            user_id=f"u-{seq}",
            city="Rabat",
            payment_method="Cash on Delivery",
            lines=(PurchaseLine(product_id=f"p-{seq % 5}", category="Electronics", quantity=2, unit_price=price),),
            total=price * 2,
        ),
        "inventory": InventoryMove(
            event_id=new_event_id(),
            event_time_ms=now_ms,
            product_id=f"p-{seq % 5}",
            category="Electronics",
            delta=-2,
            reason="sale",
            stock_level=100,
        ),
    }


def _produce(stack: Stack, topics: Topics, start: int, count: int) -> dict[str, list[str]]:
    from kafka import KafkaProducer

    sent: dict[str, list[str]] = {"clicks": [], "purchases": [], "inventory": []}
    producer = KafkaProducer(bootstrap_servers=stack.settings.kafka_bootstrap, acks="all")
    try:
        for seq in range(start, start + count):
            for base, event in _events(seq, int(time.time() * 1000)).items():
                producer.send(getattr(topics, base), key=encode_key(event), value=encode(event))
                sent[base].append(event.event_id)
        producer.flush(timeout=30)
    finally:
        producer.close()
    return sent


def test_contract_events_land_under_their_topic_and_hour(stack: Stack, topics: Topics, flume_agent: Callable[..., FlumeAgent]) -> None:
    agent = flume_agent("flume-kafka", topics=topics)
    # Half before the agent starts (read from the earliest offset), half while it runs.
    sent = _produce(stack, topics, 0, PER_TOPIC // 2)
    agent.start()
    for base, ids in _produce(stack, topics, PER_TOPIC // 2, PER_TOPIC - PER_TOPIC // 2).items():
        sent[base].extend(ids)
    expected = {getattr(topics, base): Counter(ids) for base, ids in sent.items()}

    def landed() -> dict[str, list[str]]:
        texts = agent.contents()
        if not texts or any(path.rsplit("/", 1)[-1].startswith("_") for path in texts):
            return {}
        by_topic: dict[str, list[str]] = {}
        for path, text in texts.items():
            match = HOUR_DIR.search(path)
            assert match, f"{path} is not under kafka-data/<topic>/YYYY/MM/DD/HH/"
            by_topic.setdefault(match["topic"], []).extend(line for line in text.split("\n") if line)
        total = sum(len(v) for v in by_topic.values())
        return by_topic if total >= 3 * PER_TOPIC else {}

    by_topic = poll_until(landed, f"{3 * PER_TOPIC} events in closed HDFS files", timeout=120, interval=1.0)
    assert set(by_topic) == set(expected)
    for topic, lines in by_topic.items():
        decode = DECODERS[topic.removeprefix(topics.prefix)]
        events = [decode(line.encode("utf-8")) for line in lines]
        assert Counter(e.event_id for e in events) == expected[topic], topic
    assert any(json.loads(line)["city"] == "Fès" for line in by_topic[topics.clicks]), "UTF-8 bodies pass through unchanged"

    source, channel, sink = agent.counters("SOURCE"), agent.counters("CHANNEL"), agent.counters("SINK")
    assert int(source["EventAcceptedCount"]) == 3 * PER_TOPIC
    assert int(channel["EventPutSuccessCount"]) == 3 * PER_TOPIC
    assert int(sink["EventDrainSuccessCount"]) == 3 * PER_TOPIC
    assert int(channel["ChannelSize"]) == 0
