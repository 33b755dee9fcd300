"""`souk compact --topic T --date D`: merge an hour's small files into one file per partition, atomically.

Readers of an hour directory see either the small files or the merged ones, never both, and the
merge keeps every row exactly once, because the swap is journaled and replayed:

  1. list the hour's files; per (topic, partition) with 2+ files, merge them (rows sorted by offset)
     into `<topic>+<partition>+<lowest first>+<highest last>.parquet` in the temp area
  2. write the journal (hour dir, the input names, the merged files) and rename it to
     `_archiver/compact/wal/<topic>-<date>-<hour>.json`                     ← the commit point
  3. rename the whole hour dir into `_archiver/compact/old/<id>` (atomic: inputs vanish at once)
  4. rename the merged files into a fresh hour dir; move back from the old dir everything that
     was not an input (_SUCCESS, a late file the archiver added meanwhile)
  5. delete the journal, then the old dir and the temp files

A crash before 2 leaves only temp files (deleted by the next run); after 2, the next run replays
3–5 from the journal, each step idempotent. Between 3 and 4 readers briefly see the hour without
the compacted partitions (nothing twice, nothing wrong; a reader that needs the hour whole waits
for _SUCCESS, which is moved back last). Only hours with _SUCCESS are compacted unless --all.
"""

from __future__ import annotations

import contextlib
import json
import sys
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from archiver.destinations import Destination
from archiver.formats import from_parquet, to_parquet
from archiver.layout import SUCCESS, FileName, Hour, Layout
from souk.logs import get_logger

log = get_logger()


@dataclass
class HourResult:
    hour: str
    files_before: int
    files_after: int
    bytes_after: int


class Compactor:
    """Merges the small files of closed hours, journaled so a crash at any step is finished later."""

    def __init__(self, layout: Layout, destination: Destination) -> None:
        self.layout = layout
        self.dest = destination

    @property
    def wal_dir(self) -> str:
        return f"{self.layout.compact_dir}/wal"

    def recover(self) -> int:
        """Finish every committed compaction, then drop what uncommitted ones left behind."""
        finished = 0
        for entry in self.dest.listdir(self.wal_dir):
            if entry.name.endswith(".json"):
                self._swap(json.loads(self.dest.read(f"{self.wal_dir}/{entry.name}")))
                finished += 1
        for area in ("old", "tmp"):
            self.dest.delete(f"{self.layout.compact_dir}/{area}", recursive=True)
        return finished

    def compact_date(self, topic_base: str, date: str, hours: list[str] | None = None, closed_only: bool = True) -> list[HourResult]:
        date_dir = f"{self.layout.topic_dir(topic_base)}/date={date}"
        results = []
        for entry in self.dest.listdir(date_dir):
            if not (entry.is_dir and entry.name.startswith("hour=")):
                continue
            hour = entry.name.removeprefix("hour=")
            if hours and hour not in hours:
                continue
            result = self.compact_hour(topic_base, Hour.parse(date, hour), closed_only)
            if result is not None:
                results.append(result)
        return results

    def compact_hour(self, topic_base: str, hour: Hour, closed_only: bool = True) -> HourResult | None:
        hour_dir = self.layout.hour_dir(topic_base, hour)
        names = [e.name for e in self.dest.listdir(hour_dir)]
        if closed_only and SUCCESS not in names:
            log.info("archiver.compact.skipped", path=hour_dir, reason="hour not closed (no _SUCCESS)")
            return None
        groups: dict[tuple[str, int], list[FileName]] = defaultdict(list)
        for name in names:
            parsed = FileName.parse(name)
            if parsed is not None:
                groups[(parsed.topic, parsed.partition)].append(parsed)
        parquet_count = sum(len(g) for g in groups.values())
        merge = {key: sorted(files, key=lambda f: f.first) for key, files in groups.items() if len(files) > 1}
        if not merge:
            return HourResult(f"{hour.date}/{hour.hour}", parquet_count, parquet_count, 0)
        run_id = f"{topic_base}-{hour.date}-{hour.hour}"
        tmp_dir = f"{self.layout.compact_dir}/tmp/{run_id}-{uuid.uuid4().hex[:8]}"
        inputs: list[str] = []
        outputs = []
        written = 0
        for (topic, partition), files in sorted(merge.items()):
            tables = [from_parquet(self.dest.read(f"{hour_dir}/{f}")) for f in files]
            table = pa.concat_tables(tables).sort_by("kafka_offset")
            merged = FileName(topic, partition, min(f.first for f in files), max(f.last for f in files))
            data = to_parquet(table)
            tmp = f"{tmp_dir}/{merged}"
            self.dest.write(tmp, data)
            written += len(data)
            inputs.extend(str(f) for f in files)
            outputs.append({"tmp": tmp, "name": str(merged), "records": table.num_rows})
        journal_path = f"{self.wal_dir}/{run_id}.json"
        journal: dict[str, Any] = {
            "path": journal_path,
            "hour_dir": hour_dir,
            "old_dir": f"{self.layout.compact_dir}/old/{run_id}",
            "inputs": inputs,
            "outputs": outputs,
        }
        journal_tmp = f"{tmp_dir}/journal.json"
        self.dest.write(journal_tmp, json.dumps(journal, indent=1).encode())
        # A second compaction of the same hour running now fails here (the journal exists).
        self.dest.rename(journal_tmp, journal_path)
        self._swap(journal)
        self.dest.delete(tmp_dir, recursive=True)
        after = parquet_count - len(inputs) + len(outputs)
        log.info("archiver.compact.done", path=hour_dir, files_before=parquet_count, files_after=after, bytes=written)
        return HourResult(f"{hour.date}/{hour.hour}", parquet_count, after, written)

    def _swap(self, journal: dict[str, Any]) -> None:
        """Steps 3–5; every one may have been done already by an attempt that crashed."""
        hour_dir, old_dir = journal["hour_dir"], journal["old_dir"]
        inputs = set(journal["inputs"])
        if not self.dest.exists(old_dir):
            self.dest.rename(hour_dir, old_dir)
        self.dest.makedirs(hour_dir)
        for out in journal["outputs"]:
            with contextlib.suppress(FileNotFoundError, FileExistsError):  # moved in by an earlier attempt
                self.dest.rename(out["tmp"], f"{hour_dir}/{out['name']}")
        leftovers = sorted(e.name for e in self.dest.listdir(old_dir) if e.name not in inputs)
        for name in sorted(leftovers, key=lambda n: n == SUCCESS):  # _SUCCESS last
            try:
                self.dest.rename(f"{old_dir}/{name}", f"{hour_dir}/{name}")
            except FileExistsError:
                self.dest.delete(f"{old_dir}/{name}")
        self.dest.delete(journal["path"])
        self.dest.delete(old_dir, recursive=True)


