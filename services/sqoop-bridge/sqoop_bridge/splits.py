"""Range splits over [MIN, MAX] of the split column, as Sqoop's DataDrivenDBInputFormat computes them.

Each split is a WHERE condition: `c >= lo AND c < hi`, the last one closed (`c <= max`). Values
come from the server's own `SELECT MIN(c), MAX(c)` and are written as literals we format, never
as user text. Rows whose split column is NULL go to the first split (`… OR c IS NULL`): Sqoop
1.4.7 only adds an IS NULL split when MIN and MAX are NULL, and so silently loses such rows when
the column also has values.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqoop_bridge.coltypes import Column
from sqoop_bridge.errors import UsageError

TEXT_SPLIT_REFUSED = (
    'Generating splits for a textual index column allowed only in case of "-Dorg.apache.sqoop.splitter.allow_text_splitter=true"'
    " property passed as a parameter (not supported here: split on a numeric or date column, or use -m 1)"
)


def integer_points(num_splits: int, lo: int, hi: int) -> list[int]:
    """IntegerSplitter's split points from lo to hi (both included): never more splits than values.

    (hi - lo) is divided by the number of splits and the remainder spread one by one over the
    first splits, as Sqoop does; [1, 100] in 4 gives 1, 26, 51, 76, 100.
    """
    splits = max(1, min(num_splits, hi - lo + 1))
    if splits == 1:
        return [lo, hi]
    step, remainder = divmod(hi - lo, splits)
    points = [lo]
    for i in range(splits):
        points.append(points[-1] + step + (1 if i < remainder else 0))
    return points


def decimal_points(num_splits: int, lo: Decimal, hi: Decimal) -> list[Decimal]:
    """BigDecimalSplitter: lo, lo + step, …, hi."""
    step = (hi - lo) / max(num_splits, 1)
    if step == 0:
        return [lo, hi]
    points = [lo + step * i for i in range(num_splits)]
    points.append(hi)
    return points


def float_points(num_splits: int, lo: float, hi: float) -> list[float]:
    step = (hi - lo) / max(num_splits, 1)
    if step == 0:
        return [lo, hi]
    return [lo + step * i for i in range(num_splits)] + [hi]


def _intervals(quoted: str, points: list[Any], literal: Any) -> list[str]:
    conditions = []
    for i in range(1, len(points)):
        lo, hi = points[i - 1], points[i]
        op = "<=" if i == len(points) - 1 else "<"
        conditions.append(f"{quoted} >= {literal(lo)} AND {quoted} {op} {literal(hi)}")
    # Sqoop keeps an empty interval such as [5, 5) too; it selects nothing, which is harmless.
    return conditions


def _datetime_literal(value: datetime) -> str:
    return f"'{value.strftime('%Y-%m-%d %H:%M:%S.%f')}'"


def compute_splits(col: Column, quoted: str, lo: Any, hi: Any, num_splits: int) -> list[str]:
    """The WHERE conditions of `num_splits` (or fewer) splits of `col` over [lo, hi] (NULLs included)."""
    null_clause = f"{quoted} IS NULL"
    if lo is None or hi is None:
        return [null_clause]
    if num_splits <= 1:
        conditions = [f"{quoted} >= {_literal(col, lo)} AND {quoted} <= {_literal(col, hi)}"]
    elif col.is_boolean:
        conditions = [f"{quoted} = 0", f"{quoted} <> 0"]
    elif col.is_text or col.java_type == "String":
        raise UsageError(TEXT_SPLIT_REFUSED)
    elif isinstance(lo, int) and isinstance(hi, int):
        conditions = _intervals(quoted, integer_points(num_splits, lo, hi), str)
    elif isinstance(lo, Decimal):
        conditions = _intervals(quoted, decimal_points(num_splits, lo, Decimal(hi)), lambda d: format(d, "f"))
    elif isinstance(lo, float):
        conditions = _intervals(quoted, float_points(num_splits, lo, float(hi)), repr)
    elif isinstance(lo, datetime | date):
        # DATE columns too: MariaDB compares them with a datetime literal exactly.
        conditions = _intervals(quoted, _time_points(num_splits, lo, hi), _datetime_literal)
    elif isinstance(lo, timedelta):
        raise UsageError(f"cannot split on TIME column {col.name!r}; choose another --split-by or use -m 1")
    else:
        raise UsageError(f"cannot split on column {col.name!r} of type {col.base}; choose another --split-by or use -m 1")
    if col.nullable:
        conditions[0] = f"({conditions[0]}) OR {null_clause}"
    return conditions


def _time_points(num_splits: int, lo: date, hi: date) -> list[datetime]:
    """DateSplitter: split the span in whole microseconds like integers, back to datetimes."""
    epoch = datetime(1970, 1, 1)
    lo_dt = lo if isinstance(lo, datetime) else datetime(lo.year, lo.month, lo.day)
    hi_dt = hi if isinstance(hi, datetime) else datetime(hi.year, hi.month, hi.day)
    lo_us = (lo_dt.replace(tzinfo=None) - epoch) // timedelta(microseconds=1)
    hi_us = (hi_dt.replace(tzinfo=None) - epoch) // timedelta(microseconds=1)
    return [epoch + timedelta(microseconds=p) for p in integer_points(num_splits, lo_us, hi_us)]


def _literal(col: Column, value: Any) -> str:
    if isinstance(value, datetime):
        return _datetime_literal(value)
    if isinstance(value, date):
        return f"'{value.isoformat()}'"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex() if value else "''"
    text = str(value).replace("\\", "\\\\").replace("'", "''")
    return f"'{text}'"
