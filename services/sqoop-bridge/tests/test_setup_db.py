"""setup_db on the generated CSV: every good row loads with real types, bad rows are reported by line, re-runs agree."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqoop_bridge import setup_db
from sqoop_bridge.salesdata import write_csv


def test_setup_db_loads_generated_csv_and_reports_bad_rows(
    bridge: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    b = bridge
    csv_path = write_csv(tmp_path / "sales.csv")
    good_lines = csv_path.read_bytes().decode("latin-1").splitlines()
    bad = [
        good_lines[1].replace(good_lines[1].split(",")[1], "lots", 1),  # QUANTITYORDERED not a number
        good_lines[2],  # a duplicate key
        "99999,10,50,1,500,31/31/2005 0:00,Shipped,1,1,2005,Ships,60,S72_1,X,1,a,,b,,c,d,EMEA,e,f,Small",  # bad date
    ]
    csv_path.write_bytes(("\n".join([*good_lines, *bad]) + "\n").encode("latin-1"))
    capsys.readouterr()
    code = setup_db.main(["--csv", str(csv_path), "--database", b.database])  # type: ignore[attr-defined]
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "2823 rows loaded" in out and "3 bad rows skipped" in out
    assert err.splitlines() == [
        f"{csv_path}:2825: bad row skipped: QUANTITYORDERED 'lots' is not an integer",
        f"{csv_path}:2826: bad row skipped: duplicate (ORDERNUMBER, ORDERLINENUMBER) = (10100, 2), first on line 3",
        f"{csv_path}:2827: bad row skipped: ORDERDATE '31/31/2005 0:00' is not a date like 2/24/2003 0:00",
    ]
    assert b.sql("SELECT COUNT(*) FROM sales")[0][0] == 2823  # type: ignore[attr-defined]
    types = dict(
        b.sql("SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'sales'")
    )  # type: ignore[attr-defined]
    assert types["SALES"] == "decimal(12,2)" and types["ORDERDATE"] == "datetime" and types["PRICEEACH"] == "decimal(10,2)"
    keys = b.sql(
        "SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'sales' AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION"  # noqa: E501
    )  # type: ignore[attr-defined]
    assert [k[0] for k in keys] == ["ORDERNUMBER", "ORDERLINENUMBER"]
    first = b.sql("SELECT ORDERDATE, SALES, ADDRESSLINE2, CUSTOMERNAME FROM sales ORDER BY ORDERNUMBER, ORDERLINENUMBER LIMIT 1")[0]  # type: ignore[attr-defined]
    assert isinstance(first[0], datetime) and isinstance(first[1], Decimal) and first[2] is None
    assert b.sql("SELECT COUNT(*) FROM sales WHERE CUSTOMERNAME = 'Mère de Famille'")[0][0] > 0  # type: ignore[attr-defined]
    assert b.sql("SELECT COUNT(*) FROM products")[0][0] == 200  # type: ignore[attr-defined]
    cities = {r[0] for r in b.sql("SELECT DISTINCT city FROM customers")}  # type: ignore[attr-defined]
    assert cities == {"Casablanca", "Rabat", "Marrakech", "Fès", "Tanger", "Agadir"}

    checksum = "CHECKSUM TABLE sales, products, customers"
    before = b.sql(checksum)  # type: ignore[attr-defined]
    b.sql("UPDATE products SET price = 1.00 WHERE product_id = 'EL-0001'")  # type: ignore[attr-defined]  # a catalogue the producer changed
    assert setup_db.main(["--csv", str(csv_path), "--database", b.database]) == 0  # type: ignore[attr-defined]
    after = b.sql(checksum)  # type: ignore[attr-defined]
    assert after[0] == before[0] and after[2] == before[2]
    assert b.sql("SELECT price FROM products WHERE product_id = 'EL-0001'")[0][0] == Decimal("1.00")  # type: ignore[attr-defined]
    assert setup_db.main(["--csv", str(csv_path), "--database", b.database, "--strict"]) == 1  # type: ignore[attr-defined]


def test_setup_db_bad_arguments(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert setup_db.main(["--csv", str(tmp_path / "missing.csv"), "--database", "souk_x"]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert setup_db.main(["--database", "souk`; drop"]) == 2
    assert "invalid database name" in capsys.readouterr().err
