"""MySQL types → Sqoop's Java types, their text form and their Parquet type."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest
from sqoop_bridge.coltypes import arrow_array, java_double, parse_column_type, text_formatter


@pytest.mark.parametrize(
    ("ctype", "java", "arrow"),
    [
        ("int(11)", "Integer", pa.int32()),
        ("int(10) unsigned", "Long", pa.int64()),
        ("bigint(20)", "Long", pa.int64()),
        ("tinyint(1)", "Boolean", pa.bool_()),
        ("decimal(12,2)", "java.math.BigDecimal", pa.decimal128(12, 2)),
        ("datetime", "java.sql.Timestamp", pa.timestamp("us")),
        ("datetime(6)", "java.sql.Timestamp", pa.timestamp("us")),
        ("timestamp", "java.sql.Timestamp", pa.timestamp("us", tz="UTC")),
        ("date", "java.sql.Date", pa.date32()),
        ("text", "String", pa.string()),
        ("varchar(40)", "String", pa.string()),
        ("enum('a','b,c')", "String", pa.string()),
        ("double", "Double", pa.float64()),
        ("blob", "org.apache.hadoop.io.BytesWritable", pa.binary()),
    ],
)
def test_type_mapping(ctype: str, java: str, arrow: pa.DataType) -> None:
    col = parse_column_type("c", ctype)
    assert col.java_type == java
    assert col.arrow_type() == arrow


def test_text_forms_follow_java() -> None:
    ts = text_formatter(parse_column_type("c", "datetime"))
    assert ts(b"2003-02-24 00:00:00") == "2003-02-24 00:00:00.0"
    assert ts(b"2003-02-24 00:00:00.123400") == "2003-02-24 00:00:00.1234"
    assert text_formatter(parse_column_type("c", "tinyint(1)"))(b"1") == "true"
    assert text_formatter(parse_column_type("c", "decimal(10,2)"))(b"95.70") == "95.70"
    assert text_formatter(parse_column_type("c", "blob"))(b"\x00\xff") == "00 ff"
    assert text_formatter(parse_column_type("c", "varchar(9)"))("Mère".encode()) == "Mère"


@pytest.mark.parametrize(
    ("x", "text"), [(1.0, "1.0"), (0.001, "0.001"), (1e7, "1.0E7"), (1.5e-4, "1.5E-4"), (-2.5e20, "-2.5E20"), (123.25, "123.25")]
)
def test_java_double(x: float, text: str) -> None:
    assert java_double(x) == text


def test_arrow_arrays_keep_exact_decimals_and_nulls() -> None:
    arr = arrow_array(parse_column_type("c", "decimal(12,2)"), [b"2871.00", None, b"-0.01"])
    assert arr.to_pylist() == [Decimal("2871.00"), None, Decimal("-0.01")]
    ts = arrow_array(parse_column_type("c", "datetime(6)"), [b"2003-02-24 00:00:00.000001", None])
    assert ts.type == pa.timestamp("us") and ts[1].as_py() is None
