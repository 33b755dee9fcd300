"""Failures halfway: a failing split leaves no partial target and the job's last value unchanged;
an export with a staging table that fails leaves the target table unchanged."""

from __future__ import annotations

import json
from collections import Counter

import pytest

BOOM = """CREATE FUNCTION boom(x INT) RETURNS INT DETERMINISTIC
BEGIN
  IF x > {limit} THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure'; END IF;
  RETURN x;
END"""


def _snapshot(b: object, directory: str) -> dict[str, bytes]:
    return {n: b.read(f"{directory}/{n}") for n in b.listing(directory)}  # type: ignore[attr-defined]


def _leftovers(b: object) -> list[str]:
    return [n for n in b.listing(b.base) if n.startswith("_sqoop_")]  # type: ignore[attr-defined]


def test_failing_split_keeps_last_value_and_target_unchanged(bridge: object) -> None:
    b = bridge
    b.sql("CREATE TABLE f (id INT PRIMARY KEY, v VARCHAR(10))")  # type: ignore[attr-defined]
    b.sql("INSERT INTO f SELECT seq, CONCAT('v', seq) FROM seq_1_to_40")  # type: ignore[attr-defined]
    b.sql(BOOM.format(limit=70))  # type: ignore[attr-defined]
    target = b.path("f")  # type: ignore[attr-defined]
    query = "SELECT id, boom(id) AS checked, v FROM f WHERE $CONDITIONS"
    b.ok(
        "job",
        "--create",
        "f-inc",
        "--",
        "import",
        "--query",
        query,
        "--split-by",
        "id",
        "-m",
        "4",
        "--incremental",
        "append",
        "--check-column",
        "id",
        "--target-dir",
        target,
    )  # type: ignore[attr-defined]
    b.ok("job", "--exec", "f-inc")  # type: ignore[attr-defined]
    job_path = b.path(".jobs", "f-inc.json")  # type: ignore[attr-defined]
    assert json.loads(b.read(job_path))["last_value"] == "40"  # type: ignore[attr-defined]
    before = _snapshot(b, target)

    # Rows 41..80 are split in four; the split holding 71..80 fails on the server, the others succeed.
    b.sql("INSERT INTO f SELECT seq, CONCAT('v', seq) FROM seq_41_to_80")  # type: ignore[attr-defined]
    run = b("job", "--exec", "f-inc")  # type: ignore[attr-defined]
    assert run.code == 1
    assert run.err.count("\n") == 1 and "Import failed: split 3" in run.err and "injected failure" in run.err
    assert json.loads(b.read(job_path))["last_value"] == "40"  # type: ignore[attr-defined]
    assert _snapshot(b, target) == before
    assert _leftovers(b) == []

    b.sql("DROP FUNCTION boom")  # type: ignore[attr-defined]
    b.sql(BOOM.format(limit=1000))  # type: ignore[attr-defined]
    run = b.ok("job", "--exec", "f-inc")  # type: ignore[attr-defined]
    assert "Retrieved 40 records." in run.err
    assert json.loads(b.read(job_path))["last_value"] == "80"  # type: ignore[attr-defined]
    ids = Counter(int(line.split(",")[0]) for line in b.text_rows(target))  # type: ignore[attr-defined]
    assert sorted(ids) == list(range(1, 81)) and set(ids.values()) == {1}


def test_failed_reimport_keeps_the_old_target(bridge: object) -> None:
    b = bridge
    b.sql("CREATE TABLE g (id INT PRIMARY KEY)")  # type: ignore[attr-defined]
    b.sql("INSERT INTO g SELECT seq FROM seq_1_to_20")  # type: ignore[attr-defined]
    b.sql(BOOM.format(limit=25))  # type: ignore[attr-defined]
    target = b.path("g")  # type: ignore[attr-defined]
    q = "SELECT id, boom(id) AS b FROM g WHERE $CONDITIONS"
    b.ok("import", "--query", q, "--split-by", "id", "-m", "2", "--target-dir", target)  # type: ignore[attr-defined]
    before = _snapshot(b, target)
    b.sql("INSERT INTO g SELECT seq FROM seq_21_to_30")  # type: ignore[attr-defined]
    run = b("import", "--query", q, "--split-by", "id", "-m", "2", "--target-dir", target, "--delete-target-dir")  # type: ignore[attr-defined]
    assert run.code == 1 and "injected failure" in run.err
    assert _snapshot(b, target) == before
    run = b("import", "--query", q, "--split-by", "id", "-m", "2", "--target-dir", b.path("fresh"))  # type: ignore[attr-defined]
    assert run.code == 1
    assert "fresh" not in b.listing(b.base) and _leftovers(b) == []  # type: ignore[attr-defined]


def _export_file(b: object, directory: str, rows: list[str]) -> None:
    b.hdfs.write(f"{directory}/part-m-00000", data=("\n".join(rows) + "\n").encode(), overwrite=True)  # type: ignore[attr-defined]


