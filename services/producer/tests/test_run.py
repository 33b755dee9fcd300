"""The send loop with an in-memory sink and a fake clock: limits, pacing, stop, failures, side files."""

from __future__ import annotations

import json
from typing import Any

import pytest
from producer.applog import AppLog
from producer.catalogue import generate
from producer.errors import DeliveryFailed, SendRejected
from producer.ledger import Ledger, load
from producer.malformed import Injector, Malformed
from producer.run import Limits, Runner
from producer.sink import MemorySink
from producer.traffic import ShopModel

from souk.contract import ContractError, decode

TOPICS = {"clicks": "t.clicks", "purchases": "t.purchases", "inventory": "t.inventory"}
BASE_OF = {name: base for base, name in TOPICS.items()}
CATALOGUE = generate()


class FakeClock:
    def __init__(self, tick: float = 0.0) -> None:
        self.now = 1000.0
        self.tick = tick

    def __call__(self) -> float:
        self.now += self.tick
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def runner(sink: Any, *, seed: int = 1, rate: float = 0.0, limits: Limits, clock: FakeClock | None = None, **kw: Any) -> Runner:
    clock = clock or FakeClock()
    return Runner(
        ShopModel(CATALOGUE, seed).events(),
        sink,
        Ledger(),
        topic_names=TOPICS,
        rate=rate,
        limits=limits,
        clock=clock,
        sleep=clock.sleep,
        **kw,
    )


def test_sends_exactly_n_events_and_the_ledger_counts_them(tmp_path):
    sink = MemorySink()
    path = tmp_path / "ledger.json"
    run = runner(sink, limits=Limits(events=3_000), ledger_path=path)
    outcome = run.run()
    assert (outcome.stopped_by, outcome.generated, outcome.acked) == ("events", 3_000, 3_000)
    data = load(path).to_json()
    assert sum(t["count"] for t in data["topics"].values()) == 3_000 == len(sink.messages)
    assert data["run"]["complete"] is True and data["run"]["stopped_by"] == "events"
    for topic, _key, value in sink.messages:
        decode(BASE_OF[topic], value)


def test_same_seed_same_messages():
    first, second = MemorySink(), MemorySink()
    runner(first, seed=9, limits=Limits(events=2_000)).run()
    runner(second, seed=9, limits=Limits(events=2_000)).run()
    assert first.messages == second.messages


def test_rate_and_duration_pace_the_sends():
    clock = FakeClock()
    sink = MemorySink()
    outcome = runner(sink, rate=50.0, limits=Limits(duration_s=4.0), clock=clock).run()
    assert outcome.stopped_by == "duration"
    assert 199 <= len(sink.messages) <= 201
    assert clock.now == pytest.approx(1004.0, abs=0.05)


def test_stop_request_ends_the_run_with_a_complete_ledger(tmp_path):
    sink = MemorySink()
    path = tmp_path / "ledger.json"
    run = runner(sink, limits=Limits(), ledger_path=path)
    original_send = sink.send

    def send(topic: str, key: bytes, value: bytes, token: Any) -> None:
        original_send(topic, key, value, token)
        if len(sink.messages) == 1_234:
            run.request_stop("SIGTERM")

    sink.send = send  # type: ignore[method-assign]
    outcome = run.run()
    assert (outcome.stopped_by, outcome.acked) == ("signal", 1_234)
    data = json.loads(path.read_text())
    assert data["run"]["stopped_by"] == "signal" and data["run"]["complete"] is True
    assert sum(t["count"] for t in data["topics"].values()) == 1_234


def test_malformed_messages_are_counted_apart_and_valid_events_are_unchanged():
    plain, mixed = MemorySink(), MemorySink()
    runner(plain, seed=3, limits=Limits(events=5_000)).run()
    run = runner(mixed, seed=3, limits=Limits(events=5_000), injector=Injector(0.1, 3))
    run.run()
    rejected = []
    valid = []
    for topic, key, value in mixed.messages:
        try:
            decode(BASE_OF[topic], value)
            valid.append((topic, key, value))
        except ContractError:
            rejected.append(value)
    assert valid == plain.messages
    data = run.ledger.to_json()
    assert len(rejected) == data["malformed"]["count"] == run.malformed_sent == 500
    assert sum(t["count"] for t in data["topics"].values()) == 5_000


