"""Test support shipped with the package: contract events, an in-memory DLQ, fault injection, a lake reader."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from archiver.destinations import Destination, DestinationUnavailable, Entry
from archiver.formats import from_parquet
from archiver.layout import HOUR_MS, FileName, Layout
from archiver.writer import Archiver, RollPolicy
from souk.contract import (
    CATEGORIES,
    CITIES,
    PAYMENT_METHODS,
    Click,
    DeadLetter,
    Event,
    InventoryMove,
    Purchase,
    PurchaseLine,
    encode,
    new_event_id,
)

PAGES_WITH_PRODUCT = ("product", "cart")


def random_event(topic_base: str, time_ms: int, rng: random.Random) -> Event:
    """A valid contract event of `topic_base` at `time_ms`."""
    city = rng.choice(CITIES)
    category = rng.choice(CATEGORIES)
    product = f"P{rng.randrange(1000):04d}"
    session = f"S{rng.randrange(10**6):06d}"
    user = f"U{rng.randrange(10**5):05d}"
    if topic_base == "clicks":
        if rng.random() < 0.5:
            return Click(
                event_id=new_event_id(), event_time_ms=time_ms, session_id=session, user_id=user, city=city, page="home", action="view"
            )
        return Click(
            event_id=new_event_id(),
            event_time_ms=time_ms,
            session_id=session,
            user_id=user,
            city=city,
            page=rng.choice(PAGES_WITH_PRODUCT),
            action="add_to_cart",
            product_id=product,
            category=category,
        )
    if topic_base == "purchases":
        lines = tuple(
            PurchaseLine(
                product_id=f"P{rng.randrange(1000):04d}",
                category=rng.choice(CATEGORIES),
                quantity=rng.randint(1, 3),
                unit_price=Decimal(rng.randrange(100, 500_000)).scaleb(-2),
            )
            for _ in range(rng.randint(1, 3))
        )
        total = sum((line.unit_price * line.quantity for line in lines), Decimal("0.00"))
        return Purchase(
            event_id=new_event_id(),
            event_time_ms=time_ms,
            order_id=f"O{rng.randrange(10**9):09d}",
            session_id=session,
            user_id=user,
            city=city,
            payment_method=rng.choice(PAYMENT_METHODS),
            lines=lines,
            total=total,
        )
    if topic_base == "inventory":
        delta = rng.choice((-2, -1, 5, 10))
        return InventoryMove(
            event_id=new_event_id(),
            event_time_ms=time_ms,
            product_id=product,
            category=category,
            delta=delta,
            reason="sale" if delta < 0 else "restock",
            stock_level=rng.randrange(0, 500),
        )
    raise ValueError(f"no events for topic {topic_base!r}")


INVALID_VALUES = (b"not json", b'{"event_id": "x"}', b"\xff\xfe", b"[]")


BASE = "/data/ecommerce"
TOPICS = {"t.clicks": "clicks", "t.purchases": "purchases", "t.inventory": "inventory"}
T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z


@dataclass
class FakeClock:
    now: float = 1_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class ScriptedLog:
    """What Kafka would hold: per topic-partition, the message values by offset."""

    values: dict[tuple[str, int], list[bytes]] = field(default_factory=dict)
    event_ids: list[str] = field(default_factory=list)
    invalid: list[tuple[str, int, int]] = field(default_factory=list)

    def feed(self, archiver: Archiver, resume: dict[tuple[str, int], int | None], step: Callable[[], None] | None = None) -> None:
        for (topic, partition), values in self.values.items():
            start = resume.get((topic, partition)) or 0
            for offset in range(start, len(values)):
                archiver.add(topic, partition, offset, values[offset])
                if step is not None:
                    step()


def scripted_log(
    events_per_partition: int = 40,
    partitions: int = 2,
    hours: int = 3,
    invalid_every: int = 9,
    seed: int = 7,
    topics: tuple[str, ...] = tuple(TOPICS),
) -> ScriptedLog:
    """Events of the three topics whose event times wander over `hours` hours, with some invalid ones."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data
    log = ScriptedLog()
    for topic in topics:
        base = TOPICS[topic]
        for partition in range(partitions):
            values = []
            for offset in range(events_per_partition):
                if invalid_every and offset % invalid_every == invalid_every - 1:
                    values.append(INVALID_VALUES[offset % len(INVALID_VALUES)])
                    log.invalid.append((topic, partition, offset))
                    continue
                time_ms = T0 + rng.randrange(hours * HOUR_MS)
                event = random_event(base, time_ms, rng)
                log.event_ids.append(event.event_id)  # type: ignore[union-attr]
                values.append(encode(event))
            log.values[(topic, partition)] = values
    return log


