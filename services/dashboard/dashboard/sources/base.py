"""What every source shares: the typed "unavailable" answer, a short-TTL cache, a JSON GET with a timeout.

Every data-access call returns either its value or ``Unavailable(source, reason)``; it never raises
for a server that is down, slow or answering nonsense, so a page can show a banner for one panel
and keep serving the rest.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Unavailable:
    """A source could not answer; ``reason`` is one line for the banner."""

    source: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source} unavailable: {self.reason}"


def reason_of(error: BaseException) -> str:
    """One short line saying why a call failed (no traceback, no secrets)."""
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code} {error.reason}"
    if isinstance(error, urllib.error.URLError):
        error = error.reason if isinstance(error.reason, BaseException) else error
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, TimeoutError | socket.timeout):
        return "timed out"
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def get_json(url: str, timeout: float) -> Any:
    """GET ``url`` and parse its JSON body; raises OSError/ValueError (callers turn them into Unavailable)."""
    request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310 - configured http URLs only
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - configured http URLs only
        return json.loads(response.read().decode("utf-8"))


def get_bytes(url: str, timeout: float, limit: int) -> bytes:
    """GET ``url`` (following redirects, e.g. WebHDFS OPEN to the DataNode); at most ``limit`` bytes."""
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - configured http URLs only
        body: bytes = response.read(limit + 1)
    if len(body) > limit:
        raise ValueError(f"larger than {limit} bytes")
    return body


def guarded(source: str, call: Callable[[], T]) -> T | Unavailable:
    """``call()``, or Unavailable(source, reason) for any failure of the server behind it."""
    try:
        return call()
    except Exception as error:  # a source's failure must never reach the page as an exception
        return Unavailable(source, reason_of(error))


class Cache:
    """Thread-safe TTL cache that serves stale values while one background load refreshes them.

    Dash callbacks run in several threads at once; expensive reads (watermarks, HDFS listings,
    SQL aggregates) must not run once per callback. A key's first read loads synchronously;
    afterwards a read returns at once (the value, fresh or stale) and an expired key is refreshed
    by exactly one background load, so callback time stays independent of the sources' latency.
    A value older than ``max_stale`` times its TTL is not served: the read waits for a load.
    """

    def __init__(self, workers: int = 4, max_stale: float = 10.0) -> None:
        self._lock = threading.Lock()
        self._entries: dict[Any, tuple[float, Any]] = {}
        self._loading: dict[Any, threading.Event] = {}
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dashboard-cache")
        self._max_stale = max_stale

    def get(self, key: Any, ttl: float, load: Callable[[], Any]) -> Any:
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and now - entry[0] < ttl:
                return entry[1]
            usable = entry is not None and now - entry[0] < ttl * self._max_stale
            waiting = self._loading.get(key)
            if waiting is None:
                waiting = self._loading[key] = threading.Event()
                if usable:
                    self._pool.submit(self._load, key, load, waiting)
                    return entry[1]  # type: ignore[index]
                mine = True
            else:
                if usable:
                    return entry[1]  # type: ignore[index]
                mine = False
        if mine:
            return self._load(key, load, waiting)
        waiting.wait()
        with self._lock:
            found = self._entries.get(key)
        return found[1] if found is not None else load()

    def _load(self, key: Any, load: Callable[[], Any], done: threading.Event) -> Any:
        try:
            value = load()
            with self._lock:
                self._entries[key] = (time.monotonic(), value)
            return value
        finally:
            with self._lock:
                self._loading.pop(key, None)
            done.set()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
