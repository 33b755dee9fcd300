"""The generated sales CSV (Kaggle layout) and the checked reader of setup_db."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from importlib import resources
from pathlib import Path

from sqoop_bridge.salesdata import COLUMNS, DEAL_SIZES, PRODUCT_LINES, STATUSES, generate_rows, read_sales, write_csv


def test_generator_is_deterministic_and_has_the_original_size(tmp_path: Path) -> None:
    a = write_csv(tmp_path / "a.csv").read_bytes()
    b = write_csv(tmp_path / "b.csv").read_bytes()
    assert a == b
    good, bad = read_sales(a)
    assert bad == []
    assert len(good) == 2823


def test_generated_file_has_the_kaggle_layout_and_quirks(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "s.csv").read_bytes()
    text = data.decode("latin-1")
    assert text.splitlines()[0] == ",".join(COLUMNS)
    with __import__("pytest").raises(UnicodeDecodeError):
        data.decode("utf-8")  # accented names are Latin-1 bytes, as in the original
    rows = list(csv.reader(io.StringIO(text)))[1:]
    assert {r[10] for r in rows} == set(PRODUCT_LINES)
    assert {r[6] for r in rows} <= set(STATUSES) and "Shipped" in {r[6] for r in rows}
    assert any("," in field for r in rows for field in r), "some field holds a comma (and is quoted)"
    assert '"' in text
    assert any(r[16] == "" for r in rows) and any(r[18] == "" for r in rows)
    assert all(r[5].endswith(" 0:00") and r[5].count("/") == 2 for r in rows)
    assert "Mère de Famille" in text and "Rovelli Gifts" in text
    for r in rows:
        sales = Decimal(r[4])
        assert r[24] == ("Small" if sales < 3000 else "Medium" if sales < 7000 else "Large")
        assert r[24] in DEAL_SIZES
        assert Decimal(r[2]) <= 100  # PRICEEACH is capped at 100 in the original


def test_committed_sample_is_the_first_50_generated_rows() -> None:
    sample = resources.files("sqoop_bridge").joinpath("data/sales_data_sample_50.csv").read_bytes()
    good, bad = read_sales(sample)
    assert bad == [] and len(good) == 50
    expected = io.StringIO(newline="")
    writer = csv.writer(expected, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(generate_rows(50))
    assert sample.decode("latin-1") == expected.getvalue()


def test_bad_rows_are_reported_with_their_physical_line_numbers() -> None:
    header = ",".join(COLUMNS)
    ok = "10100,30,95.7,1,2871,2/24/2003 0:00,Shipped,1,2,2003,Motorcycles,95,S10_1678,Land of Toys Inc.,2125557818,897 Long Airport Avenue,,NYC,NY,10022,USA,NA,Yu,Kwai,Small"  # noqa: E501
    multiline = ok.replace("10100,30", "10101,30").replace("897 Long Airport Avenue", '"897 Long\nAirport Avenue"')
    lines = [
        header,  # 1
        ok,  # 2
        multiline,  # 3-4 (a quoted field with a newline)
        ok.replace("10100,30", "10102,abc"),  # 5
        ok.replace("2/24/2003 0:00", "2003-02-24"),  # 6
        ok,  # 7 duplicate of line 2
        ok.replace(",Small", ""),  # 8 one field short
        ok.replace("Shipped", "Lost"),  # 9
        ok.replace("10100,30,95.7", "10103,30,95.777"),  # 10 three decimals
        ok.replace("10100,30,95.7,1,2871", "10104,30,95.7,1,"),  # 11 empty SALES
        ok.replace("10100", "10105"),  # 12 good
    ]
    good, bad = read_sales(("\n".join(lines) + "\n").encode("latin-1"))
    assert [(b.line, b.reason.split()[0]) for b in bad] == [
        (5, "QUANTITYORDERED"),
        (6, "ORDERDATE"),
        (7, "duplicate"),
        (8, "expected"),
        (9, "STATUS"),
        (10, "PRICEEACH"),
        (11, "SALES"),
    ]
    assert [r[0] for r in good] == [10100, 10101, 10105]
    assert good[1][15] == "897 Long\nAirport Avenue"
    assert good[0][16] is None and good[0][21] == "NA"