class FailingSink(MemorySink):
    """Acknowledges the first ``good`` messages and fails the rest."""

    def __init__(self, good: int) -> None:
        super().__init__()
        self.good = good
        self._failed: list[tuple[Any, BaseException]] = []

    def send(self, topic: str, key: bytes, value: bytes, token: Any) -> None:
        if len(self.messages) < self.good:
            super().send(topic, key, value, token)
        else:
            self._failed.append((token, TimeoutError("no broker")))

    def drain(self) -> tuple[list[Any], list[tuple[Any, BaseException]]]:
        acked, _ = super().drain()
        failed, self._failed = self._failed, []
        return acked, failed


def test_unacknowledged_sends_stop_the_run_and_stay_out_of_the_totals(tmp_path):
    path = tmp_path / "ledger.json"
    run = runner(FailingSink(good=700), limits=Limits(events=50_000), ledger_path=path, clock=FakeClock(tick=0.01))
    with pytest.raises(DeliveryFailed, match="the ledger counts only the 700 acknowledged"):
        run.run()
    data = json.loads(path.read_text())
    assert sum(t["count"] for t in data["topics"].values()) == 700
    assert data["failed"]["count"] >= 1
    assert data["run"]["complete"] is False and data["run"]["stopped_by"] == "failure"
    assert run.generated < 50_000


def test_heartbeat_and_app_log(tmp_path):
    heartbeat = tmp_path / "run" / "producer.heartbeat"
    app_log_path = tmp_path / "logs" / "producer-app.log"
    app_log = AppLog(app_log_path)
    runner(MemorySink(), limits=Limits(events=4_000), heartbeat=heartbeat, app_log=app_log).run()
    app_log.close()
    assert heartbeat.read_text().startswith("sent 4000 events, ")
    lines = [json.loads(line) for line in app_log_path.read_text(encoding="utf-8").splitlines()]
    actions = {line["action"] for line in lines}
    assert {"session_start", "add_to_cart", "checkout_start", "purchase"} <= actions
    assert all(line["service"] == "producer" and line["level"] == "INFO" and line["ts"].endswith("Z") for line in lines)
    purchase = next(line for line in lines if line["action"] == "purchase")
    assert purchase["currency"] == "MAD" and purchase["total"].count(".") == 1


def test_malformed_token_accounting():
    ledger = Ledger()
    ledger.add_malformed("clicks", "bad_json")
    assert ledger.valid_count == 0
    assert isinstance(Malformed("clicks", b"k", b"v", "bad_json"), Malformed)


class RefusingSink(MemorySink):
    """Takes the first ``good`` messages, then refuses to take any (a broker gone, a full buffer)."""

    def __init__(self, good: int) -> None:
        super().__init__()
        self.good = good

    def send(self, topic: str, key: bytes, value: bytes, token: Any) -> None:
        if len(self.messages) >= self.good:
            raise SendRejected("KafkaTimeoutError: Failed to allocate memory within the configured max blocking time")
        super().send(topic, key, value, token)


def test_a_refused_send_stops_at_once_with_the_ledger_of_what_was_acknowledged(tmp_path):
    path = tmp_path / "ledger.json"
    app_log = AppLog(tmp_path / "app.log")
    run = runner(RefusingSink(good=321), limits=Limits(), ledger_path=path, app_log=app_log)
    with pytest.raises(DeliveryFailed, match="did not acknowledge 1 message"):
        run.run()
    app_log.close()
    data = json.loads(path.read_text())
    assert sum(t["count"] for t in data["topics"].values()) == 321
    assert data["failed"]["count"] == 1
    assert (data["run"]["stopped_by"], data["run"]["complete"]) == ("failure", False)
    errors = [json.loads(line) for line in (tmp_path / "app.log").read_text().splitlines() if '"ERROR"' in line]
    assert [e["action"] for e in errors] == ["send_failed"]
    assert "KafkaTimeoutError" in errors[0]["error"]


class SilentSink(MemorySink):
    """Takes every message and never hears back about any (a broker that went away mid-run)."""

    def drain(self) -> tuple[list[Any], list[tuple[Any, BaseException]]]:
        return [], []

    def unresolved(self) -> int:
        return len(self._acked)


def test_messages_never_acknowledged_are_not_counted_and_fail_the_run(tmp_path):
    path = tmp_path / "ledger.json"
    with pytest.raises(DeliveryFailed, match="500 message"):
        runner(SilentSink(), limits=Limits(events=500), ledger_path=path).run()
    data = json.loads(path.read_text())
    assert sum(t["count"] for t in data["topics"].values()) == 0
    assert (data["run"]["complete"], data["run"]["unresolved"]) == (False, 500)
