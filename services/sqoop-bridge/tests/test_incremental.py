"""Incremental append and lastmodified through saved jobs: nothing missed, nothing duplicated."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime

from souk.testing import poll_until


def _job(b: object, name: str) -> dict[str, object]:
    return json.loads(b.read(b.path(".jobs", f"{name}.json")))  # type: ignore[attr-defined]


def test_incremental_append_job_picks_up_only_new_rows(bridge: object) -> None:
    b = bridge
    b.sql("CREATE TABLE ev (id INT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(20))")  # type: ignore[attr-defined]
    b.sql("INSERT INTO ev (what) VALUES " + ", ".join(f"('e{i}')" for i in range(1, 101)))  # type: ignore[attr-defined]
    target = b.path("ev")  # type: ignore[attr-defined]
    b.ok(
        "job",
        "--create",
        "ev-inc",
        "--",
        "import",
        "--table",
        "ev",
        "--incremental",
        "append",
        "--check-column",
        "id",
        "--target-dir",
        target,
        "-m",
        "2",
    )  # type: ignore[attr-defined]
    assert "ev-inc" in b.ok("job", "--list").out  # type: ignore[attr-defined]
    run = b.ok("job", "--exec", "ev-inc")  # type: ignore[attr-defined]
    assert "Retrieved 100 records." in run.err and "--last-value 100" in run.err
    assert _job(b, "ev-inc")["last_value"] == "100"
    assert "incremental.last.value = 100" in b.ok("job", "--show", "ev-inc").out  # type: ignore[attr-defined]

    b.sql("INSERT INTO ev (what) VALUES " + ", ".join(f"('f{i}')" for i in range(1, 31)))  # type: ignore[attr-defined]
    b.sql("UPDATE ev SET what = 'changed' WHERE id = 5")  # append mode ignores updates, as Sqoop's does
    run = b.ok("job", "--exec", "ev-inc")  # type: ignore[attr-defined]
    assert "Retrieved 30 records." in run.err and _job(b, "ev-inc")["last_value"] == "130"
    run = b.ok("job", "--exec", "ev-inc")  # type: ignore[attr-defined]
    assert "No new rows detected since last import." in run.err

    parts = [n for n in b.listing(target) if n.startswith("part-")]  # type: ignore[attr-defined]
    assert parts == [f"part-m-0000{i}" for i in range(4)]
    ids = Counter(int(line.split(",")[0]) for line in b.text_rows(target))  # type: ignore[attr-defined]
    assert sorted(ids) == list(range(1, 131)) and set(ids.values()) == {1}
    b.ok("job", "--delete", "ev-inc")  # type: ignore[attr-defined]
    assert "ev-inc" not in b.ok("job", "--list").out  # type: ignore[attr-defined]


def test_incremental_lastmodified_with_merge_key_replaces_changed_rows(bridge: object) -> None:
    b = bridge
    b.sql("CREATE TABLE acct (id INT PRIMARY KEY, balance DECIMAL(10,2), note VARCHAR(40), updated_at DATETIME NOT NULL)")  # type: ignore[attr-defined]
    b.sql("INSERT INTO acct SELECT seq, seq * 10, CONCAT('n', seq, ', ok'), NOW() - INTERVAL 1 HOUR FROM seq_1_to_50")  # type: ignore[attr-defined]
    target = b.path("acct")  # type: ignore[attr-defined]
    for file_format in ("--as-textfile", "--as-parquetfile"):
        tgt = target + file_format
        job = "acct" + file_format
        b.ok(
            "job",
            "--create",
            job,
            "--",
            "import",
            "--table",
            "acct",
            "--incremental",
            "lastmodified",
            "--check-column",
            "updated_at",
            "--merge-key",
            "id",
            "--target-dir",
            tgt,
            "-m",
            "2",
            file_format,
            "--optionally-enclosed-by",
            '"',
            "--escaped-by",
            "\\",
        )  # type: ignore[attr-defined]
    for file_format in ("--as-textfile", "--as-parquetfile"):
        b.ok("job", "--exec", "acct" + file_format)  # type: ignore[attr-defined]
    last = max(datetime.fromisoformat(str(_job(b, "acct" + f)["last_value"])) for f in ("--as-textfile", "--as-parquetfile"))
    # Changes made at the instant of the last import's start (>= last value) and after it.
    b.sql("UPDATE acct SET balance = balance + 1, note = 'changed, \"quoted\"', updated_at = %s WHERE id IN (3, 17, 42)", (last,))  # type: ignore[attr-defined]
    b.sql("INSERT INTO acct VALUES (51, 510, 'new', %s), (52, 520, 'new\nline', %s)", (last, last))  # type: ignore[attr-defined]
    poll_until(lambda: b.sql("SELECT NOW() > %s", (last,))[0][0] == 1, "the server clock to pass the last value", timeout=10)  # type: ignore[attr-defined]
    b.ok("job", "--exec", "acct--as-textfile")  # type: ignore[attr-defined]
    b.ok("job", "--exec", "acct--as-parquetfile")  # type: ignore[attr-defined]

    expected = {r[0]: (f"{r[1]:f}", r[2]) for r in b.sql("SELECT id, balance, note FROM acct")}  # type: ignore[attr-defined]
    assert len(expected) == 52
    from sqoop_bridge.delimiters import Delimiters, parse_records

    d = Delimiters(enclosed_by='"', escaped_by="\\")
    text_dir = target + "--as-textfile"
    records = []
    for name in b.listing(text_dir):  # type: ignore[attr-defined]
        if name.startswith("part-"):
            records += list(parse_records(b.read(f"{text_dir}/{name}").decode(), d))  # type: ignore[attr-defined]
    got = Counter(int(r[0]) for r in records)
    assert set(got.values()) == {1} and sorted(got) == sorted(expected)
    assert {int(r[0]): (r[1], r[2]) for r in records} == expected

    import io

    import pyarrow.parquet as pq

    pq_dir = target + "--as-parquetfile"
    rows = [r for n in b.listing(pq_dir) if n.endswith(".parquet") for r in pq.read_table(io.BytesIO(b.read(f"{pq_dir}/{n}"))).to_pylist()]  # type: ignore[attr-defined]
    assert sorted(r["id"] for r in rows) == sorted(expected)
    assert {r["id"]: (f"{r['balance']:f}", r["note"]) for r in rows} == expected


def test_lastmodified_into_existing_dir_needs_merge_key_or_append(bridge: object) -> None:
    b = bridge
    b.sql("CREATE TABLE m (id INT PRIMARY KEY, t DATETIME)")  # type: ignore[attr-defined]
    b.sql("INSERT INTO m VALUES (1, '2020-01-01 00:00:00')")  # type: ignore[attr-defined]
    target = b.path("m")  # type: ignore[attr-defined]
    b.ok("import", "--table", "m", "-m", "1", "--target-dir", target)  # type: ignore[attr-defined]
    run = b("import", "--table", "m", "-m", "1", "--target-dir", target, "--incremental", "lastmodified", "--check-column", "t")  # type: ignore[attr-defined]
    assert run.code == 2 and "--merge-key or --append is required" in run.err
    run = b("import", "--table", "m", "-m", "1", "--target-dir", target, "--incremental", "lastmodified", "--check-column", "id")  # type: ignore[attr-defined]
    assert run.code == 2 and "cannot be used for --incremental lastmodified" in run.err
