"""Table and column names: checked against an identifier pattern and the catalogue, then backtick-quoted.

A name never reaches SQL unless it matches IDENTIFIER *and* exists in information_schema; it is
then quoted with backticks, so neither a quote nor a comment nor a keyword can change a statement.
`--where`, `--query` and `--boundary-query` are SQL written by the user, by design (as in Sqoop).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from sqoop_bridge.coltypes import Column, parse_column_type
from sqoop_bridge.errors import UsageError

IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_$]{0,63}")


def check_identifier(kind: str, name: str) -> str:
    """`name` if it is a plain SQL identifier, else UsageError (one line, the name shown escaped)."""
    if not isinstance(name, str) or IDENTIFIER.fullmatch(name) is None:
        raise UsageError(f"invalid {kind} name {name!r}: only letters, digits, '_' and '$' (not first), at most 64 characters")
    return name


def quote(name: str) -> str:
    """`name` backtick-quoted; only ever called on a checked identifier."""
    check_identifier("identifier", name)
    return f"`{name}`"


def split_names(kind: str, text: str | None) -> list[str]:
    """A comma-separated --columns/--exclude-tables list, each name checked."""
    if text is None:
        return []
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise UsageError(f"empty {kind} list")
    return [check_identifier(kind, n) for n in names]


def table_columns(conn: Any, database: str, table: str) -> list[Column]:
    """The columns of an existing table, in order; UsageError when the table does not exist."""
    check_identifier("table", table)
    cur = conn.cursor()
    cur.execute(
        "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE FROM information_schema.COLUMNS"
        " WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s ORDER BY ORDINAL_POSITION",
        (database, table),
    )
    rows = cur.fetchall()
    cur.close()
    if not rows:
        raise UsageError(f"table {table!r} does not exist in database {database!r}")
    return [parse_column_type(_text(name), _text(ctype), _text(nullable) == "YES") for name, ctype, nullable in rows]


def primary_key(conn: Any, database: str, table: str) -> list[str]:
    cur = conn.cursor()
    cur.execute(
        "SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE"
        " WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION",
        (database, table),
    )
    names = [_text(r[0]) for r in cur.fetchall()]
    cur.close()
    return names


def pick_columns(columns: Sequence[Column], wanted: Iterable[str], table: str) -> list[Column]:
    """The named columns (case-insensitive, as MySQL), in the order asked; UsageError for an unknown one."""
    by_name = {c.name.lower(): c for c in columns}
    picked = []
    for name in wanted:
        check_identifier("column", name)
        col = by_name.get(name.lower())
        if col is None:
            raise UsageError(f"column {name!r} does not exist in table {table!r}")
        picked.append(col)
    return picked


def list_tables(conn: Any, database: str) -> list[str]:
    cur = conn.cursor()
    cur.execute(
        "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
        (database,),
    )
    names = [_text(r[0]) for r in cur.fetchall()]
    cur.close()
    return names


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes | bytearray) else str(value)
