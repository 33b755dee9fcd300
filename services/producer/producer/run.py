"""The send loop: model events through the sink at a rate, with the ledger, app log and heartbeat.

Stops when the event or time budget is spent, when ``request_stop`` is called (the SIGTERM and
Ctrl-C handlers do), or when the sink fails; in every case it flushes the sink, accounts for every
acknowledgement that came back, and writes the final ledger.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from producer.applog import AppLog
from producer.errors import DeliveryFailed, SendRejected
from producer.ledger import Ledger
from producer.malformed import Injector, Malformed
from producer.profile import weight_at
from producer.sink import Sink
from souk.contract import Click, InventoryMove, Purchase, encode, encode_key
from souk.logs import get_logger

log = get_logger()

SourceEvent = Click | Purchase | InventoryMove
# Bookkeeping (drain acks, pace, check limits) every this many events when sending flat out.
_CHECK_EVERY: Final = 512
# Acknowledgements, heartbeat and ledger are looked at this often (seconds).
_TICK_S: Final = 0.1


@dataclass(frozen=True)
class Limits:
    """When to stop: after ``events`` valid events, after ``duration_s`` seconds, or never (both None)."""

    events: int | None = None
    duration_s: float | None = None


@dataclass
class Outcome:
    """How a run ended."""

    stopped_by: str
    generated: int
    acked: int
    failed: int
    elapsed_s: float


class Runner:
    """Sends the events of one model run; build it, then call ``run()`` once."""

    def __init__(
        self,
        events: Iterator[SourceEvent],
        sink: Sink,
        ledger: Ledger,
        *,
        topic_names: dict[str, str],
        rate: float,
        limits: Limits,
        ledger_path: Path | None = None,
        ledger_every_s: float = 30.0,
        app_log: AppLog | None = None,
        injector: Injector | None = None,
        heartbeat: Path | None = None,
        heartbeat_every_s: float = 3.0,
        follow_profile: bool = False,
        flush_timeout_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._events = events
        self._sink = sink
        self.ledger = ledger
        self._topics = topic_names
        self._rate = rate
        self._limits = limits
        self._ledger_path = ledger_path
        self._ledger_every_s = ledger_every_s
        self._app_log = app_log or AppLog(None)
        self._injector = injector
        self._heartbeat = heartbeat
        self._heartbeat_every_s = heartbeat_every_s
        self._follow_profile = follow_profile
        self._flush_timeout_s = flush_timeout_s
        self._clock = clock
        self._sleep = sleep
        self._stop_reason: str | None = None
        self._failures: list[tuple[object, BaseException]] = []
        self.generated = 0
        self.malformed_sent = 0
        self._last_beat = (0.0, 0)

    def request_stop(self, reason: str) -> None:
        """Ask the loop to stop after the current event (safe from a signal handler)."""
        if self._stop_reason is None:
            self._stop_reason = reason

    def run(self) -> Outcome:
        """Send until a limit, a stop request or a failure; the ledger is saved on every way out."""
        started = self._clock()
        self._last_beat = (started, 0)
        self.ledger.run.update(stopped_by=None, complete=False)
        stopped_by = "stop"
        try:
            stopped_by = self._loop(started)
        finally:
            self._sink.flush(self._flush_timeout_s)
            self._account()
            failed = sum(self.ledger.failed_by_topic.values())
            unresolved = self._sink.unresolved()
            complete = not self._failures and not unresolved and stopped_by in ("events", "duration", "signal", "stop")
            self.ledger.run.update(finished_at=_utc_now(), stopped_by=stopped_by, complete=complete, unresolved=unresolved)
            self._save_ledger()
            self._write_heartbeat(self._clock(), final=True)
            self._app_log.flush()
        outcome = Outcome(stopped_by, self.generated, self.ledger.valid_count, failed, self._clock() - started)
        if self._failures:
            _token, error = self._failures[0]
            raise DeliveryFailed(
                f"Kafka did not acknowledge {len(self._failures)} message(s) "
                f"({type(error).__name__}: {error}); the ledger counts only the {outcome.acked} acknowledged"
            )
        if unresolved:
            raise DeliveryFailed(
                f"{unresolved} message(s) still unacknowledged after {self._flush_timeout_s:.0f} s of flushing; "
                f"the ledger counts only the {outcome.acked} acknowledged"
            )
        return outcome

    def _loop(self, started: float) -> str:
        events = self._events
        sink = self._sink
        topics = self._topics
        injector = self._injector
        app_log = self._app_log
        max_events = self._limits.events
        deadline = None if self._limits.duration_s is None else started + self._limits.duration_s
        next_check = 0
        next_tick = started
        next_heartbeat = started
        next_ledger = started + self._ledger_every_s
        # Pacing: event i is due at paced_from + i / rate; a new rate (the profile) restarts the schedule.
        paced_from, paced_count, rate = started, 0, self._current_rate()
        if max_events == 0:
            return "events"
        while True:
            if self._stop_reason is not None:
                return "signal" if self._stop_reason.startswith("SIG") else self._stop_reason
            if self.generated >= next_check:
                now = self._clock()
                if deadline is not None and now >= deadline:
                    return "duration"
                if now >= next_tick:
                    next_tick = now + _TICK_S
                    self._account()
                    if self._failures:
                        return "failure"
                    if now >= next_heartbeat:
                        next_heartbeat = now + self._heartbeat_every_s
                        self._write_heartbeat(now)
                        app_log.flush()
                        new_rate = self._current_rate()
                        if new_rate != rate:
                            paced_from, paced_count, rate = now, 0, new_rate
                    if now >= next_ledger:
                        next_ledger = now + self._ledger_every_s
                        self._save_ledger()
                if rate > 0:
                    due = paced_from + paced_count / rate
                    if due > now:
                        wait = min(due - now, _TICK_S)
                        if deadline is not None:
                            wait = min(wait, max(deadline - now, 0.0))
                        self._sleep(wait)
                        continue
                    next_check = self.generated + 1
                else:
                    next_check = self.generated + _CHECK_EVERY
            event = next(events)
            try:
                sink.send(topics[event.topic.base], encode_key(event), encode(event), event)
            except SendRejected as exc:
                self._reject(event, exc)
                return "failure"
            self.generated += 1
            paced_count += 1
            app_log.event(event)
            if injector is not None:
                bad = injector.after(event)
                if bad is not None:
                    try:
                        sink.send(topics[bad.topic_base], bad.key, bad.value, bad)
                    except SendRejected as exc:
                        self._reject(bad, exc)
                        return "failure"
                    self.malformed_sent += 1
            if max_events is not None and self.generated >= max_events:
                return "events"

    def _current_rate(self) -> float:
        if not self._follow_profile or self._rate <= 0:
            return self._rate
        return self._rate * weight_at(int(time.time() * 1000))

    def _reject(self, token: SourceEvent | Malformed, error: BaseException) -> None:
        base = token.topic_base if type(token) is Malformed else token.topic.base  # type: ignore[union-attr]
        self.ledger.add_failed(base)
        self._note_failure(token, base, error)

    def _note_failure(self, token: object, base: str, error: BaseException) -> None:
        if not self._failures:
            log.error("producer.send.failed", topic=self._topics[base], error=f"{type(error).__name__}: {error}")
            self._app_log.error("send_failed", topic=self._topics[base], error=f"{type(error).__name__}: {error}")
        self._failures.append((token, error))

    def _account(self) -> None:
        acked, failed = self._sink.drain()
        ledger = self.ledger
        for token in acked:
            if type(token) is Malformed:
                ledger.add_malformed(token.topic_base, token.kind)
            else:
                ledger.add(token)
        for token, error in failed:
            base = token.topic_base if type(token) is Malformed else token.topic.base
            ledger.add_failed(base)
            self._note_failure(token, base, error)

    def _save_ledger(self) -> None:
        if self._ledger_path is not None:
            self.ledger.save(self._ledger_path)

    def _write_heartbeat(self, now: float, *, final: bool = False) -> None:
        if self._heartbeat is None:
            return
        acked = self.ledger.valid_count
        last_time, last_acked = self._last_beat
        rate = (acked - last_acked) / (now - last_time) if now > last_time else 0.0
        self._last_beat = (now, acked)
        status = f"sent {acked} events, {rate:.1f} ev/s" + (" (stopped)" if final else "")
        tmp = self._heartbeat.with_name(self._heartbeat.name + ".tmp")
        self._heartbeat.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(status + "\n", encoding="utf-8")
        os.replace(tmp, self._heartbeat)


def _utc_now() -> str:
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z"
