"""The batch layer's output in HDFS: views under /warehouse/<view>/date=YYYY-MM-DD/ (Parquet) and
daily reports under /reports/date=YYYY-MM-DD/ (report.md, charts, CSV), read through WebHDFS + pyarrow.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from dashboard.sources.base import Cache, Unavailable, guarded
from dashboard.sources.hdfs import HdfsSource

SOURCE = "batch layer"
NO_VIEWS = "no batch views yet (run souk daily)"
MAX_ROWS = 100_000


@dataclass(frozen=True)
class ViewData:
    view: str
    columns: list[str]
    rows: list[dict[str, Any]]
    dates: list[str]
    truncated: bool


@dataclass(frozen=True)
class Report:
    date: str
    markdown: str
    images: dict[str, bytes]
    csv_files: list[str]


def _is_data_file(name: str) -> bool:
    return not name.startswith(("_", ".")) and (name.endswith(".parquet") or name.startswith("part-"))


class WarehouseSource:
    def __init__(self, hdfs: HdfsSource, warehouse_root: str, reports_root: str, cache: Cache) -> None:
        self.hdfs = hdfs
        self.root = warehouse_root.rstrip("/") or "/"
        self.reports_root = reports_root.rstrip("/") or "/"
        self.cache = cache

    def views(self) -> dict[str, list[str]] | Unavailable:
        """{view: [dates]} of every view that has at least one date partition."""

        def load() -> dict[str, list[str]] | Unavailable:
            top = self.hdfs.listdir(self.root)
            if isinstance(top, Unavailable):
                return Unavailable(SOURCE, NO_VIEWS) if "no such path" in top.reason else top
            out = {}
            for entry in (e for e in top if e.is_dir):
                listing = self.hdfs.listdir(entry.path)
                if isinstance(listing, Unavailable):
                    return listing
                dates = sorted(e.name.removeprefix("date=") for e in listing if e.is_dir and e.name.startswith("date="))
                if dates:
                    out[entry.name] = dates
            return out or Unavailable(SOURCE, NO_VIEWS)

        return self.cache.get(("warehouse", "views"), 10.0, load)

    def read(self, view: str, start: date | None, end: date | None) -> ViewData | Unavailable:
        views = self.views()
        if isinstance(views, Unavailable):
            return views
        chosen = [d for d in views.get(view, []) if (start is None or d >= start.isoformat()) and (end is None or d <= end.isoformat())]
        key = ("warehouse", "read", view, tuple(chosen))
        return self.cache.get(key, 30.0, lambda: guarded(SOURCE, lambda: self._read(view, chosen)))

    def _read(self, view: str, dates: list[str]) -> ViewData:
        import pyarrow.parquet as pq

        rows: list[dict[str, Any]] = []
        columns: list[str] = []
        truncated = False
        for day in dates:
            listing = self.hdfs.listdir(f"{self.root}/{view}/date={day}")
            if isinstance(listing, Unavailable):
                raise ConnectionError(listing.reason)
            for entry in (e for e in listing if not e.is_dir and _is_data_file(e.name)):
                body = self.hdfs.read(entry.path)
                if isinstance(body, Unavailable):
                    raise ConnectionError(body.reason)
                table = pq.read_table(io.BytesIO(body))
                for name in table.column_names:
                    if name not in columns:
                        columns.append(name)
                for row in table.to_pylist():
                    if len(rows) >= MAX_ROWS:
                        truncated = True
                        break
                    rows.append({"date": day, **row})
        return ViewData(view=view, columns=["date", *[c for c in columns if c != "date"]], rows=rows, dates=dates, truncated=truncated)

    def report_dates(self) -> list[str] | Unavailable:
        def load() -> list[str] | Unavailable:
            listing = self.hdfs.listdir(self.reports_root)
            if isinstance(listing, Unavailable):
                return Unavailable(SOURCE, NO_VIEWS) if "no such path" in listing.reason else listing
            return sorted((e.name.removeprefix("date=") for e in listing if e.is_dir and e.name.startswith("date=")), reverse=True)

        return self.cache.get(("warehouse", "reports"), 10.0, load)

    def report(self, day: str) -> Report | Unavailable:
        return self.cache.get(("warehouse", "report", day), 30.0, lambda: guarded(SOURCE, lambda: self._report(day)))

    def _report(self, day: str) -> Report:
        folder = f"{self.reports_root}/date={day}"
        listing = self.hdfs.listdir(folder)
        if isinstance(listing, Unavailable):
            raise FileNotFoundError(f"no report for {day}")
        markdown = ""
        images: dict[str, bytes] = {}
        csv_files = []
        for entry in (e for e in listing if not e.is_dir):
            lower = entry.name.lower()
            if lower.endswith(".md"):
                body = self.hdfs.read(entry.path, limit=2 * 1024 * 1024)
                if not isinstance(body, Unavailable):
                    markdown += body.decode("utf-8", errors="replace")
            elif lower.endswith((".png", ".svg", ".jpg", ".jpeg")):
                body = self.hdfs.read(entry.path, limit=8 * 1024 * 1024)
                if not isinstance(body, Unavailable):
                    images[entry.name] = body
            elif lower.endswith(".csv"):
                csv_files.append(entry.path)
        return Report(date=day, markdown=markdown, images=images, csv_files=csv_files)

    def csv(self, path: str) -> bytes | Unavailable:
        return self.hdfs.read(path)
