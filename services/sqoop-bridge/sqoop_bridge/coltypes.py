"""Column types: MySQL type → Sqoop's Java type, its text form, its Parquet (Arrow) type, and back.

Text output is what Sqoop 1.4.7 writes with MySQL Connector/J: `Timestamp.toString()` for
DATETIME/TIMESTAMP ("2003-02-24 00:00:00.0"), plain BigDecimal for DECIMAL, "true"/"false" for
TINYINT(1)/BIT(1) (Connector/J's tinyInt1isBit), Java's Double.toString for FLOAT/DOUBLE, and
BytesWritable's hex for binary columns.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

INTEGER_TYPES = {"tinyint": 8, "smallint": 16, "mediumint": 24, "int": 32, "integer": 32, "bigint": 64}
TEXT_TYPES = {"char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set", "json", "uuid", "inet4", "inet6"}
BINARY_TYPES = {"binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob"}

_TYPE = re.compile(r"^\s*([a-z]+)\s*(?:\(([^)]*)\))?\s*(unsigned)?", re.IGNORECASE)


@dataclass(frozen=True)
class Column:
    """One column of an import or export: its name and MySQL type, reduced to what the formats need."""

    name: str
    base: str  # lower-case MySQL type name: int, decimal, datetime, varchar, …
    precision: int = 0
    scale: int = 0
    unsigned: bool = False
    nullable: bool = True
    length: int = 0  # display width / char length, e.g. 1 for TINYINT(1)

    @property
    def java_type(self) -> str:
        """The Java class Sqoop generates for this column (what `--map-column-java` would name)."""
        b = self.base
        if self.is_boolean:
            return "Boolean"
        if b in INTEGER_TYPES:
            return "Long" if b == "bigint" or (b == "int" and self.unsigned) else "Integer"
        if b in ("decimal", "numeric"):
            return "java.math.BigDecimal"
        if b == "float":
            return "Float"
        if b in ("double", "real"):
            return "Double"
        if b == "date":
            return "java.sql.Date"
        if b in ("datetime", "timestamp"):
            return "java.sql.Timestamp"
        if b == "time":
            return "java.sql.Time"
        if b in BINARY_TYPES or b == "bit":
            return "org.apache.hadoop.io.BytesWritable" if b != "bit" else "Long"
        if b == "year":
            return "Integer"
        return "String"

    @property
    def is_boolean(self) -> bool:
        return (self.base == "tinyint" and self.length == 1) or (self.base == "bit" and self.length <= 1)

    @property
    def is_text(self) -> bool:
        return self.base in TEXT_TYPES

    @property
    def is_string_like(self) -> bool:
        """Uses --null-string (Sqoop: String columns) rather than --null-non-string."""
        return self.java_type == "String"

    def arrow_type(self) -> pa.DataType:
        b = self.base
        if self.is_boolean:
            return pa.bool_()
        if b in INTEGER_TYPES:
            bits = INTEGER_TYPES[b] + (1 if self.unsigned else 0)
            if bits <= 32:
                return pa.int32()
            return pa.int64() if bits <= 64 else pa.decimal128(20, 0)
        if b in ("decimal", "numeric"):
            p = max(self.precision, 1)
            return pa.decimal128(p, self.scale) if p <= 38 else pa.decimal256(p, self.scale)
        if b == "float":
            return pa.float32()
        if b in ("double", "real"):
            return pa.float64()
        if b == "date":
            return pa.date32()
        if b == "datetime":
            return pa.timestamp("us")
        if b == "timestamp":
            return pa.timestamp("us", tz="UTC")
        if b == "time":
            return pa.time64("us")
        if b in BINARY_TYPES:
            return pa.binary()
        if b in ("bit", "year"):
            return pa.int64()
        return pa.string()

    def sql_type(self) -> str:
        """A MySQL column type that holds this column's values (for a table made from its schema)."""
        b = self.base
        if b in ("decimal", "numeric"):
            return f"DECIMAL({self.precision},{self.scale})"
        if b in ("varchar", "char", "binary", "varbinary"):
            return f"{b.upper()}({self.length or 255})"
        if b in INTEGER_TYPES:
            return f"{b.upper()}{'(1)' if self.is_boolean else ''}{' UNSIGNED' if self.unsigned else ''}"
        if b in ("enum", "set"):
            return "TEXT"
        return b.upper()


def parse_column_type(name: str, column_type: str, nullable: bool = True) -> Column:
    """A Column from MySQL's COLUMN_TYPE text, e.g. 'decimal(10,2)', 'int(10) unsigned', 'tinyint(1)'."""
    m = _TYPE.match(column_type)
    if m is None:
        return Column(name, "text", nullable=nullable)
    base = m.group(1).lower()
    args = (m.group(2) or "").split(",") if base not in ("enum", "set") else []
    unsigned = bool(m.group(3))
    precision = scale = length = 0
    try:
        if base in ("decimal", "numeric"):
            precision = int(args[0]) if args and args[0].strip() else 10
            scale = int(args[1]) if len(args) > 1 else 0
        elif args and args[0].strip():
            length = int(args[0])
            if base in ("datetime", "timestamp", "time"):
                scale, length = length, 0
    except ValueError:
        pass
    if base in ("tinyint", "bit") and not length:
        length = 4 if base == "tinyint" else 1
    return Column(name, base, precision, scale, unsigned, nullable, length)


