"""Split computation: Sqoop's integer split points, and every value (NULL included) in exactly one split."""

from __future__ import annotations

import random
import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqoop_bridge.coltypes import parse_column_type
from sqoop_bridge.errors import UsageError
from sqoop_bridge.splits import compute_splits, integer_points


def test_integer_points_match_sqoop() -> None:
    assert integer_points(4, 1, 100) == [1, 26, 51, 76, 100]
    assert integer_points(4, 0, 0) == [0, 0]
    assert integer_points(1, 5, 9) == [5, 9]


def _covering(conditions: list[str], value: object) -> list[int]:
    """Indexes of the conditions a value satisfies (a tiny evaluator for the generated SQL)."""
    hits = []
    for i, cond in enumerate(conditions):
        if value is None:
            if "IS NULL" in cond:
                hits.append(i)
            continue
        m = re.search(r">= ('[^']*'|[^\s)]+) AND `c` (<=?) ('[^']*'|[^\s)]+)", cond)
        assert m, cond
        lo, op, hi = m.group(1), m.group(2), m.group(3)
        conv = type(value)
        lo_v, hi_v = (
            (conv(lo.strip("'")), conv(hi.strip("'")))
            if not isinstance(value, datetime)
            else (
                datetime.fromisoformat(lo.strip("'")),
                datetime.fromisoformat(hi.strip("'")),
            )
        )
        if lo_v <= value and (value <= hi_v if op == "<=" else value < hi_v):
            hits.append(i)
    return hits


@pytest.mark.parametrize("mappers", [1, 2, 3, 4, 7])
def test_every_integer_and_null_lands_in_exactly_one_split(mappers: int) -> None:
    rng = random.Random(mappers)
    col = parse_column_type("c", "int(11)", nullable=True)
    for _ in range(40):
        lo = rng.randint(-50, 50)
        hi = lo + rng.randint(0, 60)
        conditions = compute_splits(col, "`c`", lo, hi, mappers)
        assert len(conditions) <= max(mappers, 1)
        for value in [*range(lo, hi + 1), None]:
            assert len(_covering(conditions, value)) == 1, (lo, hi, value, conditions)


def test_decimal_split_covers_the_range() -> None:
    col = parse_column_type("c", "decimal(10,2)", nullable=False)
    conditions = compute_splits(col, "`c`", Decimal("0.10"), Decimal("99.99"), 4)
    assert len(conditions) == 4
    for cents in range(10, 10000, 7):
        assert len(_covering(conditions, Decimal(cents) / 100)) == 1


def test_datetime_split_covers_the_range() -> None:
    col = parse_column_type("c", "datetime", nullable=False)
    lo, hi = datetime(2003, 1, 6), datetime(2005, 5, 31, 23, 59, 59)
    conditions = compute_splits(col, "`c`", lo, hi, 4)
    assert len(conditions) == 4
    t = lo
    while t <= hi:
        assert len(_covering(conditions, t)) == 1
        t += timedelta(hours=37)


def test_date_bounds_are_accepted() -> None:
    col = parse_column_type("c", "date", nullable=False)
    assert len(compute_splits(col, "`c`", date(2020, 1, 1), date(2020, 12, 31), 3)) == 3


def test_all_null_column_gives_one_is_null_split() -> None:
    col = parse_column_type("c", "int(11)")
    assert compute_splits(col, "`c`", None, None, 4) == ["`c` IS NULL"]


def test_text_split_column_is_refused_with_sqoops_message() -> None:
    col = parse_column_type("c", "varchar(20)")
    with pytest.raises(UsageError, match="allow_text_splitter"):
        compute_splits(col, "`c`", "a", "z", 4)
