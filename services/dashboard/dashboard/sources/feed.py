"""A background consumer of the `kpis` and `alerts` topics keeping the latest KPIs and the last N alerts.

One daemon thread polls; Dash callbacks (several threads) read copies under a lock. It starts from
the last few hundred KPI records and the last N alerts, so a fresh page shows current figures at
once, and reconnects with back-off when Kafka goes away (the live page then shows a banner).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from dashboard.sources.base import Unavailable, reason_of
from souk.logs import get_logger

SOURCE = "kpis/alerts feed"
KPI_BACKLOG = 500

log = get_logger(component="feed")


@dataclass(frozen=True)
class KpiValue:
    name: str
    labels: tuple[tuple[str, str], ...]
    value: str
    event_time_ms: int
    window_start_ms: int | None
    window_end_ms: int | None

    @property
    def label_text(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.labels)


@dataclass(frozen=True)
class AlertItem:
    kind: str
    message: str
    event_time_ms: int
    fields: dict[str, Any]


@dataclass(frozen=True)
class FeedSnapshot:
    kpis: list[KpiValue]
    alerts: list[AlertItem]
    received: int
    last_message_ms: int | None


def parse_kpi(raw: bytes) -> KpiValue:
    data = json.loads(raw)
    labels = data.get("labels") or {}
    pairs = tuple(sorted((str(k), str(v)) for k, v in (labels.items() if isinstance(labels, dict) else labels)))
    return KpiValue(
        name=str(data["name"]),
        labels=pairs,
        value=str(data["value"]),
        event_time_ms=int(data.get("event_time_ms", 0)),
        window_start_ms=data.get("window_start_ms"),
        window_end_ms=data.get("window_end_ms"),
    )


def parse_alert(raw: bytes) -> AlertItem:
    data = json.loads(raw)
    fields = {
        k: v for k, v in data.items() if k not in ("kind", "message", "event_time_ms", "event_id", "schema_version") and v is not None
    }
    return AlertItem(
        kind=str(data["kind"]), message=str(data.get("message", "")), event_time_ms=int(data.get("event_time_ms", 0)), fields=fields
    )


class LiveFeed:
    """Latest value per (KPI name, labels) and the last ``keep_alerts`` alerts, updated by one thread."""

    def __init__(self, bootstrap: str, kpis_topic: str, alerts_topic: str, keep_alerts: int, timeout: float) -> None:
        self.bootstrap = bootstrap
        self.kpis_topic = kpis_topic
        self.alerts_topic = alerts_topic
        self.timeout = timeout
        self._lock = threading.Lock()
        self._kpis: dict[tuple[str, tuple[tuple[str, str], ...]], KpiValue] = {}
        self._alerts: deque[AlertItem] = deque(maxlen=keep_alerts)
        self._received = 0
        self._last_ms: int | None = None
        self._problem: str | None = "starting"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="dashboard-feed", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def snapshot(self) -> FeedSnapshot | Unavailable:
        with self._lock:
            if self._problem is not None and not self._received:
                return Unavailable(SOURCE, self._problem)
            return FeedSnapshot(
                kpis=sorted(self._kpis.values(), key=lambda k: (k.name, k.labels)),
                alerts=list(reversed(self._alerts)),
                received=self._received,
                last_message_ms=self._last_ms,
            )

    @property
    def problem(self) -> str | None:
        with self._lock:
            return self._problem

    def _set_problem(self, problem: str | None) -> None:
        with self._lock:
            self._problem = problem

    def _run(self) -> None:
        backoff = 0.5
        while not self._stop.is_set():
            consumer = None
            try:
                consumer = self._connect()
                self._set_problem(None)
                backoff = 0.5
                while not self._stop.is_set():
                    self._apply(consumer.poll(timeout_ms=250, max_records=1000))
            except Exception as error:  # Kafka away or topics missing: say so, retry with back-off
                reason = reason_of(error)
                self._set_problem(reason)
                log.warning("dashboard.feed.unavailable", reason=reason, retry_in_s=backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)
            finally:
                if consumer is not None:
                    consumer.close()

    def _connect(self) -> Any:
        from kafka import KafkaConsumer, TopicPartition

        millis = max(1000, int(self.timeout * 1000))
        consumer = KafkaConsumer(
            bootstrap_servers=self.bootstrap,
            client_id="dashboard-feed",
            group_id=None,
            enable_auto_commit=False,
            request_timeout_ms=2 * millis,
            bootstrap_timeout_ms=2 * millis,
        )
        try:
            tps: list[Any] = []
            backlog = {self.kpis_topic: KPI_BACKLOG, self.alerts_topic: self._alerts.maxlen or 50}
            for topic in (self.kpis_topic, self.alerts_topic):
                partitions = consumer.partitions_for_topic(topic)
                if not partitions:
                    raise LookupError(f"no topic {topic!r}")
                tps.extend(TopicPartition(topic, p) for p in sorted(partitions))
            consumer.assign(tps)
            lows = consumer.beginning_offsets(tps)
            highs = consumer.end_offsets(tps)
            for tp in tps:
                consumer.seek(tp, max(lows[tp], highs[tp] - backlog[tp.topic]))
        except Exception:
            consumer.close()
            raise
        return consumer

    def _apply(self, polled: dict[Any, list[Any]]) -> None:
        if not polled:
            return
        kpis: list[KpiValue] = []
        alerts: list[AlertItem] = []
        count = 0
        for tp, records in polled.items():
            for record in records:
                count += 1
                try:
                    if tp.topic == self.kpis_topic:
                        kpis.append(parse_kpi(record.value))
                    else:
                        alerts.append(parse_alert(record.value))
                except (ValueError, KeyError, TypeError) as error:
                    log.warning(
                        "dashboard.feed.bad_record", topic=tp.topic, partition=tp.partition, offset=record.offset, reason=str(error)
                    )
        with self._lock:
            for kpi in kpis:
                key = (kpi.name, kpi.labels)
                have = self._kpis.get(key)
                if have is None or kpi.event_time_ms >= have.event_time_ms:
                    self._kpis[key] = kpi
            alerts.sort(key=lambda a: a.event_time_ms)
            self._alerts.extend(alerts)
            self._received += count
            self._last_ms = int(time.time() * 1000)