# --- text output from the server's raw (text protocol) bytes -----------------------------------


def java_double(x: float) -> str:
    """Java's Double.toString: '1.0', '0.001', '1.0E7', '1.0E-4', 'NaN', 'Infinity'."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "-0.0" if math.copysign(1, x) < 0 else "0.0"
    if 1e-3 <= abs(x) < 1e7:
        text = repr(x)
        return text if ("." in text or "e" in text) else text + ".0"
    d = Decimal(repr(abs(x)))
    digits = "".join(map(str, d.as_tuple().digits)).rstrip("0") or "0"
    sign = "-" if x < 0 else ""
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{d.adjusted()}"


def _timestamp_text(raw: bytes) -> str:
    text = raw.decode()
    if "." in text:
        head, frac = text.split(".", 1)
        frac = frac.rstrip("0") or "0"
        return f"{head}.{frac}"
    return text + ".0"


def _bool_text(raw: bytes) -> str:
    return "false" if raw.strip(b"\x00") in (b"", b"0") else "true"


def _bytes_text(raw: bytes) -> str:
    return " ".join(f"{b:02x}" for b in raw)


def text_formatter(col: Column) -> Callable[[bytes], str]:
    """Raw server bytes of a non-NULL value → the text Sqoop writes for it."""
    b = col.base
    if col.is_boolean:
        return _bool_text
    if b in ("datetime", "timestamp"):
        return _timestamp_text
    if b in ("float", "double", "real"):
        return lambda raw: java_double(float(raw))
    if b in BINARY_TYPES:
        return _bytes_text
    if b == "bit":
        return lambda raw: str(int.from_bytes(raw, "big"))
    return _decode


def text_bytes_formatter(col: Column) -> Callable[[bytes], bytes] | None:
    """Like text_formatter but bytes to bytes (UTF-8), for the unescaped fast path; None = identity."""
    if col.base in ("datetime", "timestamp"):
        return _timestamp_bytes
    fmt = text_formatter(col)
    if fmt is _decode:
        return None
    return lambda raw: fmt(raw).encode("utf-8")


def _timestamp_bytes(raw: bytes) -> bytes:
    if b"." not in raw:
        return bytes(raw) + b".0"
    head, frac = bytes(raw).split(b".", 1)
    return head + b"." + (frac.rstrip(b"0") or b"0")


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8")


# --- Parquet: raw column values → Arrow arrays ----------------------------------------------------


def arrow_array(col: Column, values: Sequence[bytes | None]) -> pa.Array:
    """One column of raw server values (None = NULL) as an Arrow array of the column's type.

    Text-protocol values are taken as one binary array and cast in Arrow (UTF-8 checked, then
    parsed to the column's type), with no Python call per value.
    """
    target = col.arrow_type()
    b = col.base
    if col.is_boolean:
        return pa.array([None if v is None else _bool_text(v) == "true" for v in values], pa.bool_())
    if b in BINARY_TYPES:
        return pa.array([None if v is None else bytes(v) for v in values], pa.binary())
    if b == "bit":
        return pa.array([None if v is None else int.from_bytes(v, "big") for v in values], pa.int64())
    if b == "time":
        return pa.array([None if v is None else _parse_time(v.decode()) for v in values], target)
    strings = pc.cast(pa.array(values, pa.binary()), pa.string())
    if target == pa.string():
        return strings
    if b == "timestamp":
        return pc.cast(pc.cast(strings, pa.timestamp("us")), target)
    return pc.cast(strings, target)


def _parse_time(text: str) -> time:
    return time.fromisoformat(text) if not text.startswith("-") and len(text.split(":")[0]) <= 2 else time(0)


# --- export: text fields and Parquet values → query parameters -------------------------------------


def text_to_param(col: Column) -> Callable[[str], Any]:
    """The parameter sent to MySQL for a (non-NULL) text field of this column."""
    if col.is_boolean:
        return lambda s: 1 if s.strip().lower() in ("true", "1", "t", "yes") else 0
    if col.base in BINARY_TYPES:
        return lambda s: bytes.fromhex(s)
    return str


def arrow_to_param(col: Column) -> Callable[[Any], Any]:
    """The parameter for a value read from Parquet (to_pylist) of this column."""
    if col.base == "timestamp":
        return lambda v: v.astimezone(UTC).replace(tzinfo=None) if isinstance(v, datetime) and v.tzinfo else v
    if col.base in ("decimal", "numeric"):
        return lambda v: v if isinstance(v, Decimal) else Decimal(str(v))
    return lambda v: v
