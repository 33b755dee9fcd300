"""`souk compact` on a local directory: fewer files, the same rows once, and crashes at every step."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from archiver.compact import Compactor, main
from archiver.destinations import LocalDestination
from archiver.layout import HOUR_MS, Hour, Layout
from archiver.testing import BASE, T0, Crash, FaultyDestination, make_archiver, read_lake, recover_all, scripted_log
from archiver.writer import RollPolicy

LAYOUT = Layout(BASE)
HOURS = [Hour.of(T0), Hour.of(T0 + HOUR_MS)]


def small_files_lake(dest: LocalDestination) -> Counter[str]:
    """Clicks over two closed hours in rolls of 4 records: many small files per partition."""
    log = scripted_log(events_per_partition=24, partitions=2, invalid_every=0, hours=2, topics=("t.clicks",))
    archiver = make_archiver(dest, policy=RollPolicy(records=4, span_ms=10 * HOUR_MS))
    log.feed(archiver, recover_all(archiver))
    archiver.flush_all()
    for hour in HOURS:
        dest.write(LAYOUT.success_path("clicks", hour), b"")
    return Counter(log.event_ids)


def test_compaction_leaves_one_file_per_partition_and_hour_with_the_same_rows(local: LocalDestination) -> None:
    ids = small_files_lake(local)
    before = read_lake(local, LAYOUT, "clicks")
    assert len(before.files) > 8
    results = Compactor(LAYOUT, local).compact_date("clicks", "2026-01-01")
    after = read_lake(local, LAYOUT, "clicks")
    assert after.event_ids == ids == before.event_ids
    assert after.coordinates == before.coordinates
    assert len(after.files) == 4  # 2 partitions x 2 hours
    assert after.hours_with_success == before.hours_with_success
    assert sum(r.files_before for r in results) == len(before.files)
    # The merged file's name covers the offsets of what it merged: resume by names still works.
    local.delete(f"{BASE}/_archiver/wal", recursive=True)
    assert recover_all(make_archiver(local))[("t.clicks", 0)] == 24


def test_open_hours_are_left_alone(local: LocalDestination) -> None:
    small_files_lake(local)
    local.delete(LAYOUT.success_path("clicks", HOURS[1]))
    results = Compactor(LAYOUT, local).compact_date("clicks", "2026-01-01")
    assert [r.hour for r in results] == ["2026-01-01/00"]


def test_a_crash_at_any_step_of_a_compaction_is_finished_by_the_next_run(tmp_path: Path) -> None:
    clean = FaultyDestination(LocalDestination(tmp_path / "clean"))
    small_files_lake(clean.inner)  # type: ignore[arg-type]
    before_changes = clean.changes
    Compactor(LAYOUT, clean).compact_hour("clicks", HOURS[0])
    steps = clean.changes - before_changes
    assert steps > 5
    for crash_at in range(1, steps + 1):
        local = LocalDestination(tmp_path / f"crash-{crash_at}")
        ids = small_files_lake(local)
        faulty = FaultyDestination(local, crash_at=crash_at)
        with pytest.raises(Crash):
            Compactor(LAYOUT, faulty).compact_hour("clicks", HOURS[0])
        # Whatever the crash left, readers never see a row twice.
        seen = read_lake(local, LAYOUT, "clicks").event_ids
        assert max(seen.values()) == 1, crash_at
        Compactor(LAYOUT, local).recover()
        assert read_lake(local, LAYOUT, "clicks").event_ids == ids, f"crash at step {crash_at}"
        assert not local.listdir(f"{BASE}/_archiver/compact/wal")


def test_a_late_file_added_during_the_swap_survives(local: LocalDestination) -> None:
    small_files_lake(local)
    compactor = Compactor(LAYOUT, local)
    hour_dir = LAYOUT.hour_dir("clicks", HOURS[0])
    late = f"{hour_dir}/t.clicks+0+00000000000000000900+00000000000000000900.parquet"
    original_swap = compactor._swap

    def swap_with_a_late_arrival(journal: dict[str, object]) -> None:
        local.write(late, local.read(f"{hour_dir}/{local.listdir(hour_dir)[0].name}"))
        original_swap(journal)  # type: ignore[arg-type]

    compactor._swap = swap_with_a_late_arrival  # type: ignore[method-assign]
    compactor.compact_hour("clicks", HOURS[0])
    assert local.exists(late)


def test_bad_arguments_exit_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--topic", "clicks", "--date", "26-01-2026"])
    assert exit_info.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