def main(argv: list[str] | None = None) -> int:
    from archiver.app import hdfs_destination
    from archiver.exceptions import ArchiverError
    from archiver.settings import archiver_settings
    from souk.cli import OneLineParser
    from souk.logs import configure_logging
    from souk.settings import SettingsError

    parser = OneLineParser(prog="souk compact", description="merge the small Parquet files of closed hours, atomically")
    parser.add_argument("--topic", required=True, choices=["clicks", "purchases", "inventory"])
    parser.add_argument("--date", required=True, help="YYYY-MM-DD (UTC)")
    parser.add_argument("--hour", action="append", help="only this hour (HH); repeatable")
    parser.add_argument("--all", action="store_true", help="also hours not closed yet (no _SUCCESS)")
    parser.add_argument("--base-dir", help="lake root (default ARCHIVER_BASE_DIR)")
    args = parser.parse_args(argv)
    try:
        Hour.parse(args.date, "00")
    except ValueError:
        parser.error(f"--date {args.date!r}: expected YYYY-MM-DD")
    try:
        settings = archiver_settings()
    except SettingsError as error:
        sys.stderr.write(f"souk compact: {error}\n")
        return 2
    configure_logging("archiver", level=settings.log_level)
    compactor = Compactor(Layout((args.base_dir or settings.base_dir).rstrip("/")), hdfs_destination(settings))
    try:
        compactor.recover()
        results = compactor.compact_date(args.topic, args.date, args.hour, closed_only=not args.all)
    except (ArchiverError, FileExistsError) as error:
        sys.stderr.write(f"souk compact: {error}\n")
        return 1
    sys.stdout.write(f"{'hour':<14} {'files before':>12} {'files after':>12} {'bytes written':>14}\n")
    for r in results:
        sys.stdout.write(f"{r.hour:<14} {r.files_before:>12} {r.files_after:>12} {r.bytes_after:>14}\n")
    if not results:
        sys.stdout.write(f"nothing to compact for {args.topic} on {args.date}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
