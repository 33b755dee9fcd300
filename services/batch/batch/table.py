"""Plain-text tables for the command line (columns padded, numbers right-aligned)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any


def cell(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


def render(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A table with a header line and a rule; numeric columns right-aligned."""
    body = [[cell(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(header)]
    numeric = [bool(rows) and all(isinstance(r[i], int | float | Decimal) or r[i] is None for r in rows) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if num else c.ljust(w) for c, w, num in zip(cells, widths, numeric, strict=True)).rstrip()

    out = [line(header), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in body]
    return "\n".join(out) + "\n"
