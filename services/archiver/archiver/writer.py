"""The archiver's core: buffers per partition, exactly-once rolls into HDFS, recovery, hour closing.

Kafka-free on purpose: records come in through `add`, files go out through a Destination, bad
records through a DeadLetterSink, so the whole protocol runs in unit tests on a local directory.

A roll of one partition's buffer (records at offsets a..b, possibly spanning several hours):
  1. write one Parquet file per event-time hour into the temp area             (invisible)
  2. flush the dead letters of the buffer to the DLQ
  3. write the roll manifest (offsets a..b, temp → final names) into the temp area
  4. rename the manifest to `_archiver/wal/<topic>/<partition>/<b>.json`      ← the commit point
  5. rename each temp file to its final, offset-named path                     (idempotent)
  6. delete the previous manifest
Steps 1–6 run in a Committer (committer.py): inline, or on one background thread that takes the
rolls in the order they were handed over, so that the consumer reads on while a roll is uploaded.
On start, every manifest still present is replayed (step 5 again) and consumption resumes at
b + 1 of the newest one; whatever is left in the temp area belongs to uncommitted rolls and is
deleted. The README spells out why this loses and duplicates nothing.
"""

from __future__ import annotations

import functools
import json
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from archiver.columnar import DECODERS, Decoded
from archiver.committer import Committer, InlineCommitter
from archiver.destinations import Destination
from archiver.formats import FORMATS, Rows, to_parquet
from archiver.layout import HOUR_MS, SUCCESS, FileName, Hour, Layout, manifest_offset
from souk.contract import Click, ContractError, DeadLetter, InventoryMove, Purchase, dead_letter, decode
from souk.logs import get_logger

SERVICE = "archiver"
# Below this many records a poll is decoded record by record: the columnar path has a fixed cost per batch.
MIN_COLUMNAR_BATCH = 16
log = get_logger()


class DeadLetterSink(Protocol):
    """Where rejected records go (the `dlq` topic in production)."""

    def send(self, letter: DeadLetter) -> None: ...

    def flush(self) -> None:
        """Return once every letter sent so far is durably stored; raise if that cannot be done."""


@dataclass(frozen=True)
class RollPolicy:
    """When a partition's buffer becomes files, and when an hour counts as closed."""

    records: int = 100_000
    bytes: int = 64 * 1024 * 1024
    span_ms: int = 6 * 3_600_000
    seconds: float = 60.0
    max_buffered: int = 600_000
    lateness_ms: int = 600_000
    idle_s: float = 120.0


@dataclass
class Buffer:
    """The records of one topic-partition read since its last roll, grouped by event-time hour."""

    topic: str
    topic_base: str
    partition: int
    first_offset: int | None = None
    last_offset: int | None = None
    by_hour: dict[int, Rows] = field(default_factory=dict)  # by Hour.index: an int hashes faster than an Hour
    records: int = 0
    dead_letters: int = 0
    size: int = 0
    min_time_ms: int = 0
    max_time_ms: int = 0
    opened_at: float = 0.0

    @property
    def empty(self) -> bool:
        return self.last_offset is None


@dataclass
class TopicClock:
    """Event-time progress of one topic, judged across its partitions, and its hours without _SUCCESS."""

    max_event_ms: int = 0
    last_record_at: float = 0.0
    pending: set[Hour] = field(default_factory=set)


@dataclass
class Stats:
    files: int = 0
    bytes: int = 0
    records: int = 0
    dead_letters: int = 0
    rolls: int = 0
    late: int = 0
    hours_closed: int = 0


