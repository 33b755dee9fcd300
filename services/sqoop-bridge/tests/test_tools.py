"""list-databases, list-tables, eval, import-all-tables, --password-file, and run-jobs' first round."""

from __future__ import annotations

from pathlib import Path

import pytest

from souk.stack.settings import stack_settings


def test_list_and_eval(bridge: object) -> None:
    b = bridge
    b.sql("CREATE TABLE a1 (id INT PRIMARY KEY, name VARCHAR(10))")  # type: ignore[attr-defined]
    b.sql("CREATE TABLE b2 (x INT)")  # type: ignore[attr-defined]
    assert b.database in b.ok("list-databases").out.split()  # type: ignore[attr-defined]
    assert b.ok("list-tables").out == "a1\nb2\n"  # type: ignore[attr-defined]
    assert b.ok("eval", "--query", "INSERT INTO a1 VALUES (1, 'Mère'), (2, NULL)").out == "2 row(s) updated.\n"  # type: ignore[attr-defined]
    out = b.ok("eval", "--query", "SELECT id, name FROM a1 ORDER BY id").out  # type: ignore[attr-defined]
    assert "| 1  | Mère |" in out and "| 2  | NULL |" in out
    run = b("eval", "--query", "SELECT * FROM nosuch")  # type: ignore[attr-defined]
    assert run.code == 1 and run.err.count("\n") == 1 and "doesn't exist" in run.err


def test_import_all_tables_with_exclusions(bridge: object) -> None:
    b = bridge
    b.sql("CREATE TABLE a1 (id INT PRIMARY KEY, name VARCHAR(10))")  # type: ignore[attr-defined]
    b.sql("CREATE TABLE b2 (x INT)")  # type: ignore[attr-defined]
    b.sql("CREATE TABLE c3 (id INT PRIMARY KEY)")  # type: ignore[attr-defined]
    b.sql("INSERT INTO a1 VALUES (1, 'a'), (2, 'b')")  # type: ignore[attr-defined]
    b.sql("INSERT INTO b2 VALUES (7)")  # type: ignore[attr-defined]
    wh = b.path("wh")  # type: ignore[attr-defined]
    run = b("import-all-tables", "--warehouse-dir", wh, "--exclude-tables", "c3")  # type: ignore[attr-defined]
    assert run.code == 2 and "No primary key could be found for table b2" in run.err
    b.ok("import-all-tables", "--warehouse-dir", b.path("wh2"), "--exclude-tables", "c3", "--autoreset-to-one-mapper", "-m", "2")  # type: ignore[attr-defined]
    assert b.listing(b.path("wh2")) == ["a1", "b2"]  # type: ignore[attr-defined]
    assert sorted(b.text_rows(b.path("wh2", "a1"))) == ["1,a", "2,b"]  # type: ignore[attr-defined]
    assert b.text_rows(b.path("wh2", "b2")) == ["7"]  # type: ignore[attr-defined]


def test_password_file_and_wrong_password(bridge: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    b = bridge
    good = tmp_path / "pw"
    good.write_text(stack_settings().mysql_password().reveal() + "\n", encoding="utf-8")
    bad = tmp_path / "bad"
    bad.write_text("wrong-password", encoding="utf-8")
    url = f"jdbc:mysql://127.0.0.1:{stack_settings().mysql_port}/{b.database}"  # type: ignore[attr-defined]
    monkeypatch.delenv("MYSQL_PASSWORD", raising=False)
    assert b.ok("list-tables", "--connect", url, "--username", "souk", "--password-file", str(good)).code == 0  # type: ignore[attr-defined]
    run = b("list-tables", "--connect", url, "--username", "souk", "--password-file", f"file://{bad}")  # type: ignore[attr-defined]
    assert run.code == 1 and run.err.count("\n") == 1 and "Access denied" in run.err and "wrong-password" not in run.err


def test_run_jobs_once_creates_the_default_sales_job(bridge: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqoop_bridge import setup_db
    from sqoop_bridge.salesdata import write_csv

    b = bridge
    monkeypatch.setenv("MYSQL_PASSWORD", stack_settings().mysql_password().reveal())
    monkeypatch.setenv("SOUK_HOME", str(tmp_path / "home"))
    assert setup_db.main(["--csv", str(write_csv(tmp_path / "s.csv", rows=300)), "--database", b.database, "--no-catalogue"]) == 0  # type: ignore[attr-defined]
    b.ok("run-jobs", "--once")  # type: ignore[attr-defined]
    assert "sales-incremental" in b.ok("job", "--list").out  # type: ignore[attr-defined]
    assert len(b.text_rows(b.path("sales"))) == 300  # type: ignore[attr-defined]
    assert (tmp_path / "home" / "run" / "sqoop-bridge.heartbeat").exists()
    b.sql(
        "INSERT INTO sales SELECT ORDERNUMBER + 100000, QUANTITYORDERED, PRICEEACH, ORDERLINENUMBER, SALES, ORDERDATE, STATUS, QTR_ID, MONTH_ID, YEAR_ID, PRODUCTLINE, MSRP, PRODUCTCODE, CUSTOMERNAME, PHONE, ADDRESSLINE1, ADDRESSLINE2, CITY, STATE, POSTALCODE, COUNTRY, TERRITORY, CONTACTLASTNAME, CONTACTFIRSTNAME, DEALSIZE FROM sales WHERE ORDERNUMBER < 10105"  # noqa: E501
    )  # type: ignore[attr-defined]
    added = b.sql("SELECT COUNT(*) FROM sales WHERE ORDERNUMBER > 100000")[0][0]  # type: ignore[attr-defined]
    b.ok("run-jobs", "--once")  # type: ignore[attr-defined]
    assert len(b.text_rows(b.path("sales"))) == 300 + added  # type: ignore[attr-defined]