def test_export_failing_halfway_with_staging_leaves_target_unchanged(bridge: object, monkeypatch: pytest.MonkeyPatch) -> None:
    b = bridge
    monkeypatch.setenv("SQOOP_EXPORT_BATCH", "10")
    b.sql("CREATE TABLE tgt (id INT PRIMARY KEY, code VARCHAR(5) NOT NULL, amount DECIMAL(8,2))")  # type: ignore[attr-defined]
    b.sql("CREATE TABLE stg LIKE tgt")  # type: ignore[attr-defined]
    b.sql("INSERT INTO tgt VALUES (1000, 'keep', 1.00), (1001, 'keep', 2.00)")  # type: ignore[attr-defined]
    before = b.sql("SELECT * FROM tgt ORDER BY id")  # type: ignore[attr-defined]
    src = b.path("exp")  # type: ignore[attr-defined]
    rows = [f"{i},c{i % 100},{i}.50" for i in range(1, 101)]
    rows[59] = "60,TOOLONGCODE,60.50"
    _export_file(b, src, rows)

    run = b("export", "--table", "tgt", "--export-dir", src, "--staging-table", "stg")  # type: ignore[attr-defined]
    assert run.code == 1 and run.err.count("\n") == 1 and "target unchanged" in run.err
    assert b.sql("SELECT * FROM tgt ORDER BY id") == before  # type: ignore[attr-defined]
    # Sqoop's behaviour: the staging table keeps what was loaded and must be cleared explicitly.
    run = b("export", "--table", "tgt", "--export-dir", src, "--staging-table", "stg")  # type: ignore[attr-defined]
    assert run.code == 2 and "--clear-staging-table" in run.err

    # A failure in the final move (a key already in the target) is all-or-nothing too.
    rows[59] = "1000,dup,0.00"
    _export_file(b, src, rows)
    run = b("export", "--table", "tgt", "--export-dir", src, "--staging-table", "stg", "--clear-staging-table")  # type: ignore[attr-defined]
    assert run.code == 1 and "Duplicate entry" in run.err
    assert b.sql("SELECT * FROM tgt ORDER BY id") == before  # type: ignore[attr-defined]

    rows[59] = "60,c60,60.50"
    _export_file(b, src, rows)
    b.ok("export", "--table", "tgt", "--export-dir", src, "--staging-table", "stg", "--clear-staging-table")  # type: ignore[attr-defined]
    assert b.sql("SELECT COUNT(*), SUM(amount) FROM tgt")[0][0] == 102  # type: ignore[attr-defined]
    assert b.sql("SELECT COUNT(*) FROM stg")[0][0] == 0  # type: ignore[attr-defined]


def test_export_without_staging_commits_batch_by_batch_like_sqoop(bridge: object, monkeypatch: pytest.MonkeyPatch) -> None:
    b = bridge
    monkeypatch.setenv("SQOOP_EXPORT_BATCH", "10")
    b.sql("CREATE TABLE tgt (id INT PRIMARY KEY, code VARCHAR(5) NOT NULL)")  # type: ignore[attr-defined]
    src = b.path("exp")  # type: ignore[attr-defined]
    rows = [f"{i},c{i}" for i in range(1, 101)]
    rows[59] = "60,TOOLONGCODE"
    _export_file(b, src, rows)
    run = b("export", "--table", "tgt", "--export-dir", src)  # type: ignore[attr-defined]
    assert run.code == 1 and "50 rows were committed before the failure" in run.err
    assert b.sql("SELECT COUNT(*) FROM tgt")[0][0] == 50  # type: ignore[attr-defined]


def test_export_update_modes(bridge: object) -> None:
    b = bridge
    b.sql("CREATE TABLE u (id INT PRIMARY KEY, name VARCHAR(20), amount DECIMAL(8,2))")  # type: ignore[attr-defined]
    b.sql("INSERT INTO u VALUES (1, 'one', 1.00), (2, 'two', 2.00)")  # type: ignore[attr-defined]
    src = b.path("upd")  # type: ignore[attr-defined]
    _export_file(b, src, ["1,uno,10.00", "3,tres,30.00"])
    b.ok("export", "--table", "u", "--export-dir", src, "--update-key", "id")  # type: ignore[attr-defined]
    assert b.sql("SELECT * FROM u ORDER BY id") == [(1, "uno", 10), (2, "two", 2)]  # type: ignore[attr-defined]
    b.ok("export", "--table", "u", "--export-dir", src, "--update-key", "id", "--update-mode", "allowinsert")  # type: ignore[attr-defined]
    assert b.sql("SELECT * FROM u ORDER BY id") == [(1, "uno", 10), (2, "two", 2), (3, "tres", 30)]  # type: ignore[attr-defined]
    run = b("export", "--table", "u", "--export-dir", src, "--update-key", "id", "--staging-table", "u")  # type: ignore[attr-defined]
    assert run.code == 2 and "Staging table cannot be used" in run.err


def test_names_that_do_not_exist_are_refused_with_one_line(bridge: object) -> None:
    b = bridge
    b.sql("CREATE TABLE real_t (id INT PRIMARY KEY, v INT)")  # type: ignore[attr-defined]
    for argv in (
        ["import", "--table", "nosuch", "--target-dir", b.path("x")],  # type: ignore[attr-defined]
        ["import", "--table", "real_t", "--columns", "id,nosuch", "--target-dir", b.path("x")],  # type: ignore[attr-defined]
        ["import", "--table", "real_t", "--split-by", "nosuch", "--target-dir", b.path("x")],  # type: ignore[attr-defined]
        ["export", "--table", "real_t", "--export-dir", b.path("x"), "--update-key", "nosuch"],  # type: ignore[attr-defined]
    ):
        run = b(*argv)  # type: ignore[attr-defined]
        assert run.code == 2 and run.err.count("\n") == 1 and "does not exist" in run.err, run.err
    assert b.sql("SHOW TABLES") == [("real_t",)]  # type: ignore[attr-defined]
