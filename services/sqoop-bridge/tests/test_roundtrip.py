"""MariaDB → HDFS → MariaDB of a table full of quirks is equal row for row; -m 4 splits cover every row once."""

from __future__ import annotations

import io
import random
from datetime import date, datetime
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

QUIRKS_DDL = """CREATE TABLE {name} (
  id INT NOT NULL PRIMARY KEY,
  name_latin1 VARCHAR(100) CHARACTER SET latin1 NULL,
  note TEXT NULL,
  price DECIMAL(12,2) NULL,
  big DECIMAL(30,10) NULL,
  at DATETIME NULL,
  at6 DATETIME(6) NULL,
  day DATE NULL,
  ratio DOUBLE NULL,
  flag TINYINT(1) NULL,
  qty BIGINT NULL
) DEFAULT CHARSET=utf8mb4"""

LATIN1 = ["Mère de Famille", "Rovelli Gifts", "Königlich Essen", "Enaco, Barcelona", "Ça va", "O'Brien", 'say "hi"', "", "ñ,é;à"]
NOTES = [
    "plain",
    "a,b,c",
    'quote " inside',
    "new\nline",
    "tab\there",
    "back\\slash",
    "null",
    "'single'",
    "€ and 漢字",
    "",
    ",\n,",
    "trailing\\",
]


def _rows(n: int = 80) -> list[tuple[object, ...]]:
    rng = random.Random(42)
    rows = []
    for i in range(1, n + 1):

        def maybe(value: object) -> object:
            return None if rng.random() < 0.15 else value

        rows.append(
            (
                i,
                maybe(rng.choice(LATIN1)),
                maybe(rng.choice(NOTES) + rng.choice(NOTES)),
                maybe(Decimal(rng.randint(-(10**6), 10**8)) / 100),
                maybe(Decimal(rng.randint(-(10**15), 10**15)) / Decimal(10**10)),
                maybe(datetime(2003, 1, 1) + (datetime(2005, 5, 31) - datetime(2003, 1, 1)) * rng.random()),
                maybe(datetime(2024, 2, 29, 23, 59, 59, rng.randint(0, 999999))),
                maybe(date(2000 + rng.randint(0, 30), rng.randint(1, 12), rng.randint(1, 28))),
                maybe(rng.choice([0.1, 1e-5, 1.5e20, -2.25, 123456789.125, 0.0])),
                maybe(rng.choice([0, 1])),
                maybe(rng.randint(-(2**62), 2**62)),
            )
        )
    return rows


def _make(bridge: object, name: str, rows: list[tuple[object, ...]] | None = None) -> None:
    bridge.sql(QUIRKS_DDL.format(name=name))  # type: ignore[attr-defined]
    if rows:
        cur = bridge.conn.cursor()  # type: ignore[attr-defined]
        cur.executemany(
            f"INSERT INTO {name} VALUES ({', '.join(['%s'] * 11)})",
            [(*r[:5], r[5].replace(microsecond=0) if r[5] else None, *r[6:]) for r in rows],
        )
        bridge.conn.commit()  # type: ignore[attr-defined]


def _all(bridge: object, name: str) -> list[tuple[object, ...]]:
    return bridge.sql(f"SELECT * FROM {name} ORDER BY id")  # type: ignore[attr-defined]


TEXT_FLAGS = ["--escaped-by", "\\", "--optionally-enclosed-by", '"', "--null-string", "\\N", "--null-non-string", "\\N"]
EXPORT_TEXT_FLAGS = ["--escaped-by", "\\", "--optionally-enclosed-by", '"', "--input-null-string", "\\N", "--input-null-non-string", "\\N"]


@pytest.mark.parametrize("file_format", ["text", "parquet"])
def test_round_trip_of_quirky_table_is_equal_row_for_row(bridge: object, file_format: str) -> None:
    b = bridge
    _make(b, "quirks", _rows())
    _make(b, "quirks_back")
    target = b.path("quirks")  # type: ignore[attr-defined]
    fmt = ["--as-parquetfile"] if file_format == "parquet" else ["--as-textfile", *TEXT_FLAGS]
    run = b.ok("import", "--table", "quirks", "--split-by", "id", "-m", "3", "--target-dir", target, *fmt)  # type: ignore[attr-defined]
    assert "Retrieved 80 records." in run.err
    names = b.listing(target)  # type: ignore[attr-defined]
    suffix = ".parquet" if file_format == "parquet" else ""
    assert names == ["_SUCCESS", f"part-m-00000{suffix}", f"part-m-00001{suffix}", f"part-m-00002{suffix}"]
    export_fmt = [] if file_format == "parquet" else EXPORT_TEXT_FLAGS
    run = b.ok("export", "--table", "quirks_back", "--export-dir", target, *export_fmt)  # type: ignore[attr-defined]
    assert "Exported 80 records." in run.err
    original, back = _all(b, "quirks"), _all(b, "quirks_back")
    assert len(original) == 80
    assert back == original


def test_parquet_types_are_exact(bridge: object) -> None:
    b = bridge
    _make(b, "quirks", _rows(10))
    target = b.path("q")  # type: ignore[attr-defined]
    b.ok("import", "--table", "quirks", "-m", "1", "--target-dir", target, "--as-parquetfile")  # type: ignore[attr-defined]
    table = pq.read_table(pa.BufferReader(b.read(target + "/part-m-00000.parquet")))  # type: ignore[attr-defined]
    types = {f.name: f.type for f in table.schema}
    assert types["price"] == pa.decimal128(12, 2)
    assert types["big"] == pa.decimal128(30, 10)
    assert types["at"] == pa.timestamp("us") and types["at6"] == pa.timestamp("us")
    assert types["note"] == pa.string() and types["name_latin1"] == pa.string()
    assert types["day"] == pa.date32() and types["flag"] == pa.bool_() and types["qty"] == pa.int64()
    original = _all(b, "quirks")
    assert table.column("price").to_pylist() == [r[3] for r in original]
    assert table.column("note").to_pylist() == [r[2] for r in original]