@dataclass
class ListDeadLetters:
    """A DeadLetterSink in memory: `sent` has every letter, `flushed` those a flush acknowledged."""

    sent: list[DeadLetter] = field(default_factory=list)
    flushed: int = 0

    def send(self, letter: DeadLetter) -> None:
        self.sent.append(letter)

    def flush(self) -> None:
        self.flushed = len(self.sent)


class Crash(BaseException):
    """A simulated kill -9: not an Exception, so nothing in the archiver catches or retries it."""


class FaultyDestination:
    """Wraps a Destination: `down` makes every call fail as unavailable; `crash_at` kills the k-th change."""

    def __init__(self, inner: Destination, crash_at: int | None = None) -> None:
        self.inner = inner
        self.crash_at = crash_at
        self.changes = 0
        self.down = False
        self.fail_next = 0
        self.calls = 0

    def _gate(self, changes: bool) -> None:
        self.calls += 1
        if self.down or self.fail_next > 0:
            self.fail_next = max(0, self.fail_next - 1)
            raise DestinationUnavailable("injected: HDFS is down")
        if changes:
            self.changes += 1
            if self.crash_at is not None and self.changes >= self.crash_at:
                raise Crash(f"crash at change {self.changes}")

    def write(self, path: str, data: bytes) -> None:
        self._gate(True)
        self.inner.write(path, data)

    def read(self, path: str) -> bytes:
        self._gate(False)
        return self.inner.read(path)

    def rename(self, src: str, dst: str) -> None:
        self._gate(True)
        self.inner.rename(src, dst)

    def listdir(self, path: str) -> list[Entry]:
        self._gate(False)
        return self.inner.listdir(path)

    def exists(self, path: str) -> bool:
        self._gate(False)
        return self.inner.exists(path)

    def delete(self, path: str, recursive: bool = False) -> bool:
        self._gate(True)
        return self.inner.delete(path, recursive)

    def makedirs(self, path: str) -> None:
        self._gate(True)
        self.inner.makedirs(path)


@dataclass
class LakeContents:
    """What readers of one topic's directory see: files, rows by event_id, and Kafka coordinates."""

    files: list[str] = field(default_factory=list)
    event_ids: Counter[str] = field(default_factory=Counter)
    coordinates: Counter[tuple[int, int]] = field(default_factory=Counter)
    hours_with_success: set[str] = field(default_factory=set)
    sizes: list[int] = field(default_factory=list)


def read_lake(dest: Destination, layout: Layout, topic_base: str) -> LakeContents:
    """Read every file a reader of `<base>/<topic_base>` sees; raise if one is empty or unreadable."""
    lake = LakeContents()
    topic_dir = layout.topic_dir(topic_base)
    for date in dest.listdir(topic_dir):
        if not date.is_dir or date.name.startswith(("_", ".")):
            continue
        for hour in dest.listdir(f"{topic_dir}/{date.name}"):
            if not hour.is_dir or hour.name.startswith(("_", ".")):
                continue
            hour_dir = f"{topic_dir}/{date.name}/{hour.name}"
            for entry in dest.listdir(hour_dir):
                if entry.name == "_SUCCESS":
                    lake.hours_with_success.add(f"{date.name}/{hour.name}")
                    continue
                if entry.name.startswith(("_", ".")):
                    continue
                if FileName.parse(entry.name) is None:
                    raise AssertionError(f"unexpected file visible to readers: {hour_dir}/{entry.name}")
                data = dest.read(f"{hour_dir}/{entry.name}")
                if not data:
                    raise AssertionError(f"zero-length file visible: {hour_dir}/{entry.name}")
                table = from_parquet(data)
                lake.files.append(f"{hour_dir}/{entry.name}")
                lake.sizes.append(len(data))
                lake.event_ids.update(table.column("event_id").to_pylist())
                lake.coordinates.update(
                    zip(table.column("kafka_partition").to_pylist(), table.column("kafka_offset").to_pylist(), strict=True)
                )
    return lake


def make_archiver(dest: Destination, dlq: ListDeadLetters | None = None, policy: RollPolicy | None = None, **kw: Any) -> Archiver:
    """An Archiver of the scripted topics on `dest` (10 records a roll unless `policy` says otherwise)."""
    return Archiver(
        Layout(BASE), dest, dlq or ListDeadLetters(), dict(TOPICS), policy or RollPolicy(records=10, span_ms=10 * HOUR_MS), **kw
    )


def recover_all(archiver: Archiver, partitions: int = 2) -> dict[tuple[str, int], int | None]:
    resume: dict[tuple[str, int], int | None] = {}
    for topic in TOPICS:
        for partition, offset in archiver.recover(topic, range(partitions)).items():
            resume[(topic, partition)] = offset
    return resume
