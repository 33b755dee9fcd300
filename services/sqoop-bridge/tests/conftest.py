"""Fixtures of sqoop-bridge's integration tests: the CLI run in-process against a test database and HDFS dir."""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqoop_bridge.cli import main


@dataclass
class Run:
    code: int
    out: str
    err: str


@dataclass
class Bridge:
    """`bridge("import", "--table", …)` runs sqoop-bridge on the test's database, HDFS dir and jobs dir."""

    database: str
    base: str
    conn: Any
    hdfs: Any
    capsys: pytest.CaptureFixture[str]

    def __call__(self, *argv: str) -> Run:
        self.capsys.readouterr()
        code = main(list(argv))
        captured = self.capsys.readouterr()
        return Run(code, captured.out, captured.err)

    def ok(self, *argv: str) -> Run:
        run = self(*argv)
        assert run.code == 0, run.err
        return run

    def sql(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        cur = self.conn.cursor()
        cur.execute(statement, params)
        rows = cur.fetchall() if cur.description else []
        self.conn.commit()
        cur.close()
        return rows

    def path(self, *parts: str) -> str:
        return posixpath.join(self.base, *parts)

    def listing(self, directory: str) -> list[str]:
        return sorted(self.hdfs.list(directory))

    def read(self, path: str) -> bytes:
        with self.hdfs.read(path) as reader:
            return bytes(reader.read())

    def text_rows(self, directory: str) -> list[str]:
        lines: list[str] = []
        for name in self.listing(directory):
            if name.startswith("part-"):
                lines += self.read(posixpath.join(directory, name)).decode("utf-8").splitlines()
        return lines


@pytest.fixture
def bridge(stack: Any, mysql_database: str, hdfs_tmpdir: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    monkeypatch.setenv("MYSQL_DATABASE", mysql_database)
    monkeypatch.setenv("SQOOP_JOBS_DIR", posixpath.join(hdfs_tmpdir, ".jobs"))
    monkeypatch.setenv("SQOOP_WAREHOUSE_DIR", hdfs_tmpdir)
    monkeypatch.setenv("SQOOP_RETRY_BACKOFF", "0.05")
    conn = stack.mysql(mysql_database)
    try:
        yield Bridge(mysql_database, hdfs_tmpdir, conn, stack.hdfs(), capsys)
    finally:
        conn.close()


BridgeFixture = Callable[..., Run]
