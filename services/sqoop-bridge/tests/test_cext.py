"""The bulk reads through mysql-connector's C extension write exactly what the pure-Python client writes.

Under pytest, `ssl` is loaded before sqoop_bridge, so in-process runs use the pure client (see
sqoop_bridge/__init__.py); a `python -m sqoop_bridge` subprocess loads the C extension first.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

from .test_failures import BOOM
from .test_roundtrip import TEXT_FLAGS, _make, _rows

pytestmark = pytest.mark.skipif(importlib.util.find_spec("_mysql_connector") is None, reason="no mysql-connector C extension")


def _subprocess(*argv: str) -> subprocess.CompletedProcess[str]:
    argv_ = [sys.executable, "-m", "sqoop_bridge", *argv]
    return subprocess.run(argv_, env=dict(os.environ), capture_output=True, text=True, timeout=120, check=False)


def test_a_fresh_process_loads_the_c_extension() -> None:
    code = "import sqoop_bridge.connection as c, ssl; print(c.c_extension_available())"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "True"


@pytest.mark.parametrize("fmt", [[], TEXT_FLAGS, ["--as-parquetfile"]], ids=["default-text", "escaped-text", "parquet"])
def test_c_extension_and_pure_client_write_the_same_files(bridge: object, fmt: list[str]) -> None:
    b = bridge
    _make(b, "quirks", _rows(300))
    pure, cext = b.path("pure"), b.path("cext")  # type: ignore[attr-defined]
    args = ["import", "--table", "quirks", "-m", "3", "--fetch-size", "7", *fmt]
    b.ok(*args, "--target-dir", pure)  # type: ignore[attr-defined]
    result = _subprocess(*args, "--target-dir", cext)
    assert result.returncode == 0, result.stderr
    assert "Retrieved 300 records." in result.stderr
    names = b.listing(pure)  # type: ignore[attr-defined]
    assert b.listing(cext) == names and len(names) == 4  # type: ignore[attr-defined]
    if fmt == ["--as-parquetfile"]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        for n in names[1:]:
            want = pq.read_table(pa.BufferReader(b.read(f"{pure}/{n}")))  # type: ignore[attr-defined]
            got = pq.read_table(pa.BufferReader(b.read(f"{cext}/{n}")))  # type: ignore[attr-defined]
            assert got.equals(want) and got.schema == want.schema
    else:
        for n in names:
            assert b.read(f"{cext}/{n}") == b.read(f"{pure}/{n}")  # type: ignore[attr-defined]


def test_a_server_error_mid_stream_is_reported_through_the_c_extension(bridge: object) -> None:
    b = bridge
    b.sql("CREATE TABLE f (id INT PRIMARY KEY, v VARCHAR(10))")  # type: ignore[attr-defined]
    b.sql("INSERT INTO f SELECT seq, CONCAT('v', seq) FROM seq_1_to_5000")  # type: ignore[attr-defined]
    b.sql(BOOM.format(limit=4500))  # type: ignore[attr-defined]
    target = b.path("f")  # type: ignore[attr-defined]
    query = "SELECT id, boom(id) AS checked, v FROM f WHERE $CONDITIONS"
    result = _subprocess("import", "--query", query, "--split-by", "id", "-m", "2", "--fetch-size", "100", "--target-dir", target)
    assert result.returncode == 1
    assert "Import failed: split 1" in result.stderr and "injected failure" in result.stderr
    assert not b.listing(b.base) or "f" not in b.listing(b.base)  # type: ignore[attr-defined]
