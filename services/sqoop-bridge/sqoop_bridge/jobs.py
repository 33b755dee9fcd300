"""Saved jobs (Sqoop's `job` tool), one JSON document per job in HDFS.

A job holds the tool and its arguments (never a password) and, for an incremental import, the
last value. `--exec` runs the tool with the stored last value; the new last value is written
back (atomically, see HdfsStore.write_json) only after the run succeeded.
"""

from __future__ import annotations

import posixpath
import re
from datetime import UTC, datetime
from typing import Any

from sqoop_bridge.errors import SqoopError, UsageError
from sqoop_bridge.hdfsstore import HdfsStore

JOB_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
TOOLS_WITH_JOBS = ("import", "export", "import-all-tables", "eval", "list-tables", "list-databases")


def check_job_name(name: str) -> str:
    if JOB_NAME.fullmatch(name) is None or name.endswith((".json", ".bak")):
        raise UsageError(f"invalid job name {name!r}: letters, digits, '_', '.', '-' (at most 100)")
    return name


class JobStore:
    """The saved jobs under one HDFS directory."""

    def __init__(self, store: HdfsStore, directory: str) -> None:
        self.store = store
        self.directory = directory

    def path(self, name: str) -> str:
        return posixpath.join(self.directory, check_job_name(name) + ".json")

    def names(self) -> list[str]:
        if not self.store.is_dir(self.directory):
            return []
        return sorted(n[: -len(".json")] for n in self.store.listdir(self.directory) if n.endswith(".json"))

    def get(self, name: str) -> dict[str, Any]:
        doc = self.store.read_json(self.path(name))
        if doc is None:
            raise SqoopError(f"No such job: {name}")
        return dict(doc)

    def exists(self, name: str) -> bool:
        return self.store.read_json(self.path(name)) is not None

    def create(self, name: str, tool: str, args: list[str]) -> dict[str, Any]:
        if tool not in TOOLS_WITH_JOBS:
            raise UsageError(f"job --create: tool {tool!r} cannot be saved (one of {', '.join(TOOLS_WITH_JOBS)})")
        if self.exists(name):
            raise SqoopError(f"Job {name} already exists")
        now = _now()
        doc = {"name": name, "tool": tool, "args": list(args), "last_value": None, "created": now, "updated": now, "runs": 0}
        self.store.write_json(self.path(name), doc)
        return doc

    def record_success(self, name: str, last_value: str | None) -> dict[str, Any]:
        doc = self.get(name)
        if last_value is not None:
            doc["last_value"] = last_value
        doc["updated"] = _now()
        doc["runs"] = int(doc.get("runs", 0)) + 1
        self.store.write_json(self.path(name), doc)
        return doc

    def delete(self, name: str) -> None:
        path = self.path(name)
        if not self.exists(name):
            raise SqoopError(f"No such job: {name}")
        self.store.delete(path)
        self.store.delete(path + ".bak")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
