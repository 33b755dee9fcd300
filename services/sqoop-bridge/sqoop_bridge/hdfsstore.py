"""HDFS through WebHDFS (the `hdfs` package): retried calls, one-line errors, atomic directory commits.

An import writes its part files into a hidden sibling directory (`_sqoop_tmp_<target>_<id>`,
which Hadoop input formats skip) and renames it onto the target only when every split
succeeded, so a failed import leaves no partial target.
"""

from __future__ import annotations

import json
import posixpath
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from souk.logs import get_logger
from sqoop_bridge.errors import SqoopError

log = get_logger()
T = TypeVar("T")

PART_PREFIX = "part-m-"


class HdfsStore:
    """The few HDFS operations sqoop-bridge needs, on one WebHDFS client."""

    def __init__(self, url: str, user: str, retries: int = 5, backoff_s: float = 0.5) -> None:
        from hdfs import InsecureClient

        self.url = url
        self.user = user
        self.client = InsecureClient(url, user=user)
        self.retries = retries
        self.backoff_s = backoff_s

    def _call(self, what: str, fn: Callable[[], T], retry: bool = True) -> T:
        from hdfs.util import HdfsError
        from requests.exceptions import RequestException

        delay = self.backoff_s
        attempts = self.retries if retry else 1
        for attempt in range(1, attempts + 1):
            try:
                return fn()
            except HdfsError as exc:
                raise SqoopError(f"HDFS {what}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
            except RequestException as exc:
                if attempt == attempts:
                    raise SqoopError(f"HDFS {what}: WebHDFS at {self.url} unreachable ({type(exc).__name__})") from None
                log.warning("sqoop.hdfs.retry", what=what, attempt=attempt, delay_s=delay)
                time.sleep(delay)
                delay *= 2
        raise SqoopError(f"HDFS {what} failed")  # pragma: no cover

    def status(self, path: str) -> dict[str, Any] | None:
        return self._call(f"stat {path}", lambda: self.client.status(path, strict=False))

    def exists(self, path: str) -> bool:
        return self.status(path) is not None

    def is_dir(self, path: str) -> bool:
        st = self.status(path)
        return st is not None and st.get("type") == "DIRECTORY"

    def makedirs(self, path: str) -> None:
        self._call(f"mkdir {path}", lambda: self.client.makedirs(path))

    def delete(self, path: str, recursive: bool = True) -> bool:
        return bool(self._call(f"delete {path}", lambda: self.client.delete(path, recursive=recursive)))

    def rename(self, src: str, dst: str) -> None:
        self._call(f"rename {src} -> {dst}", lambda: self.client.rename(src, dst), retry=False)

    def listdir(self, path: str) -> list[str]:
        return sorted(self._call(f"list {path}", lambda: self.client.list(path)))

    def read(self, path: str) -> bytes:
        def go() -> bytes:
            with self.client.read(path) as reader:
                return bytes(reader.read())

        return self._call(f"read {path}", go)

    def write(self, path: str, data: bytes | Iterable[bytes], overwrite: bool = False) -> None:
        # A generator cannot be replayed, so only bytes are retried.
        self._call(f"write {path}", lambda: self.client.write(path, data=data, overwrite=overwrite), retry=isinstance(data, bytes))

    def upload(self, path: str, local: str) -> None:
        def go() -> None:
            with open(local, "rb") as fh:
                self.client.write(path, data=fh, overwrite=True)

        self._call(f"upload {path}", go)

    def data_files(self, directory: str) -> list[str]:
        """The files of an output directory a reader should see (not _SUCCESS, not hidden), sorted."""
        if not self.is_dir(directory):
            raise SqoopError(f"HDFS directory {directory} does not exist")
        return [posixpath.join(directory, n) for n in self.listdir(directory) if not n.startswith(("_", "."))]

    def part_files(self, directory: str) -> list[str]:
        return [n for n in self.listdir(directory) if n.startswith(PART_PREFIX)] if self.is_dir(directory) else []

    # --- atomic commits --------------------------------------------------------------------------

    def temp_dir(self, target: str) -> str:
        parent, name = posixpath.split(target.rstrip("/"))
        path = posixpath.join(parent or "/", f"_sqoop_tmp_{name}_{uuid.uuid4().hex[:12]}")
        self.makedirs(path)
        return path

    def commit_dir(self, temp: str, target: str, replace: bool) -> None:
        """Make `temp` the target: rename it into place (an existing target is swapped out first)."""
        parent = posixpath.dirname(target.rstrip("/")) or "/"
        self.makedirs(parent)
        if self.exists(target):
            if not replace:
                raise SqoopError(f"Output directory {target} already exists")
            old = posixpath.join(parent, f"_sqoop_old_{posixpath.basename(target)}_{uuid.uuid4().hex[:12]}")
            self.rename(target, old)
            try:
                self.rename(temp, target)
            except SqoopError:
                self.rename(old, target)
                raise
            self.delete(old)
        else:
            self.rename(temp, target)

    def append_parts(self, temp: str, target: str) -> list[str]:
        """Move temp's part files into target under the next free part numbers (Sqoop's --append)."""
        existing = self.part_files(target)
        numbers = [int(n[len(PART_PREFIX) :].split(".")[0]) for n in existing if n[len(PART_PREFIX) :].split(".")[0].isdigit()]
        next_number = max(numbers, default=-1) + 1
        moved = []
        for name in self.part_files(temp):
            suffix = name[len(PART_PREFIX) + 5 :]
            dst = posixpath.join(target, f"{PART_PREFIX}{next_number:05d}{suffix}")
            self.rename(posixpath.join(temp, name), dst)
            moved.append(dst)
            next_number += 1
        if not self.exists(posixpath.join(target, "_SUCCESS")):
            self.write(posixpath.join(target, "_SUCCESS"), b"", overwrite=True)
        self.delete(temp)
        return moved

    # --- small JSON documents (saved jobs) ----------------------------------------------------------

    def read_json(self, path: str) -> Any | None:
        """The document at `path` (or at its `.bak` if a write was interrupted between renames)."""
        for candidate in (path, path + ".bak"):
            if self.exists(candidate):
                return json.loads(self.read(candidate).decode("utf-8"))
        return None

    def write_json(self, path: str, doc: Any) -> None:
        """Replace the document at `path` so a reader sees either the old or the new one, never half."""
        directory = posixpath.dirname(path)
        self.makedirs(directory)
        tmp = f"{path}.tmp-{uuid.uuid4().hex[:8]}"
        self.write(tmp, json.dumps(doc, indent=2, sort_keys=True).encode("utf-8"), overwrite=True)
        bak = path + ".bak"
        if self.exists(path):
            self.delete(bak)
            self.rename(path, bak)
        self.rename(tmp, path)
        self.delete(bak)
