"""`export`: the files of an HDFS directory (text or Parquet) into an existing table.

As in Sqoop 1.4.7: rows are inserted in multi-row INSERTs, committed every `export_batch_rows`
rows, so a failure without a staging table leaves the rows committed so far. With
`--staging-table` the rows go to the staging table first and one transaction moves them to the
target (`INSERT INTO target SELECT … FROM staging` + `DELETE FROM staging`): all or nothing.
`--update-key K --update-mode updateonly` runs UPDATE … WHERE K = ?; `allowinsert` runs
INSERT … ON DUPLICATE KEY UPDATE (Sqoop's MySQL upsert).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from souk.logs import get_logger
from sqoop_bridge.coltypes import Column, arrow_to_param, text_to_param
from sqoop_bridge.connection import ConnectionSpec, connect
from sqoop_bridge.delimiters import Delimiters, RecordSyntaxError, parse_records
from sqoop_bridge.errors import SqoopError, UsageError
from sqoop_bridge.hdfsstore import HdfsStore
from sqoop_bridge.names import pick_columns, quote, split_names, table_columns

log = get_logger()


@dataclass
class ExportOptions:
    table: str
    export_dir: str
    columns: list[str] = field(default_factory=list)
    delimiters: Delimiters = field(default_factory=Delimiters)
    null_string: str = "null"  # --input-null-string
    null_non_string: str = "null"  # --input-null-non-string
    staging_table: str | None = None
    clear_staging_table: bool = False
    update_key: str | None = None
    update_mode: str = "updateonly"
    batch_rows: int = 10000


@dataclass
class ExportResult:
    rows: int
    files: int


def _records(store: HdfsStore, path: str, columns: list[Column], opts: ExportOptions) -> Iterator[tuple[Any, ...]]:
    """The rows of one file as query parameters, in `columns` order."""
    data = store.read(path)
    if data[:4] == b"PAR1":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pq.read_table(pa.BufferReader(data))
        names = {n.lower(): n for n in table.column_names}
        missing = [c.name for c in columns if c.name.lower() not in names]
        if missing:
            raise SqoopError(f"{path}: no column {missing[0]!r} in the Parquet file")
        convert = [arrow_to_param(c) for c in columns]
        lists = [table.column(names[c.name.lower()]).to_pylist() for c in columns]
        for row in zip(*lists, strict=True):
            yield tuple(None if v is None else f(v) for v, f in zip(row, convert, strict=True))
        return
    convert_text = [text_to_param(c) for c in columns]
    nulls = [opts.null_string if c.is_string_like else opts.null_non_string for c in columns]
    strings = [c.is_string_like for c in columns]
    width = len(columns)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SqoopError(f"{path}: not UTF-8 text at byte {exc.start}") from None
    try:
        for number, fields in enumerate(parse_records(text, opts.delimiters), start=1):
            if len(fields) != width:
                raise SqoopError(f"{path}: record {number} has {len(fields)} fields, the table export expects {width}")
            yield tuple(
                None if (v == n or (not s and v == "")) else f(v) for v, n, s, f in zip(fields, nulls, strings, convert_text, strict=True)
            )
    except RecordSyntaxError as exc:
        raise SqoopError(f"{path}: {exc}") from None


def _batches(rows: Iterator[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _statement(
    table: str, columns: list[Column], opts: ExportOptions, key: Column | None
) -> tuple[str, Callable[[tuple[Any, ...]], tuple[Any, ...]]]:
    names = [quote(c.name) for c in columns]
    placeholders = ", ".join(["%s"] * len(columns))
    insert = f"INSERT INTO {quote(table)} ({', '.join(names)}) VALUES ({placeholders})"
    if key is None:
        return insert, lambda row: row
    if opts.update_mode == "allowinsert":
        updates = ", ".join(f"{n} = VALUES({n})" for n, c in zip(names, columns, strict=True) if c is not key)
        return f"{insert} ON DUPLICATE KEY UPDATE {updates or names[0] + ' = ' + names[0]}", lambda row: row
    others = [i for i, c in enumerate(columns) if c is not key]
    key_index = columns.index(key)
    sets = ", ".join(f"{names[i]} = %s" for i in others)
    sql = f"UPDATE {quote(table)} SET {sets} WHERE {quote(key.name)} = %s"
    return sql, lambda row: (*(row[i] for i in others), row[key_index])


def run_export(spec: ConnectionSpec, opts: ExportOptions, store: HdfsStore, retries: int = 5) -> ExportResult:
    """Load every data file of `export_dir` into the table; SqoopError (one line) when a row fails."""
    if opts.staging_table and opts.update_key:
        raise UsageError("Staging table cannot be used when export is running in update mode.")
    if opts.clear_staging_table and not opts.staging_table:
        raise UsageError("--clear-staging-table requires --staging-table")
    if opts.update_mode not in ("updateonly", "allowinsert"):
        raise UsageError(f"--update-mode {opts.update_mode!r}: expected updateonly or allowinsert")
    conn = connect(spec, retries=retries)
    try:
        table_cols = table_columns(conn, spec.database, opts.table)
        columns = pick_columns(table_cols, opts.columns, opts.table) if opts.columns else table_cols
        key = pick_columns(table_cols, split_names("--update-key", opts.update_key), opts.table)[0] if opts.update_key else None
        if key is not None and key not in columns:
            raise UsageError(f"--update-key {key.name!r} must be one of the exported columns")
        files = store.data_files(opts.export_dir)
        destination = opts.table
        cur = conn.cursor()
        if opts.staging_table:
            staging_cols = table_columns(conn, spec.database, opts.staging_table)
            if [c.name.lower() for c in staging_cols] != [c.name.lower() for c in table_cols]:
                raise UsageError(f"staging table {opts.staging_table!r} must have the same columns as {opts.table!r}")
            cur.execute(f"SELECT COUNT(*) FROM {quote(opts.staging_table)}")
            if cur.fetchone()[0]:
                if not opts.clear_staging_table:
                    raise UsageError(
                        f"The specified staging table ({opts.staging_table}) is not empty. "
                        "To force deletion of its data, please retry with --clear-staging-table option."
                    )
                cur.execute(f"DELETE FROM {quote(opts.staging_table)}")
                conn.commit()
            destination = opts.staging_table
        sql, shape = _statement(destination, columns, opts, key)
        total = 0
        try:
            for path in files:
                for batch in _batches(_records(store, path, columns, opts), opts.batch_rows):
                    cur.executemany(sql, [shape(r) for r in batch])
                    conn.commit()
                    total += len(batch)
                log.info("sqoop.export.file", file=path, rows=total)
            if opts.staging_table:
                names = ", ".join(quote(c.name) for c in columns)
                cur.execute(f"INSERT INTO {quote(opts.table)} ({names}) SELECT {names} FROM {quote(opts.staging_table)}")
                cur.execute(f"DELETE FROM {quote(opts.staging_table)}")
                conn.commit()
        except SqoopError:
            conn.rollback()
            raise
        except Exception as exc:
            conn.rollback()
            where = (
                f" (staging table {opts.staging_table} keeps {total} rows; target unchanged)"
                if opts.staging_table
                else f" ({total} rows were committed before the failure)"
            )
            msg = getattr(exc, "msg", None) or str(exc)
            raise SqoopError(f"Export job failed: {msg}{where}") from None
        cur.close()
    finally:
        conn.close()
    log.info("sqoop.export.done", table=opts.table, rows=total, files=len(files))
    return ExportResult(total, len(files))