def test_default_text_format_is_sqoops(bridge: object) -> None:
    b = bridge
    b.sql("CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(20) CHARACTER SET latin1, amount DECIMAL(10,2), at DATETIME, n INT)")  # type: ignore[attr-defined]
    b.sql("INSERT INTO t VALUES (1, 'Mère', 95.70, '2003-02-24 00:00:00', NULL), (2, NULL, 2871.00, '2004-12-01 13:05:09', 7)")  # type: ignore[attr-defined]
    target = b.path("t")  # type: ignore[attr-defined]
    b.ok("import", "--table", "t", "-m", "1", "--target-dir", target)  # type: ignore[attr-defined]
    assert b.read(target + "/part-m-00000").decode() == "1,Mère,95.70,2003-02-24 00:00:00.0,null\n2,null,2871.00,2004-12-01 13:05:09.0,7\n"  # type: ignore[attr-defined]
    b.ok(
        "import",
        "--table",
        "t",
        "-m",
        "1",
        "--target-dir",
        target,
        "--delete-target-dir",
        "--fields-terminated-by",
        "\\t",
        "--null-string",
        "",
        "--null-non-string",
        "\\N",
        "--columns",
        "n,name",
    )  # type: ignore[attr-defined]
    assert b.read(target + "/part-m-00000").decode() == "\\N\tMère\n7\t\n"  # type: ignore[attr-defined]


def test_four_splits_cover_every_row_once_including_null_split_values(bridge: object) -> None:
    b = bridge
    b.sql("CREATE TABLE s (id INT PRIMARY KEY, k INT NULL, v VARCHAR(10))")  # type: ignore[attr-defined]
    rng = random.Random(3)
    rows = [(i, None if i % 7 == 0 else rng.randint(-500, 500), f"v{i}") for i in range(1, 1001)]
    cur = b.conn.cursor()  # type: ignore[attr-defined]
    cur.executemany("INSERT INTO s VALUES (%s, %s, %s)", rows)
    b.conn.commit()  # type: ignore[attr-defined]
    target = b.path("s")  # type: ignore[attr-defined]
    b.ok("import", "--table", "s", "--split-by", "k", "-m", "4", "--target-dir", target)  # type: ignore[attr-defined]
    assert [n for n in b.listing(target) if n.startswith("part-")] == [f"part-m-0000{i}" for i in range(4)]  # type: ignore[attr-defined]
    ids = [int(line.split(",")[0]) for line in b.text_rows(target)]  # type: ignore[attr-defined]
    assert sorted(ids) == list(range(1, 1001))
    nulls = [line for line in b.text_rows(target) if line.split(",")[1] == "null"]  # type: ignore[attr-defined]
    assert len(nulls) == sum(1 for r in rows if r[1] is None)


def test_import_without_primary_key_needs_split_by_or_one_mapper(bridge: object) -> None:
    b = bridge
    b.sql("CREATE TABLE nopk (a INT, b VARCHAR(5))")  # type: ignore[attr-defined]
    b.sql("INSERT INTO nopk VALUES (1, 'x'), (2, 'y')")  # type: ignore[attr-defined]
    run = b("import", "--table", "nopk", "--target-dir", b.path("nopk"))  # type: ignore[attr-defined]
    assert run.code == 2 and "No primary key could be found for table nopk" in run.err and run.err.count("\n") == 1
    run = b("import", "--table", "nopk", "--split-by", "b", "--target-dir", b.path("nopk"))  # type: ignore[attr-defined]
    assert run.code == 2 and "allow_text_splitter" in run.err
    b.ok("import", "--table", "nopk", "--autoreset-to-one-mapper", "--target-dir", b.path("nopk"))  # type: ignore[attr-defined]
    assert sorted(b.text_rows(b.path("nopk"))) == ["1,x", "2,y"]  # type: ignore[attr-defined]
    run = b("import", "--table", "nopk", "-m", "1", "--target-dir", b.path("nopk"))  # type: ignore[attr-defined]
    assert run.code == 1 and "already exists" in run.err


def test_free_form_query_with_conditions(bridge: object) -> None:
    b = bridge
    b.sql("CREATE TABLE o (id INT PRIMARY KEY, c VARCHAR(10), amount DECIMAL(8,2))")  # type: ignore[attr-defined]
    b.sql("INSERT INTO o VALUES " + ", ".join(f"({i}, 'c{i % 3}', {i}.25)" for i in range(1, 41)))  # type: ignore[attr-defined]
    target = b.path("q")  # type: ignore[attr-defined]
    q = "SELECT o.id, o.c, o.amount * 2 AS doubled FROM o WHERE o.c <> 'c0' AND $CONDITIONS"
    b.ok("import", "--query", q, "--split-by", "o.id", "-m", "2", "--target-dir", target, "--as-parquetfile")  # type: ignore[attr-defined]
    tables = [pq.read_table(io.BytesIO(b.read(f"{target}/{n}"))) for n in b.listing(target) if n.endswith(".parquet")]  # type: ignore[attr-defined]
    got = sorted(r["id"] for t in tables for r in t.to_pylist())
    assert got == [i for i in range(1, 41) if i % 3 != 0]
    assert tables[0].schema.field("doubled").type == pa.decimal128(9, 2)  # the type the server gives the expression