class Archiver:
    """Turns the records of the archived topics into offset-named Parquet files, exactly once."""

    def __init__(
        self,
        layout: Layout,
        destination: Destination,
        dead_letters: DeadLetterSink,
        topics: dict[str, str],
        policy: RollPolicy | None = None,
        *,
        on_commit: Callable[[str, int, int], None] | None = None,
        committer: Committer | None = None,
        wall_clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """`topics` maps each consumed topic name to its base name (`test-x.clicks` → `clicks`).

        Rolls run on `committer` (default: inline, in the caller's thread); `on_commit` hears of each
        committed roll in the caller's thread, from `roll`, `tick` or `flush_all`.
        """
        unknown = set(topics.values()) - set(FORMATS)
        if unknown:
            raise ValueError(f"no Parquet format for topics {sorted(unknown)}")
        self.layout = layout
        self.dest = destination
        self.dlq = dead_letters
        self.topics = topics
        self.policy = policy or RollPolicy()
        self.on_commit = on_commit
        self.committer: Committer = committer or InlineCommitter()
        self.commits: deque[tuple[str, int, int]] = deque()
        self.wall_clock = wall_clock
        self.monotonic = monotonic
        self.buffers: dict[tuple[str, int], Buffer] = {}
        self.manifests: dict[tuple[str, int], str] = {}
        self.clocks: dict[str, TopicClock] = {base: TopicClock(last_record_at=monotonic()) for base in topics.values()}
        self.closed: dict[str, set[Hour]] = {base: set() for base in topics.values()}
        self.buffered = 0
        self.stats = Stats()

    # -- recovery ---------------------------------------------------------------------------

    def recover(self, topic: str, partitions: Iterable[int]) -> dict[int, int | None]:
        """Finish committed rolls, clean the temp area, and say where each partition resumes.

        The next offset of a partition is the one after the newest committed manifest; without
        any manifest, the one after the highest last offset among the topic's file names (a lake
        written before its state was lost); None when nothing of the partition was archived yet.
        """
        base = self.topics[topic]
        resume: dict[int, int | None] = {}
        scanned: dict[int, int] | None = None
        for partition in partitions:
            wal = self.layout.wal_dir(topic, partition)
            offsets = sorted(o for o in (manifest_offset(e.name) for e in self.dest.listdir(wal)) if o is not None)
            for offset in offsets:
                path = self.layout.manifest_path(topic, partition, offset)
                self._apply(json.loads(self.dest.read(path)), recovering=True)
            for offset in offsets[:-1]:
                self.dest.delete(self.layout.manifest_path(topic, partition, offset))
            if offsets:
                self.manifests[(topic, partition)] = self.layout.manifest_path(topic, partition, offsets[-1])
                resume[partition] = offsets[-1] + 1
                continue
            if scanned is None:
                scanned = self._scan_last_offsets(topic, base)
            resume[partition] = scanned[partition] + 1 if partition in scanned else None
        if self.dest.delete(self.layout.tmp_topic_dir(topic), recursive=True):
            log.info("archiver.recover.cleaned", topic=topic, path=self.layout.tmp_topic_dir(topic))
        self.clocks[base].pending |= self._open_hours(base)
        log.info("archiver.recover.done", topic=topic, resume={str(p): o for p, o in resume.items()})
        return resume

    def _scan_last_offsets(self, topic: str, base: str) -> dict[int, int]:
        last: dict[int, int] = {}
        for date in self.dest.listdir(self.layout.topic_dir(base)):
            if not (date.is_dir and date.name.startswith("date=")):
                continue
            date_dir = f"{self.layout.topic_dir(base)}/{date.name}"
            for hour in self.dest.listdir(date_dir):
                if not (hour.is_dir and hour.name.startswith("hour=")):
                    continue
                for entry in self.dest.listdir(f"{date_dir}/{hour.name}"):
                    name = FileName.parse(entry.name)
                    if name is not None and name.topic == topic:
                        last[name.partition] = max(last.get(name.partition, -1), name.last)
        if last:
            log.warning("archiver.recover.scanned", topic=topic, last_offsets={str(p): o for p, o in last.items()})
        return last

    def _open_hours(self, base: str, recent_dates: int = 2) -> set[Hour]:
        """Hours of the last dates with files but no _SUCCESS (left open by an earlier run)."""
        hours: set[Hour] = set()
        topic_dir = self.layout.topic_dir(base)
        dates = sorted(e.name for e in self.dest.listdir(topic_dir) if e.is_dir and e.name.startswith("date="))
        for date in dates[-recent_dates:]:
            for hour in self.dest.listdir(f"{topic_dir}/{date}"):
                if not (hour.is_dir and hour.name.startswith("hour=")):
                    continue
                names = {e.name for e in self.dest.listdir(f"{topic_dir}/{date}/{hour.name}")}
                if SUCCESS not in names and any(n.endswith(".parquet") for n in names):
                    hours.add(Hour.parse(date.removeprefix("date="), hour.name.removeprefix("hour=")))
        return hours

    # -- intake -----------------------------------------------------------------------------

    def add(self, topic: str, partition: int, offset: int, value: bytes | None) -> None:
        """Take one record; a record the contract rejects goes to the DLQ (and still counts as read)."""
        buf = self._start(topic, partition, offset, self.monotonic())
        base = buf.topic_base
        try:
            event = decode(base, value)  # type: ignore[arg-type]
            assert isinstance(event, Click | Purchase | InventoryMove)  # FORMATS has only these topics
        except ContractError as error:
            self.dlq.send(dead_letter(value, error.reason, topic, partition, offset, SERVICE, int(self.wall_clock() * 1000)))
            buf.dead_letters += 1
            log.warning("archiver.event.rejected", topic=topic, partition=partition, offset=offset, error=error.reason)
        else:
            self._rows(buf, event.event_time_ms, offset).append(event, partition, offset)
        self._count(buf, value)

    def add_batch(self, topic: str, partition: int, offsets: Sequence[int], values: Sequence[bytes | None]) -> None:
        """Take the records of one poll of one partition, in offset order: the same as `add` for each.

        The values are decoded together into columns (archiver.columnar); a record that path cannot
        prove valid goes through `add`, hence through the contract decoder and, if invalid, the DLQ.
        A batch the columnar path cannot parse as a whole (one value of an unexpected shape is
        enough) is split in halves, so that the odd value costs its neighbours little.
        """
        decoded = DECODERS[self.topics[topic]].decode(values) if len(values) >= MIN_COLUMNAR_BATCH else None
        if decoded is None:
            if len(values) >= 2 * MIN_COLUMNAR_BATCH:
                half = len(values) // 2
                self.add_batch(topic, partition, offsets[:half], values[:half])
                self.add_batch(topic, partition, offsets[half:], values[half:])
                return
            for offset, value in zip(offsets, values, strict=True):
                self.add(topic, partition, offset, value)
            return
        if len(decoded.times) == len(values) and self._add_whole(topic, partition, offsets, values, decoded):
            return
        table, times = decoded.table, decoded.times
        now = self.monotonic()
        for offset, value, row in zip(offsets, values, decoded.row_of, strict=True):
            if row is None:
                self.add(topic, partition, offset, value)
                continue
            buf = self._start(topic, partition, offset, now)
            self._rows(buf, times[row], offset).append_row(table, row, partition, offset)
            self._count(buf, value)

    def _add_whole(self, topic: str, partition: int, offsets: Sequence[int], values: Sequence[bytes | None], decoded: Decoded) -> bool:
        """Take a batch of valid records of one hour in one step, unless a roll is due inside it (then False).

        The same as `add` record by record: every roll condition only grows from record to record, so
        none is met inside the batch when none is met after its last record.
        """
        times = decoded.times
        batch_low, batch_high = min(times), max(times)
        hour_index = batch_low // HOUR_MS
        if batch_high // HOUR_MS != hour_index:
            return False
        key = (topic, partition)
        buf = self.buffers.get(key)
        if buf is None:
            buf = self.buffers[key] = Buffer(topic, self.topics[topic], partition)
        count = len(values)
        size = sum(map(len, values))  # type: ignore[arg-type]  # all valid, hence bytes
        low, high = (min(batch_low, buf.min_time_ms), max(batch_high, buf.max_time_ms)) if buf.records else (batch_low, batch_high)
        policy = self.policy
        if (
            buf.records + buf.dead_letters + count >= policy.records
            or buf.size + size >= policy.bytes
            or high - low >= policy.span_ms
            or self.buffered + count >= policy.max_buffered
        ):
            return False
        now = self.monotonic()
        first = offsets[0]
        if buf.empty:
            buf.first_offset = first
            buf.opened_at = now
        buf.last_offset = offsets[-1]
        base = buf.topic_base
        clock = self.clocks[base]
        clock.last_record_at = now
        rows = self._hour_rows(buf, hour_index, first)
        rows.append_table(decoded.table, partition, offsets)
        buf.min_time_ms, buf.max_time_ms = low, high
        buf.records += count
        if batch_high > clock.max_event_ms:
            clock.max_event_ms = batch_high
        buf.size += size
        self.buffered += count
        return True

    def _start(self, topic: str, partition: int, offset: int, now: float) -> Buffer:
        """The buffer a record at `offset` goes to, opened if empty."""
        key = (topic, partition)
        buf = self.buffers.get(key)
        if buf is None:
            buf = self.buffers[key] = Buffer(topic, self.topics[topic], partition)
        if buf.empty:
            buf.first_offset = offset
            buf.opened_at = now
        buf.last_offset = offset
        self.clocks[buf.topic_base].last_record_at = now
        return buf

    def _hour_rows(self, buf: Buffer, hour_index: int, offset: int) -> Rows:
        """The buffer's rows of one hour, opened if new; an event for an hour already closed is logged as late."""
        rows = buf.by_hour.get(hour_index)
        if rows is None:
            rows = buf.by_hour[hour_index] = FORMATS[buf.topic_base].new_rows()
            hour = Hour(hour_index)
            if hour in self.closed[buf.topic_base]:
                self.stats.late += 1
                log.warning("archiver.event.late", topic=buf.topic, partition=buf.partition, offset=offset, date=hour.date, hour=hour.hour)
        return rows

    def _rows(self, buf: Buffer, time_ms: int, offset: int) -> Rows:
        """The rows of the buffer's hour of `time_ms`, for one more valid event at `offset`."""
        rows = self._hour_rows(buf, time_ms // HOUR_MS, offset)
        if buf.records == 0:
            buf.min_time_ms = buf.max_time_ms = time_ms
        elif time_ms < buf.min_time_ms:
            buf.min_time_ms = time_ms
        elif time_ms > buf.max_time_ms:
            buf.max_time_ms = time_ms
        buf.records += 1
        clock = self.clocks[buf.topic_base]
        if time_ms > clock.max_event_ms:
            clock.max_event_ms = time_ms
        return rows

    def _count(self, buf: Buffer, value: bytes | None) -> None:
        """Count a record taken into `buf` and roll what is due."""
        buf.size += len(value) if value else 0
        self.buffered += 1
        policy = self.policy
        if buf.records + buf.dead_letters >= policy.records:
            self.roll(buf, "records")
        elif buf.size >= policy.bytes:
            self.roll(buf, "bytes")
        elif buf.max_time_ms - buf.min_time_ms >= policy.span_ms:
            self.roll(buf, "span")
        elif self.buffered >= policy.max_buffered:
            self.roll(max(self.buffers.values(), key=lambda b: b.records + b.dead_letters), "memory")

    def tick(self) -> None:
        """Roll the buffers whose time is up and close the hours that are past their lateness."""
        self.committer.check()
        self._report_commits()
        now = self.monotonic()
        for buf in list(self.buffers.values()):
            if not buf.empty and now - buf.opened_at >= self.policy.seconds:
                self.roll(buf, "interval")
        self.close_hours()

    def flush_all(self, reason: str = "shutdown") -> None:
        """Roll every buffer and return once all of it is committed."""
        for buf in list(self.buffers.values()):
            if not buf.empty:
                self.roll(buf, reason)
        self.committer.wait()
        self._report_commits()

    def close(self) -> None:
        """Stop the committer (what it holds is not committed: call flush_all first to keep it)."""
        self.committer.close()

    # -- rolls ------------------------------------------------------------------------------

    def roll(self, buf: Buffer, reason: str) -> None:
        """Hand the buffer to the committer as one roll (steps 1–6 in the module docstring) and start a new one."""
        if buf.empty:
            return
        key = (buf.topic, buf.partition)
        self.buffers[key] = Buffer(buf.topic, buf.topic_base, buf.partition)
        self.buffered -= buf.records + buf.dead_letters
        pending = self.clocks[buf.topic_base].pending
        for hour_index in buf.by_hour:
            pending.add(Hour(hour_index))
        self.committer.submit(lambda: self._commit(buf, reason), buf.records + buf.dead_letters)
        self._report_commits()

    def _commit(self, buf: Buffer, reason: str) -> None:
        """Steps 1–6 of one roll; runs in the committer, after every roll submitted before it."""
        assert buf.first_offset is not None and buf.last_offset is not None
        topic, partition, base = buf.topic, buf.partition, buf.topic_base
        roll_id = f"{buf.last_offset:020d}-{uuid.uuid4().hex[:8]}"
        tmp_prefix = f"{self.layout.tmp_partition_dir(topic, partition)}/{roll_id}"
        files = []
        written = 0
        for hour_index, rows in sorted(buf.by_hour.items()):
            hour = Hour(hour_index)
            name = FileName(topic, partition, rows.offsets[0], rows.offsets[-1])
            data = to_parquet(rows.to_table())
            tmp = f"{tmp_prefix}.{hour.date}T{hour.hour}.parquet"
            self.dest.write(tmp, data)
            written += len(data)
            final = self.layout.final_path(base, hour, name)
            files.append({"tmp": tmp, "final": final, "date": hour.date, "hour": hour.hour, "records": len(rows), "bytes": len(data)})
        if buf.dead_letters:
            self.dlq.flush()
        manifest = {
            "topic": topic,
            "topic_base": base,
            "partition": partition,
            "first_offset": buf.first_offset,
            "last_offset": buf.last_offset,
            "records": buf.records,
            "dead_letters": buf.dead_letters,
            "files": files,
            "written_at_ms": int(self.wall_clock() * 1000),
        }
        manifest_tmp = f"{tmp_prefix}.manifest.json"
        self.dest.write(manifest_tmp, json.dumps(manifest, indent=1).encode())
        manifest_path = self.layout.manifest_path(topic, partition, buf.last_offset)
        self.dest.rename(manifest_tmp, manifest_path)
        self._apply(manifest, recovering=False)
        previous = self.manifests.get((topic, partition))
        if previous is not None:
            self.dest.delete(previous)
        self.manifests[(topic, partition)] = manifest_path
        self.stats.rolls += 1
        self.stats.files += len(files)
        self.stats.bytes += written
        self.stats.records += buf.records
        self.stats.dead_letters += buf.dead_letters
        log.info(
            "archiver.roll.committed",
            topic=topic,
            partition=partition,
            first_offset=buf.first_offset,
            last_offset=buf.last_offset,
            records=buf.records,
            dead_letters=buf.dead_letters,
            files=len(files),
            reason=reason,
        )
        self.commits.append((topic, partition, buf.last_offset + 1))

    def _report_commits(self) -> None:
        """Pass committed positions to `on_commit` in the consumer's thread (Kafka clients are not thread-safe)."""
        while self.commits:
            topic, partition, next_offset = self.commits.popleft()
            if self.on_commit is not None:
                self.on_commit(topic, partition, next_offset)

    def _apply(self, manifest: dict[str, Any], *, recovering: bool) -> None:
        """Move a committed roll's files to their final names; safe to repeat after any crash."""
        base = manifest["topic_base"]
        for f in manifest["files"]:
            try:
                self.dest.rename(f["tmp"], f["final"])
            except FileNotFoundError:
                # Temp files of committed rolls leave the temp area only by this rename (recovery
                # cleans the area after replaying manifests): the file is in place, or was since
                # merged away by `souk compact`.
                pass
            except FileExistsError:
                # Same name means same offsets of the same hour, hence the same rows: done before.
                self.dest.delete(f["tmp"])
            else:
                log.info("archiver.file.committed", path=f["final"], records=f["records"], bytes=f["bytes"], recovering=recovering)
            if recovering:  # a live roll added its hours when it was submitted, in the consumer's thread
                self.clocks[base].pending.add(Hour.parse(f["date"], f["hour"]))

    # -- hours ------------------------------------------------------------------------------

    def close_hours(self) -> None:
        """Write _SUCCESS in every hour past its lateness, after committing what buffers hold of it.

        An hour is closed when the topic's highest event time seen (across partitions) passed its
        end by the allowed lateness, or, for a topic idle for `idle_s`, when the wall clock did.
        """
        now_ms = int(self.wall_clock() * 1000)
        lateness = self.policy.lateness_ms
        for base, clock in self.clocks.items():
            idle = self.monotonic() - clock.last_record_at >= self.policy.idle_s
            horizon = max(clock.max_event_ms, now_ms if idle else 0) - lateness
            buffered = {Hour(h) for b in self.buffers.values() if b.topic_base == base for h in b.by_hour}
            for hour in sorted(clock.pending | buffered):
                if hour.end_ms > horizon:
                    break
                for buf in list(self.buffers.values()):
                    if buf.topic_base == base and hour.index in buf.by_hour:
                        self.roll(buf, "hour closed")
                self.committer.submit(functools.partial(self._write_success, base, hour, idle), 0)
                clock.pending.discard(hour)
                self.closed[base].add(hour)
                self.stats.hours_closed += 1

    def _write_success(self, base: str, hour: Hour, idle: bool) -> None:
        self.dest.write(self.layout.success_path(base, hour), b"")
        log.info("archiver.hour.closed", topic=base, date=hour.date, hour=hour.hour, idle=idle)
