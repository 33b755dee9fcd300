"""Kafka seen through its admin API, as kafka-ui or AKHQ show it: topics, watermarks, sizes, groups, lag.

Watermarks and group offsets are read with ListOffsets/OffsetFetch (one request per leader), never by
scanning a topic, and cached for a couple of seconds. The message browser reads at most a bounded
page of records from a chosen position.
"""

from __future__ import annotations

import bisect
import contextlib
import dataclasses
import functools
import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from dashboard.sources.base import Cache, Unavailable, guarded

SOURCE = "kafka"
T = TypeVar("T")
SeekFrom = Literal["earliest", "latest", "offset", "timestamp"]
MAX_BROWSE = 500
SCAN_PER_MATCH = 50
# A fetch returns at least one whole batch whatever this says; it bounds what "earliest 50" pulls
# from each partition of a big topic (kafka-python's default is 1 MiB a partition).
BROWSE_FETCH_BYTES = 64 * 1024
FETCH_WAIT_MS = 10


@dataclass(frozen=True)
class PartitionInfo:
    partition: int
    leader: int
    replicas: int
    in_sync: int
    low: int
    high: int
    size_bytes: int | None

    @property
    def messages(self) -> int:
        return max(0, self.high - self.low)


@dataclass(frozen=True)
class TopicInfo:
    name: str
    internal: bool
    partitions: list[PartitionInfo]

    @property
    def replication(self) -> int:
        return max((p.replicas for p in self.partitions), default=0)

    @property
    def low(self) -> int:
        return sum(p.low for p in self.partitions)

    @property
    def high(self) -> int:
        return sum(p.high for p in self.partitions)

    @property
    def messages(self) -> int:
        return sum(p.messages for p in self.partitions)

    @property
    def size_bytes(self) -> int | None:
        sizes = [p.size_bytes for p in self.partitions]
        return None if any(s is None for s in sizes) else sum(s for s in sizes if s is not None)


@dataclass(frozen=True)
class PartitionLag:
    topic: str
    partition: int
    committed: int | None
    high: int | None

    @property
    def lag(self) -> int | None:
        if self.high is None:
            return None
        return self.high - (self.committed or 0) if self.committed is not None else None


@dataclass(frozen=True)
class Member:
    member_id: str
    client_id: str
    host: str
    assignment: dict[str, list[int]]


@dataclass(frozen=True)
class GroupInfo:
    group_id: str
    state: str
    protocol: str
    members: list[Member]
    partitions: list[PartitionLag] = field(default_factory=list)

    @property
    def total_lag(self) -> int:
        return sum(p.lag or 0 for p in self.partitions)


@dataclass(frozen=True)
class Message:
    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    key: str | None
    value: str
    size: int

    @functools.cached_property
    def pretty(self) -> str:
        """The value as indented JSON when it is JSON, else as it came (computed once per message:
        json.dumps with indent runs the pure-Python encoder, the costliest step of rendering a page)."""
        try:
            return json.dumps(json.loads(self.value), indent=2, ensure_ascii=False, sort_keys=False)
        except ValueError:
            return self.value


@dataclass(frozen=True)
class BrowseRequest:
    topic: str
    partition: int | None = None
    seek: SeekFrom = "latest"
    offset: int | None = None
    timestamp_ms: int | None = None
    key_filter: str = ""
    text_filter: str = ""
    limit: int = 50


def _decode(raw: bytes | None) -> str | None:
    if raw is None:
        return None
    return raw.decode("utf-8", errors="replace")


def _message(record: Any) -> Message:
    return Message(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        timestamp_ms=record.timestamp,
        key=_decode(record.key),
        value=_decode(record.value) or "",
        size=(record.serialized_key_size or 0) + max(0, record.serialized_value_size or 0),
    )


