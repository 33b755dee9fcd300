"""Small files in HDFS over WebHDFS: the archive's markers, reports, CSV exports.

Spark reads and writes the big data through hdfs://; this is for what the driver handles itself.
Every call retries a lost NameNode with back-off, then raises Unavailable with one line.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from batch.errors import Unavailable
from batch.settings import BatchSettings

T = TypeVar("T")


class Hdfs:
    """A WebHDFS client with the few operations the batch layer needs."""

    def __init__(self, settings: BatchSettings, attempts: int = 4, delay_s: float = 1.0) -> None:
        from hdfs import InsecureClient

        self.url = settings.stack.hdfs_url
        self.client = InsecureClient(self.url, user=settings.stack.hdfs_user)
        self.attempts = attempts
        self.delay_s = delay_s

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        import requests

        delay = self.delay_s
        for attempt in range(1, self.attempts + 1):
            try:
                return fn()
            except (requests.ConnectionError, requests.Timeout) as exc:
                if attempt == self.attempts:
                    raise Unavailable(f"HDFS at {self.url} is unreachable ({what}): {type(exc).__name__}") from None
                time.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    def status(self, path: str) -> dict[str, Any] | None:
        return self._call(f"stat {path}", lambda: self.client.status(path, strict=False))

    def exists(self, path: str) -> bool:
        return self.status(path) is not None

    def list(self, path: str) -> list[str]:
        """Names in directory `path`; empty when it does not exist."""
        listing = self._call(f"list {path}", lambda: self.client.list(path, status=False) if self.client.status(path, strict=False) else [])
        return sorted(listing)

    def list_status(self, path: str) -> dict[str, dict[str, Any]]:
        def run() -> dict[str, dict[str, Any]]:
            if not self.client.status(path, strict=False):
                return {}
            return dict(self.client.list(path, status=True))

        return self._call(f"list {path}", run)

    def read(self, path: str) -> bytes:
        def run() -> bytes:
            with self.client.read(path) as reader:
                return bytes(reader.read())

        return self._call(f"read {path}", run)

    def write(self, path: str, data: bytes) -> None:
        self._call(f"write {path}", lambda: self.client.write(path, data=data, overwrite=True))

    def makedirs(self, path: str) -> None:
        self._call(f"mkdir {path}", lambda: self.client.makedirs(path))

    def delete(self, path: str, recursive: bool = False) -> bool:
        return bool(self._call(f"delete {path}", lambda: self.client.delete(path, recursive=recursive)))
