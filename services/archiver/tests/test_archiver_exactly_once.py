"""Rolls, resume and crashes on a local directory: every record lands once, whatever step fails."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import pytest
from archiver.committer import BackgroundCommitter, InlineCommitter
from archiver.destinations import LocalDestination
from archiver.exceptions import GaveUp
from archiver.layout import HOUR_MS, Layout
from archiver.retry import Backoff, RetryingDestination
from archiver.testing import (
    BASE,
    T0,
    TOPICS,
    Crash,
    FakeClock,
    FaultyDestination,
    ListDeadLetters,
    make_archiver,
    read_lake,
    recover_all,
    scripted_log,
)
from archiver.writer import RollPolicy

LAYOUT = Layout(BASE)


def lake_ids(dest: LocalDestination) -> Counter[str]:
    ids: Counter[str] = Counter()
    for base in TOPICS.values():
        ids.update(read_lake(dest, LAYOUT, base).event_ids)
    return ids


def visible_temp_files(root: Path) -> list[Path]:
    lake = root / BASE.lstrip("/")
    return [p for p in lake.rglob("*") if p.is_file() and "_archiver" not in p.parts and not p.name.endswith((".parquet", "_SUCCESS"))]


def test_every_valid_event_lands_once_and_invalid_ones_go_to_the_dlq(local: LocalDestination) -> None:
    log = scripted_log()
    dlq = ListDeadLetters()
    archiver = make_archiver(local, dlq)
    log.feed(archiver, recover_all(archiver))
    archiver.flush_all()
    assert lake_ids(local) == Counter(log.event_ids)
    assert sorted((d.origin_topic, d.origin_partition, d.origin_offset) for d in dlq.sent) == sorted(log.invalid)
    assert all(d.service == "archiver" and d.error for d in dlq.sent)
    assert dlq.flushed == len(dlq.sent)
    # Resume starts after the last offset read, invalid records included.
    resume = recover_all(make_archiver(local))
    assert resume == {key: len(values) for key, values in log.values.items()}


def test_a_roll_writes_at_most_one_file_per_hour_named_by_its_offsets(local: LocalDestination) -> None:
    log = scripted_log(events_per_partition=30, invalid_every=0, hours=3)
    archiver = make_archiver(local, policy=RollPolicy(records=30, span_ms=10 * HOUR_MS))
    log.feed(archiver, recover_all(archiver))
    lake = read_lake(local, LAYOUT, "clicks")
    # One roll per partition (30 records), spread over 3 hours: 3 files per partition.
    assert len(lake.files) == 6
    for path in lake.files:
        name = path.rsplit("/", 1)[1]
        topic, _partition, first, last = name.removesuffix(".parquet").split("+")
        assert topic == "t.clicks" and int(first) <= int(last)
    assert sorted(lake.coordinates) == [(p, o) for p in range(2) for o in range(30)]


def test_only_dead_letters_still_advance_the_resume_offset(local: LocalDestination) -> None:
    dlq = ListDeadLetters()
    archiver = make_archiver(local, dlq)
    recover_all(archiver)
    for offset in range(3):
        archiver.add("t.inventory", 1, offset, b"garbage")
    archiver.flush_all()
    assert len(dlq.sent) == 3
    assert recover_all(make_archiver(local))[("t.inventory", 1)] == 3


def committer_of(kind: str) -> InlineCommitter | BackgroundCommitter:
    return BackgroundCommitter(max_records=12) if kind == "background" else InlineCommitter()


@pytest.mark.parametrize("committer", ["inline", "background"])
@pytest.mark.parametrize("invalid_every", [0, 4])
def test_a_crash_at_any_step_loses_and_duplicates_nothing(tmp_path: Path, invalid_every: int, committer: str) -> None:
    """Inline, the crash stops the caller; in the background, it stops the committer and surfaces in the caller later."""
    log = scripted_log(events_per_partition=15, partitions=1, invalid_every=invalid_every, hours=2, topics=("t.purchases",))
    policy = RollPolicy(records=5, span_ms=10 * HOUR_MS)
    # Count the changes a clean run makes, then crash at each of them in turn.
    clean = FaultyDestination(LocalDestination(tmp_path / "clean"))
    archiver = make_archiver(clean, policy=policy, committer=committer_of(committer))
    log.feed(archiver, recover_all(archiver, partitions=1))
    archiver.flush_all()
    archiver.close()
    total_changes = clean.changes
    assert total_changes > 20
    for crash_at in range(1, total_changes + 1):
        root = tmp_path / f"crash-{crash_at}"
        local = LocalDestination(root)
        dlq = ListDeadLetters()
        faulty = FaultyDestination(local, crash_at=crash_at)
        archiver = make_archiver(faulty, dlq, policy=policy, committer=committer_of(committer))
        with pytest.raises(Crash):
            log.feed(archiver, recover_all(archiver, partitions=1))
            archiver.flush_all()
        archiver.close()
        # Readers in between see only whole files and no row twice.
        seen = lake_ids(local)
        assert max(seen.values(), default=1) == 1, crash_at
        assert not visible_temp_files(root)
        restarted = make_archiver(local, dlq, policy=policy, committer=committer_of(committer))
        log.feed(restarted, recover_all(restarted, partitions=1))
        restarted.flush_all()
        restarted.close()
        assert lake_ids(local) == Counter(log.event_ids), f"crash at change {crash_at}"
        # The DLQ is at-least-once: a rejected record is never lost, and is repeated only when
        # the crash came before its roll committed.
        assert set(log.invalid) <= {(d.origin_topic, d.origin_partition, d.origin_offset) for d in dlq.sent}
        assert not list((root / BASE.lstrip("/") / "_archiver" / "tmp").rglob("*.parquet"))


def test_a_crash_between_the_renames_of_a_multi_hour_roll_is_finished_on_restart(local: LocalDestination) -> None:
    log = scripted_log(events_per_partition=12, partitions=1, invalid_every=0, hours=3)
    # Changes of one roll: 3 temp files, manifest write, manifest rename (the commit), 3 renames.
    faulty = FaultyDestination(local)
    archiver = make_archiver(faulty, policy=RollPolicy(records=12, span_ms=10 * HOUR_MS))
    resume = recover_all(archiver, partitions=1)
    faulty.crash_at = faulty.changes + 7  # the second rename of the roll
    with pytest.raises(Crash):
        log.feed(archiver, resume)
    assert len(read_lake(local, LAYOUT, "clicks").files) == 1  # one of three hours visible so far
    restarted = make_archiver(local, policy=RollPolicy(records=12, span_ms=10 * HOUR_MS))
    resume = recover_all(restarted, partitions=1)
    assert resume[("t.clicks", 0)] == 12  # committed: resume after the roll, not inside it
    assert len(read_lake(local, LAYOUT, "clicks").files) == 3


def test_an_outage_is_retried_with_back_off_and_loses_nothing(local: LocalDestination) -> None:
    log = scripted_log(events_per_partition=20, invalid_every=0)
    faulty = FaultyDestination(local)
    sleeps: list[float] = []
    clock = FakeClock()

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock.now += seconds
        if clock.now > 1_060:  # HDFS comes back after a minute
            faulty.down = False

    dest = RetryingDestination(faulty, Backoff(budget_s=300, sleep=sleep, clock=clock))
    archiver = make_archiver(dest)
    resume = recover_all(archiver)
    faulty.down = True
    log.feed(archiver, resume)
    archiver.flush_all()
    assert sleeps and sum(sleeps) >= 60
    assert max(sleeps) <= 15
    assert lake_ids(local) == Counter(log.event_ids)


def test_flaky_calls_are_retried_transparently(local: LocalDestination) -> None:
    log = scripted_log(events_per_partition=20, invalid_every=0)
    faulty = FaultyDestination(local)
    dest = RetryingDestination(faulty, Backoff(budget_s=300, sleep=lambda _: None))
    archiver = make_archiver(dest)
    resume = recover_all(archiver)

    def flake() -> None:
        faulty.fail_next = 1 if faulty.calls % 5 == 0 else faulty.fail_next

    log.feed(archiver, resume, step=flake)
    archiver.flush_all()
    assert lake_ids(local) == Counter(log.event_ids)


def test_a_lasting_outage_gives_up_with_a_clear_error(local: LocalDestination) -> None:
    faulty = FaultyDestination(local)
    clock = FakeClock()

    def sleep(seconds: float) -> None:
        clock.now += seconds

    archiver = make_archiver(RetryingDestination(faulty, Backoff(budget_s=30, sleep=sleep, clock=clock)))
    recover_all(archiver)
    faulty.down = True
    archiver.add("t.clicks", 0, 0, b"x")
    with pytest.raises(GaveUp, match="hdfs unavailable"):
        archiver.flush_all()


def test_without_manifests_resume_falls_back_to_the_file_names(local: LocalDestination) -> None:
    log = scripted_log(events_per_partition=20, invalid_every=0)
    archiver = make_archiver(local)
    log.feed(archiver, recover_all(archiver))
    archiver.flush_all()
    local.delete(f"{BASE}/_archiver/wal", recursive=True)
    assert recover_all(make_archiver(local)) == {key: 20 for key in log.values}


def test_rolls_on_wall_clock_interval_and_event_time_span(local: LocalDestination) -> None:
    mono = FakeClock()
    archiver = make_archiver(local, policy=RollPolicy(records=1000, seconds=30, span_ms=HOUR_MS), monotonic=mono)
    recover_all(archiver)
    log = scripted_log(events_per_partition=3, partitions=1, invalid_every=0, hours=1)
    log.feed(archiver, {})
    archiver.tick()
    assert archiver.stats.rolls == 0
    mono.now += 31
    archiver.tick()
    assert archiver.stats.rolls == 3  # one per topic: a quiet topic still lands
    import random

    from archiver.testing import random_event

    from souk.contract import encode

    rng = random.Random(3)
    archiver.add("t.clicks", 0, 3, encode(random_event("clicks", T0, rng)))
    archiver.add("t.clicks", 0, 4, encode(random_event("clicks", T0 + HOUR_MS, rng)))
    assert archiver.stats.rolls == 4  # the span reached one hour


def test_success_marks_an_hour_once_event_time_passes_its_lateness(local: LocalDestination) -> None:
    import random

    from archiver.testing import random_event

    from souk.contract import encode

    rng = random.Random(4)
    wall = FakeClock(now=T0 / 1000)
    mono = FakeClock()
    policy = RollPolicy(records=1000, seconds=3600, span_ms=10 * HOUR_MS, lateness_ms=600_000, idle_s=120)
    archiver = make_archiver(local, policy=policy, wall_clock=wall, monotonic=mono)
    recover_all(archiver)
    archiver.add("t.clicks", 0, 0, encode(random_event("clicks", T0 + 10, rng)))
    archiver.add("t.clicks", 1, 0, encode(random_event("clicks", T0 + HOUR_MS + 5 * 60_000, rng)))
    archiver.tick()
    assert not read_lake(local, LAYOUT, "clicks").hours_with_success
    archiver.add("t.clicks", 1, 1, encode(random_event("clicks", T0 + HOUR_MS + 11 * 60_000, rng)))
    archiver.tick()
    lake = read_lake(local, LAYOUT, "clicks")
    assert lake.hours_with_success == {"date=2026-01-01/hour=00"}
    assert lake.event_ids.total() == 1  # the buffer holding hour 00 was committed before its _SUCCESS; hour 01 still waits
    # An idle topic is closed by the wall clock.
    wall.now = (T0 + 3 * HOUR_MS) / 1000
    mono.now += 121
    archiver.tick()
    assert read_lake(local, LAYOUT, "clicks").hours_with_success == {"date=2026-01-01/hour=00", "date=2026-01-01/hour=01"}


def test_a_restart_finds_hours_left_open(local: LocalDestination) -> None:
    log = scripted_log(events_per_partition=10, partitions=1, invalid_every=0, hours=2)
    archiver = make_archiver(local)
    log.feed(archiver, recover_all(archiver, partitions=1))
    archiver.flush_all()
    mono = FakeClock()
    restarted = make_archiver(local, wall_clock=FakeClock(now=(T0 + 5 * HOUR_MS) / 1000), monotonic=mono)
    recover_all(restarted, partitions=1)
    mono.now += 121
    restarted.tick()
    assert read_lake(local, LAYOUT, "clicks").hours_with_success == {"date=2026-01-01/hour=00", "date=2026-01-01/hour=01"}


def test_background_rolls_commit_in_order_and_report_to_the_callers_thread(local: LocalDestination) -> None:
    log = scripted_log(events_per_partition=60, invalid_every=7)
    reported: list[tuple[str, int, int, str]] = []
    archiver = make_archiver(
        local,
        committer=BackgroundCommitter(max_records=25),
        on_commit=lambda topic, partition, offset: reported.append((topic, partition, offset, threading.current_thread().name)),
    )
    log.feed(archiver, recover_all(archiver))
    archiver.flush_all()
    archiver.close()
    assert lake_ids(local) == Counter(log.event_ids)
    assert {name for *_, name in reported} == {threading.current_thread().name}
    for key, values in log.values.items():
        offsets = [offset for topic, partition, offset, _ in reported if (topic, partition) == key]
        assert offsets == sorted(offsets) and offsets[-1] == len(values)
    assert recover_all(make_archiver(local)) == {key: len(values) for key, values in log.values.items()}


def test_a_background_failure_stops_later_rolls_and_is_raised_in_the_caller() -> None:
    committer = BackgroundCommitter(max_records=10)
    ran: list[int] = []
    release = threading.Event()

    def first() -> None:
        release.wait(10)
        raise GaveUp("hdfs unavailable for 300 s (write)")

    committer.submit(first, 5)
    committer.submit(lambda: ran.append(2), 5)
    release.set()
    with pytest.raises(GaveUp):
        committer.wait()
    with pytest.raises(GaveUp):
        committer.submit(lambda: ran.append(3), 1)
    assert ran == []
    committer.close()


def test_background_submit_blocks_while_the_records_in_flight_are_at_the_bound() -> None:
    committer = BackgroundCommitter(max_records=10)
    release = threading.Event()
    committer.submit(lambda: release.wait(10) and None, 8)
    submitted = threading.Event()

    def submit_second() -> None:
        committer.submit(lambda: None, 5)
        submitted.set()

    second = threading.Thread(target=submit_second)
    second.start()
    assert not submitted.wait(0.3)  # 8 + 5 > 10: waits for the first job
    release.set()
    assert submitted.wait(10)
    second.join()
    committer.wait()
    committer.close()
