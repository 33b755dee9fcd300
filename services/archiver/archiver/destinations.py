"""Where Parquet bytes go: an HDFS-like file system behind one small interface.

`WebHdfsDestination` talks to the real NameNode over WebHDFS; `LocalDestination` maps the same
absolute paths under a local directory so the archiver's logic runs in unit tests. Both give the
two guarantees exactly-once rests on: `write` replaces a whole file, and `rename` is atomic and
refuses to replace an existing destination.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol


class DestinationUnavailable(Exception):
    """The file system could not be reached or refused for a reason that may pass: retry."""


@dataclass(frozen=True, slots=True)
class Entry:
    name: str
    is_dir: bool
    size: int


class Destination(Protocol):
    """An HDFS-like file system addressed by absolute '/'-separated paths."""

    def write(self, path: str, data: bytes) -> None:
        """Create or replace `path` with `data`, creating missing parent directories."""

    def read(self, path: str) -> bytes:
        """The bytes of `path`; FileNotFoundError if absent."""

    def rename(self, src: str, dst: str) -> None:
        """Atomically move `src` (file or directory) to `dst`, creating dst's parents.

        FileExistsError if `dst` exists, FileNotFoundError if `src` does not.
        """

    def listdir(self, path: str) -> list[Entry]:
        """The entries of directory `path`; [] when it does not exist."""

    def exists(self, path: str) -> bool: ...

    def delete(self, path: str, recursive: bool = False) -> bool:
        """Remove `path`; False when it was already absent."""

    def makedirs(self, path: str) -> None: ...


def parent(path: str) -> str:
    return path.rsplit("/", 1)[0] or "/"


class LocalDestination:
    """The Destination interface on a local directory (unit tests, dry runs)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _local(self, path: str) -> Path:
        if not path.startswith("/"):
            raise ValueError(f"not an absolute path: {path!r}")
        return self.root / path.lstrip("/")

    def write(self, path: str, data: bytes) -> None:
        local = self._local(path)
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_bytes(data)

    def read(self, path: str) -> bytes:
        return self._local(path).read_bytes()

    def rename(self, src: str, dst: str) -> None:
        source, target = self._local(src), self._local(dst)
        if not source.exists():
            raise FileNotFoundError(src)
        if target.exists():
            raise FileExistsError(dst)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.rename(source, target)

    def listdir(self, path: str) -> list[Entry]:
        local = self._local(path)
        if not local.is_dir():
            return []
        return [Entry(p.name, p.is_dir(), 0 if p.is_dir() else p.stat().st_size) for p in sorted(local.iterdir())]

    def exists(self, path: str) -> bool:
        return self._local(path).exists()

    def delete(self, path: str, recursive: bool = False) -> bool:
        local = self._local(path)
        if not local.exists():
            return False
        if local.is_dir():
            if recursive:
                shutil.rmtree(local)
            else:
                local.rmdir()
        else:
            local.unlink()
        return True

    def makedirs(self, path: str) -> None:
        self._local(path).mkdir(parents=True, exist_ok=True)


def _remote_exception(error: Exception) -> str:
    return str(error).split("\n", 1)[0][:300]


class WebHdfsDestination:
    """The Destination interface on the real HDFS, through WebHDFS (the `hdfs` package)."""

    def __init__(self, url: str, user: str, timeout_s: float = 60.0) -> None:
        from hdfs import InsecureClient

        self.url = url
        self.client = InsecureClient(url, user=user, timeout=(5, timeout_s))

    def _call(self, what: str, path: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        import requests
        from hdfs.util import HdfsError

        try:
            return fn(*args, **kwargs)
        except requests.exceptions.RequestException as error:
            raise DestinationUnavailable(f"{what} {path}: {type(error).__name__}: {_remote_exception(error)}") from None
        except HdfsError as error:
            text = str(error)
            if "FileNotFoundException" in text or "does not exist" in text:
                raise FileNotFoundError(path) from None
            if "FileAlreadyExistsException" in text or "already exists" in text:
                raise FileExistsError(path) from None
            raise DestinationUnavailable(f"{what} {path}: {_remote_exception(error)}") from None

    def write(self, path: str, data: bytes) -> None:
        self._call("write", path, self.client.write, path, data=data, overwrite=True)

    def read(self, path: str) -> bytes:
        def read() -> bytes:
            with self.client.read(path) as reader:
                data: bytes = reader.read()
                return data

        result: bytes = self._call("read", path, read)
        return result

    def rename(self, src: str, dst: str) -> None:
        # One call in the common case; WebHDFS answers a refused rename with a bare `false`, and
        # only then do we find out which precondition failed (dst there, src gone, no parent).
        for attempt in (1, 2):
            try:
                self._call("rename", src, self.client.rename, src, dst)
                return
            except DestinationUnavailable as error:
                if "Unable to rename" not in str(error):
                    raise
                if self.exists(dst):
                    raise FileExistsError(dst) from None
                if not self.exists(src):
                    raise FileNotFoundError(src) from None
                if attempt == 2:
                    raise
                self.makedirs(parent(dst))

    def listdir(self, path: str) -> list[Entry]:
        try:
            listing = self._call("list", path, self.client.list, path, status=True)
        except FileNotFoundError:
            return []
        return [Entry(name, status["type"] == "DIRECTORY", int(status.get("length", 0))) for name, status in listing]

    def exists(self, path: str) -> bool:
        return self._call("status", path, self.client.status, path, strict=False) is not None

    def delete(self, path: str, recursive: bool = False) -> bool:
        return bool(self._call("delete", path, self.client.delete, path, recursive=recursive))

    def makedirs(self, path: str) -> None:
        self._call("makedirs", path, self.client.makedirs, path)
