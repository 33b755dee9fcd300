"""HDFS through the NameNode's web port: capacity from JMX, listings from WebHDFS LISTSTATUS.

The lake summary (files and bytes per topic, date and hour) costs one LISTSTATUS per directory,
so it is limited to the most recent dates and cached for longer than the live figures.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from typing import Any

from dashboard.sources.base import Cache, Unavailable, get_bytes, get_json, guarded

SOURCE = "hdfs"


@dataclass(frozen=True)
class Capacity:
    total: int
    used: int
    remaining: int
    files: int
    blocks: int
    live_datanodes: int
    dead_datanodes: int
    state: str

    @property
    def used_percent(self) -> float:
        return 100.0 * self.used / self.total if self.total else 0.0


@dataclass(frozen=True)
class Entry:
    name: str
    path: str
    is_dir: bool
    length: int
    modified_ms: int
    replication: int


@dataclass(frozen=True)
class HourStats:
    topic: str
    date: str
    hour: str
    files: int
    bytes: int
    small_files: int
    closed: bool

    @property
    def average_bytes(self) -> int:
        return self.bytes // self.files if self.files else 0


class HdfsSource:
    def __init__(self, url: str, user: str, timeout: float, cache: Cache) -> None:
        self.url = url.rstrip("/")
        self.user = user
        self.timeout = timeout
        self.cache = cache

    def _webhdfs(self, path: str, op: str, **params: str) -> str:
        query = urllib.parse.urlencode({"op": op, "user.name": self.user, **params})
        return f"{self.url}/webhdfs/v1{urllib.parse.quote(path)}?{query}"

    def capacity(self) -> Capacity | Unavailable:
        def load() -> Capacity:
            payload = get_json(f"{self.url}/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState", self.timeout)
            beans = payload.get("beans") or []
            if not beans:
                raise ValueError("NameNode JMX: no FSNamesystemState bean")
            bean: dict[str, Any] = beans[0]
            return Capacity(
                total=int(bean.get("CapacityTotal", 0)),
                used=int(bean.get("CapacityUsed", 0)),
                remaining=int(bean.get("CapacityRemaining", 0)),
                files=int(bean.get("FilesTotal", 0)),
                blocks=int(bean.get("BlocksTotal", 0)),
                live_datanodes=int(bean.get("NumLiveDataNodes", 0)),
                dead_datanodes=int(bean.get("NumDeadDataNodes", 0)),
                state=str(bean.get("FSState", "")),
            )

        return self.cache.get(("hdfs", "capacity"), 5.0, lambda: guarded(SOURCE, load))

    def listdir(self, path: str) -> list[Entry] | Unavailable:
        """LISTSTATUS of ``path``; a missing path is Unavailable with reason "no such path"."""
        return self.cache.get(("hdfs", "list", path), 2.0, lambda: guarded(SOURCE, lambda: self._listdir(path)))

    def _listdir(self, path: str) -> list[Entry]:
        import urllib.error

        try:
            payload = get_json(self._webhdfs(path, "LISTSTATUS"), self.timeout)
        except urllib.error.HTTPError as error:
            if error.code == 404:
                raise FileNotFoundError(f"no such path {path}") from None
            raise
        statuses = ((payload or {}).get("FileStatuses") or {}).get("FileStatus") or []
        base = path.rstrip("/")
        entries = []
        for status in statuses:
            suffix = status.get("pathSuffix", "")
            entries.append(
                Entry(
                    name=suffix,
                    path=f"{base}/{suffix}" if suffix else path,
                    is_dir=status.get("type") == "DIRECTORY",
                    length=int(status.get("length", 0)),
                    modified_ms=int(status.get("modificationTime", 0)),
                    replication=int(status.get("replication", 0)),
                )
            )
        return sorted(entries, key=lambda e: (not e.is_dir, e.name))

    def read(self, path: str, limit: int = 64 * 1024 * 1024) -> bytes | Unavailable:
        """A whole (small) file via WebHDFS OPEN; the NameNode redirects to a DataNode."""
        return guarded(SOURCE, lambda: get_bytes(self._webhdfs(path, "OPEN"), max(self.timeout, 5.0), limit))

    def lake(self, root: str, days: int, small_bytes: int) -> list[HourStats] | Unavailable:
        """Files and bytes per topic, date and hour under ``root`` for the ``days`` most recent dates."""

        def load() -> list[HourStats] | Unavailable:
            return guarded(SOURCE, lambda: self._lake(root, days, small_bytes))

        return self.cache.get(("hdfs", "lake", root, days, small_bytes), 15.0, load)

    def _lake(self, root: str, days: int, small_bytes: int) -> list[HourStats]:
        stats: list[HourStats] = []
        try:
            topics = [e for e in self._listdir(root) if e.is_dir]
        except FileNotFoundError:
            return []
        for topic in topics:
            dates = sorted((e for e in self._listdir(topic.path) if e.is_dir and e.name.startswith("date=")), key=lambda e: e.name)
            for date in dates[-days:]:
                for hour in (e for e in self._listdir(date.path) if e.is_dir and e.name.startswith("hour=")):
                    listing = self._listdir(hour.path)
                    files = [e for e in listing if not e.is_dir and not e.name.startswith(("_", "."))]
                    names = {e.name for e in listing}
                    stats.append(
                        HourStats(
                            topic=topic.name,
                            date=date.name.removeprefix("date="),
                            hour=hour.name.removeprefix("hour="),
                            files=len(files),
                            bytes=sum(f.length for f in files),
                            small_files=sum(1 for f in files if f.length < small_bytes),
                            closed="_SUCCESS" in names,
                        )
                    )
        return sorted(stats, key=lambda s: (s.topic, s.date, s.hour))
