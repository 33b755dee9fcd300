"""Where things live in HDFS: the lake's hour directories, offset-named files, and the archiver's state.

    <base>/<topic base>/date=YYYY-MM-DD/hour=HH/<topic>+<partition>+<first>+<last>.parquet   (readers)
    <base>/<topic base>/date=YYYY-MM-DD/hour=HH/_SUCCESS
    <base>/_archiver/wal/<topic>/<partition>/<last offset>.json    committed roll manifests
    <base>/_archiver/tmp/<topic>/<partition>/<roll id>.…           files of rolls not yet committed
    <base>/_archiver/compact/…                                      the compaction's own journal and temp area

Everything under `_archiver` is invisible to Spark and Hive (names starting with `_` are skipped).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

HOUR_MS: Final = 3_600_000
OFFSET_DIGITS: Final = 20
SUCCESS: Final = "_SUCCESS"
STATE_DIR: Final = "_archiver"

_FILE_NAME: Final = re.compile(r"(?P<topic>[A-Za-z0-9._-]+)\+(?P<partition>[0-9]+)\+(?P<first>[0-9]{20})\+(?P<last>[0-9]{20})\.parquet")
_MANIFEST_NAME: Final = re.compile(r"[0-9]{20}\.json")


@dataclass(frozen=True, slots=True, order=True)
class Hour:
    """One UTC hour of event time: the unit of the lake's directories."""

    index: int  # hours since the epoch

    @staticmethod
    def of(event_time_ms: int) -> Hour:
        return Hour(event_time_ms // HOUR_MS)

    @property
    def start_ms(self) -> int:
        return self.index * HOUR_MS

    @property
    def end_ms(self) -> int:
        return (self.index + 1) * HOUR_MS

    @property
    def date(self) -> str:
        return _date_hour(self.index)[0]

    @property
    def hour(self) -> str:
        return _date_hour(self.index)[1]

    def dir_part(self) -> str:
        date, hour = _date_hour(self.index)
        return f"date={date}/hour={hour}"

    @staticmethod
    def parse(date: str, hour: str) -> Hour:
        day = dt.datetime.strptime(date, "%Y-%m-%d").replace(tzinfo=dt.UTC)
        return Hour(int(day.timestamp()) // 3600 + int(hour))


@lru_cache(maxsize=4096)
def _date_hour(index: int) -> tuple[str, str]:
    moment = dt.datetime.fromtimestamp(index * 3600, tz=dt.UTC)
    return moment.strftime("%Y-%m-%d"), moment.strftime("%H")


@dataclass(frozen=True, slots=True)
class FileName:
    """`<topic>+<partition>+<first offset>+<last offset>.parquet`, offsets zero-padded so names sort."""

    topic: str
    partition: int
    first: int
    last: int

    def __str__(self) -> str:
        return f"{self.topic}+{self.partition}+{self.first:0{OFFSET_DIGITS}d}+{self.last:0{OFFSET_DIGITS}d}.parquet"

    @staticmethod
    def parse(name: str) -> FileName | None:
        match = _FILE_NAME.fullmatch(name)
        if match is None:
            return None
        return FileName(match["topic"], int(match["partition"]), int(match["first"]), int(match["last"]))


def offset_name(offset: int, suffix: str) -> str:
    return f"{offset:0{OFFSET_DIGITS}d}{suffix}"


def manifest_offset(name: str) -> int | None:
    """The last offset a manifest's name carries, or None for anything else in the directory."""
    return int(name[:OFFSET_DIGITS]) if _MANIFEST_NAME.fullmatch(name) else None


@dataclass(frozen=True)
class Layout:
    """Paths under one base directory (the lake root, `/data/ecommerce` by default)."""

    base: str

    def topic_dir(self, topic_base: str) -> str:
        return f"{self.base}/{topic_base}"

    def hour_dir(self, topic_base: str, hour: Hour) -> str:
        return f"{self.base}/{topic_base}/{hour.dir_part()}"

    def final_path(self, topic_base: str, hour: Hour, name: FileName) -> str:
        return f"{self.hour_dir(topic_base, hour)}/{name}"

    def success_path(self, topic_base: str, hour: Hour) -> str:
        return f"{self.hour_dir(topic_base, hour)}/{SUCCESS}"

    @property
    def state_dir(self) -> str:
        return f"{self.base}/{STATE_DIR}"

    def wal_dir(self, topic: str, partition: int) -> str:
        return f"{self.state_dir}/wal/{topic}/{partition}"

    def manifest_path(self, topic: str, partition: int, last_offset: int) -> str:
        return f"{self.wal_dir(topic, partition)}/{offset_name(last_offset, '.json')}"

    def tmp_topic_dir(self, topic: str) -> str:
        return f"{self.state_dir}/tmp/{topic}"

    def tmp_partition_dir(self, topic: str, partition: int) -> str:
        return f"{self.tmp_topic_dir(topic)}/{partition}"

    @property
    def compact_dir(self) -> str:
        return f"{self.state_dir}/compact"