def scan_share(request: BrowseRequest, partitions: int) -> int:
    """Records one partition may read for ``request``: the limit (the newest ``limit`` overall may all
    sit in one partition), or with a filter the scan budget (``limit`` × SCAN_PER_MATCH) shared out."""
    limit = max(1, min(request.limit, MAX_BROWSE))
    if not (request.key_filter or request.text_filter):
        return limit
    return max(limit, limit * SCAN_PER_MATCH // max(1, partitions))


@dataclass
class _Segment:
    lo: int
    hi: int
    messages: list[Message]
    used: float
    size: int


class RecentMessages:
    """Per partition, the run of offsets [lo, hi) a browse last read, as decoded messages.

    A record never changes once written, so a refresh or a live tail serves what it read before and
    fetches only the records appended since. A partition whose end went below what was read (topic
    deleted and recreated) forgets it; a run not used for ``idle_s`` is dropped; the total size is bounded.
    """

    def __init__(self, max_bytes: int = 64 * 1024 * 1024, per_partition: int = 5000, idle_s: float = 300.0) -> None:
        self.max_bytes = max_bytes
        self.per_partition = per_partition
        self.idle_s = idle_s
        self._segments: dict[Any, _Segment] = {}

    def read(self, tp: Any, low: int, start: int, end: int, budget: int) -> tuple[list[Message], int]:
        """(cached messages from ``start``, at most ``budget``, below ``end``; the offset to fetch from)."""
        now = time.monotonic()
        seg = self._segments.get(tp)
        if seg is not None and (end < seg.hi or now - seg.used > self.idle_s or low > seg.hi):
            del self._segments[tp]
            seg = None
        if seg is None or not seg.lo <= start <= seg.hi:
            return [], start
        seg.used = now
        first = bisect.bisect_left(seg.messages, start, key=lambda m: m.offset)
        stop = bisect.bisect_left(seg.messages, end, key=lambda m: m.offset)
        hit = seg.messages[first : min(stop, first + budget)]
        return hit, min(seg.hi, end)

    def store(self, tp: Any, start: int, reached: int, messages: list[Message]) -> None:
        """Remember that [start, reached) was read and held ``messages`` (sorted by offset)."""
        seg = self._segments.get(tp)
        if seg is not None and seg.lo <= start <= seg.hi:
            fresh = [m for m in messages if m.offset >= seg.hi]
            seg.messages.extend(fresh)
            seg.hi = max(seg.hi, reached)
            seg.size += sum(m.size for m in fresh)
        else:
            seg = self._segments[tp] = _Segment(start, reached, list(messages), 0.0, sum(m.size for m in messages))
        seg.used = time.monotonic()
        if len(seg.messages) > self.per_partition:
            dropped, seg.messages = seg.messages[: -self.per_partition], seg.messages[-self.per_partition :]
            seg.lo = seg.messages[0].offset
            seg.size -= sum(m.size for m in dropped)
        while sum(s.size for s in self._segments.values()) > self.max_bytes and len(self._segments) > 1:
            oldest = min((k for k in self._segments if k != tp), key=lambda k: self._segments[k].used)
            del self._segments[oldest]
        if seg.size > self.max_bytes:
            del self._segments[tp]

    def clear(self) -> None:
        self._segments.clear()


class KafkaSource:
    """One admin client and one browsing consumer, each used under its own lock (neither is thread-safe)."""

    def __init__(self, bootstrap: str, timeout: float, cache: Cache, topics_ttl: float = 5.0, groups_ttl: float = 5.0) -> None:
        self.bootstrap = bootstrap
        self.timeout = timeout
        self.cache = cache
        self.topics_ttl = topics_ttl
        self.groups_ttl = groups_ttl
        self._admin: Any = None
        self._consumer: Any = None
        self._admin_lock = threading.Lock()
        self._consumer_lock = threading.Lock()
        self._recent = RecentMessages()

    def _client_config(self) -> dict[str, Any]:
        millis = max(1000, int(self.timeout * 1000))
        return {
            "bootstrap_servers": self.bootstrap,
            "client_id": "dashboard",
            "request_timeout_ms": 2 * millis,
            "bootstrap_timeout_ms": 2 * millis,
            "reconnect_backoff_max_ms": 2000,
        }

    def _with_admin(self, call: Callable[[Any], T]) -> T:
        from kafka import KafkaAdminClient

        with self._admin_lock:
            if self._admin is None:
                self._admin = KafkaAdminClient(**self._client_config())
            try:
                return call(self._admin)
            except Exception:
                self._reset_admin()
                raise

    def _reset_admin(self) -> None:
        admin, self._admin = self._admin, None
        if admin is not None:
            with contextlib.suppress(Exception):  # closing a broken client: nothing more to do
                admin.close()

    def close(self) -> None:
        with self._admin_lock:
            self._reset_admin()
        with self._consumer_lock:
            self._recent.clear()
            if self._consumer is not None:
                self._consumer.close()
                self._consumer = None

    # -- topics ---------------------------------------------------------------------------------

    def topics(self) -> list[TopicInfo] | Unavailable:
        """Every topic with partitions, replication, low/high watermarks and bytes on disk."""
        return self.cache.get(("kafka", "topics"), self.topics_ttl, lambda: guarded(SOURCE, lambda: self._with_admin(self._load_topics)))

    def _load_topics(self, admin: Any) -> list[TopicInfo]:
        from kafka import TopicPartition
        from kafka.admin import OffsetSpec

        described = admin.describe_topics()
        partitions = [
            TopicPartition(t["name"], p["partition_index"]) for t in described if not t.get("error_code") for p in t.get("partitions", [])
        ]
        low = admin.list_partition_offsets({tp: OffsetSpec.EARLIEST for tp in partitions}) if partitions else {}
        high = admin.list_partition_offsets({tp: OffsetSpec.LATEST for tp in partitions}) if partitions else {}
        sizes = self._log_sizes(admin)
        out = []
        for topic in described:
            if topic.get("error_code"):
                continue
            name = topic["name"]
            rows = []
            for p in sorted(topic.get("partitions", []), key=lambda p: p["partition_index"]):
                tp = TopicPartition(name, p["partition_index"])
                rows.append(
                    PartitionInfo(
                        partition=p["partition_index"],
                        leader=p.get("leader_id", -1),
                        replicas=len(p.get("replica_nodes") or []),
                        in_sync=len(p.get("isr_nodes") or []),
                        low=max(0, low[tp].offset) if tp in low else 0,
                        high=max(0, high[tp].offset) if tp in high else 0,
                        size_bytes=sizes.get((name, p["partition_index"])) if sizes is not None else None,
                    )
                )
            out.append(TopicInfo(name=name, internal=bool(topic.get("is_internal")), partitions=rows))
        return sorted(out, key=lambda t: t.name)

    @staticmethod
    def _log_sizes(admin: Any) -> dict[tuple[str, int], int] | None:
        """Bytes per partition from DescribeLogDirs (summed over brokers' log dirs); None if not supported."""
        try:
            brokers = admin.describe_log_dirs()
        except Exception:  # older brokers or ACLs: sizes are optional
            return None
        sizes: dict[tuple[str, int], int] = {}
        for broker in brokers:
            for log_dir in broker.get("log_dirs", []):
                for topic in log_dir.get("topics", []):
                    for p in topic.get("partitions", []):
                        key = (topic["name"], p["partition_index"])
                        sizes[key] = sizes.get(key, 0) + int(p.get("partition_size", 0))
        return sizes

    def topic(self, name: str) -> TopicInfo | Unavailable | None:
        topics = self.topics()
        if isinstance(topics, Unavailable):
            return topics
        return next((t for t in topics if t.name == name), None)

    # -- consumer groups ------------------------------------------------------------------------

    def groups(self) -> list[GroupInfo] | Unavailable:
        """Every consumer group with its members and per-partition committed offset and lag."""
        return self.cache.get(("kafka", "groups"), self.groups_ttl, lambda: guarded(SOURCE, self._load_groups))

    def group(self, group_id: str) -> GroupInfo | Unavailable | None:
        groups = self.groups()
        if isinstance(groups, Unavailable):
            return groups
        return next((g for g in groups if g.group_id == group_id), None)

    def _load_groups(self) -> list[GroupInfo]:
        topics = self.topics()
        highs: dict[tuple[str, int], int] = {}
        if not isinstance(topics, Unavailable):
            highs = {(t.name, p.partition): p.high for t in topics for p in t.partitions}

        def load(admin: Any) -> list[GroupInfo]:
            listed = admin.list_groups()
            ids = sorted({g["group_id"] for g in listed})
            if not ids:
                return []
            described = admin.describe_groups(ids)
            offsets = admin.list_group_offsets({gid: None for gid in ids})
            out = []
            for gid in ids:
                info = described.get(gid) or {}
                members = [_member(m) for m in info.get("members") or []]
                committed = offsets.get(gid) or {}
                lags = [
                    PartitionLag(tp.topic, tp.partition, om.offset if om.offset >= 0 else None, highs.get((tp.topic, tp.partition)))
                    for tp, om in sorted(committed.items(), key=lambda kv: (kv[0].topic, kv[0].partition))
                ]
                state = str(info.get("group_state") or next((g.get("group_state", "") for g in listed if g["group_id"] == gid), ""))
                out.append(GroupInfo(gid, state, str(info.get("protocol_data") or ""), members, lags))
            return out

        return self._with_admin(load)

    # -- message browser ------------------------------------------------------------------------

    def browse(self, request: BrowseRequest) -> list[Message] | Unavailable:
        """Up to ``limit`` messages matching the filters, read from the chosen position (bounded scan)."""
        return guarded(SOURCE, lambda: self._browse(request))

    def _browse(self, request: BrowseRequest) -> list[Message]:
        from kafka import KafkaConsumer, TopicPartition

        limit = max(1, min(request.limit, MAX_BROWSE))
        info = self.topic(request.topic)
        if isinstance(info, Unavailable):
            raise ConnectionError(info.reason)
        if info is None:
            raise LookupError(f"no topic {request.topic!r}")
        parts = [p for p in info.partitions if request.partition is None or p.partition == request.partition]
        # Each partition reads at most its share from its start: a partition polled first must not use
        # up the others' (the newest 50 overall may all be in one partition).
        budget = scan_share(request, len(parts))
        with self._consumer_lock:
            if self._consumer is None:
                # check_crcs=False: kafka-python checks CRC32C in pure Python (no `crc32c` package in the
                # lock), ~7 ms per 100 KB batch, and a "latest 50" reads whole batches: most of a browse's
                # time. The broker validated each batch's CRC when it was produced.
                self._consumer = KafkaConsumer(
                    enable_auto_commit=False,
                    group_id=None,
                    check_crcs=False,
                    max_partition_fetch_bytes=BROWSE_FETCH_BYTES,
                    # A browse never waits for new records: the broker answers at once (default 500 ms,
                    # which a fetch that includes a partition already at its end would wait).
                    fetch_max_wait_ms=FETCH_WAIT_MS,
                    **self._client_config(),
                )
            consumer = self._consumer
            tps = [TopicPartition(request.topic, p.partition) for p in parts]
            # Fresh watermarks of this topic only: the cached overview may be seconds old, a live tail must not be.
            lows, highs = consumer.beginning_offsets(tps), consumer.end_offsets(tps)
            parts = [dataclasses.replace(p, low=lows[tp], high=highs[tp]) for p, tp in zip(parts, tps, strict=True)]
            starts = self._starts(consumer, request, parts, tps, budget)
            ends = dict(highs)
            records: dict[Any, list[Message]] = {}
            fetch_from: dict[Any, int] = {}
            for tp in tps:
                # What an earlier browse read is not read again (offsets are immutable): a refresh or a live
                # tail fetches only what was appended since.
                cached = self._recent.read(tp, lows[tp], starts[tp], ends[tp], budget)
                records[tp], fetch_from[tp] = cached
            pending = {tp for tp in tps if fetch_from[tp] < ends[tp] and len(records[tp]) < budget}
            if pending:
                consumer.assign(sorted(pending, key=lambda tp: tp.partition))
                for tp in pending:
                    consumer.seek(tp, fetch_from[tp])
            fetched: dict[Any, list[Message]] = {tp: [] for tp in pending}
            deadline = time.monotonic() + max(1.0, self.timeout * 2)
            while pending and time.monotonic() < deadline:
                # Decoding is lazy: asking for no more than a partition may still take keeps kafka-python
                # from decoding records of a partition already served.
                room = max(budget - len(records[tp]) - len(fetched[tp]) for tp in pending)
                polled = consumer.poll(timeout_ms=200, max_records=max(1, min(500, room)))
                for tp, batch in polled.items():
                    if tp not in pending:
                        continue
                    got = fetched[tp]
                    room = budget - len(records[tp]) - len(got)
                    for record in batch:
                        if record.offset >= ends[tp] or room <= 0:
                            break
                        got.append(_message(record))
                        room -= 1
                    if room <= 0 or (got and got[-1].offset >= ends[tp] - 1):
                        pending.discard(tp)
                for tp in list(pending):
                    if consumer.position(tp) >= ends[tp]:
                        pending.discard(tp)
                if pending and len(pending) < len(consumer.assignment()):
                    # Drop the served partitions: their buffered records would otherwise be decoded by
                    # the next polls (pausing them makes kafka-python sleep retry_backoff_ms a poll).
                    positions = {tp: consumer.position(tp) for tp in pending}
                    consumer.assign(sorted(pending, key=lambda tp: tp.partition))
                    for tp, position in positions.items():
                        consumer.seek(tp, position)
            if fetched:
                consumer.assign([])
            for tp, got in fetched.items():
                if got:
                    # Read up to the last record seen (or the end if the partition was read to it).
                    reached = ends[tp] if got[-1].offset >= ends[tp] - 1 else got[-1].offset + 1
                    self._recent.store(tp, fetch_from[tp], reached, got)
                records[tp] = records[tp] + got
        found = [m for tp in tps for m in records[tp] if _matches(m, request)]
        found.sort(key=lambda m: (m.timestamp_ms, m.partition, m.offset))
        return found[-limit:] if request.seek == "latest" else found[:limit]

    @staticmethod
    def _starts(consumer: Any, request: BrowseRequest, parts: Iterable[PartitionInfo], tps: list[Any], share: int) -> dict[Any, int]:
        by_partition = {p.partition: p for p in parts}
        starts = {}
        if request.seek == "timestamp":
            stamp = request.timestamp_ms if request.timestamp_ms is not None else int(time.time() * 1000)
            found = consumer.offsets_for_times({tp: stamp for tp in tps})
            for tp in tps:
                hit = found.get(tp)
                starts[tp] = hit.offset if hit is not None else by_partition[tp.partition].high
            return starts
        for tp in tps:
            p = by_partition[tp.partition]
            if request.seek == "earliest":
                starts[tp] = p.low
            elif request.seek == "offset":
                starts[tp] = min(max(request.offset or 0, p.low), p.high)
            else:
                starts[tp] = max(p.low, p.high - share)
        return starts


def _matches(message: Message, request: BrowseRequest) -> bool:
    if request.key_filter and request.key_filter.lower() not in (message.key or "").lower():
        return False
    return not request.text_filter or request.text_filter.lower() in message.value.lower()


def _member(raw: dict[str, Any]) -> Member:
    assignment: dict[str, list[int]] = {}
    parsed = raw.get("member_assignment")
    if isinstance(parsed, dict):
        for entry in parsed.get("assigned_partitions") or []:
            if isinstance(entry, dict) and "topic" in entry:
                assignment[str(entry["topic"])] = sorted(int(p) for p in entry.get("partitions") or [])
    return Member(
        member_id=str(raw.get("member_id", "")),
        client_id=str(raw.get("client_id", "")),
        host=str(raw.get("client_host", "")).lstrip("/"),
        assignment=assignment,
    )
