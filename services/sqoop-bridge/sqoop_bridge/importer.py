"""`import`: a table, or a free-form query with $CONDITIONS, into HDFS as text or Parquet.

The plan follows Sqoop 1.4.7: find the columns, the split column (--split-by, else the primary
key), the incremental bounds (MAX(check column) or the server's NOW() at start), the boundary
query `SELECT MIN(c), MAX(c)`; then one split per mapper, run in parallel processes, each
writing `part-m-NNNNN` into a hidden temporary directory that becomes the target only when every
split succeeded.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import posixpath
import queue
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from souk.logs import get_logger
from sqoop_bridge.coltypes import Column, arrow_array, parse_column_type, text_bytes_formatter, text_formatter
from sqoop_bridge.connection import ConnectionSpec, connect
from sqoop_bridge.delimiters import Delimiters, format_record, parse_records
from sqoop_bridge.errors import SqoopError, UsageError
from sqoop_bridge.hdfsstore import PART_PREFIX, HdfsStore
from sqoop_bridge.names import check_identifier, pick_columns, primary_key, quote, table_columns
from sqoop_bridge.progress import Progress
from sqoop_bridge.splits import _literal, compute_splits

log = get_logger()

CONDITIONS = "$CONDITIONS"
SPLIT_GRACE_S = 120.0
ROW_GROUP_ROWS = 131_072  # rows per Parquet row group (batches are gathered up to this)


@dataclass
class ImportOptions:
    """What `sqoop-bridge import` was asked to do (the flags, parsed and checked)."""

    table: str | None = None
    query: str | None = None
    columns: list[str] = field(default_factory=list)
    where: str | None = None
    split_by: str | None = None
    boundary_query: str | None = None
    num_mappers: int = 4
    autoreset_to_one_mapper: bool = False
    target_dir: str | None = None
    warehouse_dir: str | None = None
    delete_target_dir: bool = False
    append: bool = False
    file_format: str = "text"  # "text" | "parquet"
    delimiters: Delimiters = field(default_factory=Delimiters)
    null_string: str = "null"
    null_non_string: str = "null"
    incremental: str | None = None  # "append" | "lastmodified"
    check_column: str | None = None
    last_value: str | None = None
    merge_key: str | None = None
    fetch_size: int = 5000


@dataclass
class ImportResult:
    target_dir: str
    rows: int
    files: list[str]
    last_value: str | None = None  # the next --last-value of an incremental import
    nothing_new: bool = False


# --- planning ----------------------------------------------------------------------------------


@dataclass
class Plan:
    columns: list[Column]
    split_sql: Callable[[str], str]  # condition → the SELECT of one split
    splits: list[str]
    target_dir: str
    estimated_rows: int | None
    last_value: str | None
    nothing_new: bool = False


def _qualified(name: str) -> str:
    """A column reference for a free-form query: `c` or `alias`.`c`, each part a checked identifier."""
    parts = name.split(".")
    if len(parts) > 2:
        raise UsageError(f"invalid column reference {name!r}")
    return ".".join(quote(check_identifier("column", p)) for p in parts)


def _find(columns: list[Column], name: str, what: str) -> Column:
    bare = name.split(".")[-1].lower()
    for col in columns:
        if col.name.lower() == bare:
            return col
    raise UsageError(f"{what}: column {name!r} does not exist among the columns of the import")


def _query_columns(conn: Any, query: str) -> list[Column]:
    """The result columns of a free-form query, typed by the server (a LIMIT 0 temporary table)."""
    temp = f"_sqoop_meta_{uuid.uuid4().hex[:10]}"
    cur = conn.cursor()
    try:
        cur.execute(f"CREATE TEMPORARY TABLE `{temp}` AS SELECT * FROM ({query.replace(CONDITIONS, '(1 = 0)')}) AS t1 LIMIT 0")
        cur.execute(f"SHOW COLUMNS FROM `{temp}`")
        rows = cur.fetchall()
        cur.execute(f"DROP TEMPORARY TABLE `{temp}`")
    except Exception as exc:
        raise SqoopError(f"the query failed: {_db_message(exc)}") from None
    finally:
        cur.close()
    return [parse_column_type(_s(r[0]), _s(r[1]), True) for r in rows]


def _s(v: Any) -> str:
    return v.decode() if isinstance(v, bytes | bytearray) else str(v)


def _db_message(exc: BaseException) -> str:
    msg = getattr(exc, "msg", None) or str(exc)
    errno = getattr(exc, "errno", None)
    return f"{errno} {msg}" if errno and errno > 0 else str(msg)


def parse_last_value(col: Column, text: str) -> Any:
    """--last-value checked against the check column's type (it is then written as our own literal)."""
    try:
        if col.java_type in ("Integer", "Long"):
            return int(text)
        if col.base in ("decimal", "numeric", "float", "double", "real"):
            return Decimal(text)
        if col.base in ("datetime", "timestamp", "date"):
            return datetime.fromisoformat(text.strip().replace("T", " "))
    except (ValueError, InvalidOperation):
        pass
    else:
        return text
    raise UsageError(f"--last-value {text!r} is not a valid {col.base} value for column {col.name!r}")


def sqoop_text(value: Any) -> str:
    """A value as Sqoop prints it in the --last-value hint (Timestamp.toString for times)."""
    if isinstance(value, datetime):
        text = value.strftime("%Y-%m-%d %H:%M:%S")
        frac = f"{value.microsecond:06d}".rstrip("0") or "0"
        return f"{text}.{frac}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def plan_import(conn: Any, database: str, opts: ImportOptions, store: HdfsStore, warehouse: str) -> Plan:
    """Columns, incremental bounds and splits, all decided before a single row is read."""
    if bool(opts.table) == bool(opts.query):
        raise UsageError("Must specify exactly one of --table and --query")
    if opts.num_mappers < 1:
        raise UsageError("-m/--num-mappers must be >= 1")
    cur = conn.cursor()
    estimated: int | None = None
    table_cols: list[Column] = []
    if opts.table:
        table_cols = table_columns(conn, database, opts.table)
        columns = pick_columns(table_cols, opts.columns, opts.table) if opts.columns else table_cols
        source = f"FROM {quote(opts.table)}"
        cur.execute("SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s", (database, opts.table))
        row = cur.fetchone()
        estimated = int(row[0]) if row and row[0] is not None else None
        target = opts.target_dir or posixpath.join(opts.warehouse_dir or warehouse, opts.table)
    else:
        assert opts.query is not None
        if CONDITIONS not in opts.query:
            raise UsageError(f"Query [{opts.query}] must contain '$CONDITIONS' in WHERE clause.")
        if not opts.target_dir:
            raise UsageError("Must specify destination with --target-dir.")
        columns = _query_columns(conn, opts.query)
        source = ""
        target = opts.target_dir
    if not target.startswith("/"):
        raise UsageError(f"--target-dir {target!r}: an absolute HDFS path is expected")

    def ref(name: str) -> str:
        return quote(name) if opts.table else _qualified(name)

    # Incremental bounds, fixed at start (Sqoop: MAX(check column) for append, the server's NOW() for lastmodified).
    conditions: list[str] = []
    if opts.where:
        conditions.append(f"({opts.where})")
    last_value: str | None = None
    nothing_new = False
    if opts.incremental:
        if not opts.check_column:
            raise UsageError("For an incremental import, the check column must be specified with --check-column.")
        pool = table_cols if opts.table else columns
        check = _find(pool, opts.check_column, "--check-column")
        check_ref = ref(opts.check_column)
        last = parse_last_value(check, opts.last_value) if opts.last_value not in (None, "") else None
        if opts.incremental == "append":
            inner = _select_all(opts, source, conditions)
            cur.execute(f"SELECT MAX({check_ref if opts.table else 'sqoop_t.' + quote(check.name)}) FROM ({inner}) AS sqoop_t")
            maximum = cur.fetchone()[0]
            if maximum is None or (last is not None and _same(maximum, last)):
                nothing_new = True
            upper = maximum
            if last is not None:
                conditions.append(f"{check_ref} > {_literal(check, last)}")
            if upper is not None:
                conditions.append(f"{check_ref} <= {_literal(check, upper)}")
            last_value = sqoop_text(maximum) if maximum is not None else opts.last_value
        elif opts.incremental == "lastmodified":
            if check.base not in ("datetime", "timestamp", "date"):
                raise UsageError(
                    f"Column {check.name!r} of type {check.base} cannot be used for --incremental lastmodified"
                    " (a date/time column is needed)"
                )
            cur.execute("SELECT NOW()")
            now = cur.fetchone()[0]
            if last is not None:
                conditions.append(f"{check_ref} >= {_literal(check, last)}")
            conditions.append(f"{check_ref} < {_literal(check, now)}")
            last_value = sqoop_text(now)
        else:
            raise UsageError(f"--incremental {opts.incremental!r}: expected append or lastmodified")

    # The split column and the boundary query.
    split_col: Column | None = None
    split_ref = ""
    mappers = opts.num_mappers
    if mappers > 1:
        split_name = opts.split_by
        if not split_name and opts.table:
            keys = primary_key(conn, database, opts.table)
            split_name = keys[0] if keys else None
            if split_name is None:
                if opts.autoreset_to_one_mapper:
                    mappers = 1
                else:
                    raise UsageError(
                        f"No primary key could be found for table {opts.table}."
                        " Please specify one with --split-by or perform a sequential import with '-m 1'."
                    )
        elif not split_name:
            raise UsageError("When importing query results in parallel, you must specify --split-by.")
        if mappers > 1 and split_name:
            split_col = _find(table_cols if opts.table else columns, split_name, "--split-by")
            split_ref = ref(split_name)
    elif opts.split_by:
        _find(table_cols if opts.table else columns, opts.split_by, "--split-by")

    if split_col is not None:
        if opts.boundary_query:
            bq = opts.boundary_query
        elif opts.table:
            bq = f"SELECT MIN({split_ref}), MAX({split_ref}) {source}" + (f" WHERE {' AND '.join(conditions)}" if conditions else "")
        else:
            inner = _select_all(opts, source, conditions)
            bq = f"SELECT MIN(t1.{quote(split_col.name)}), MAX(t1.{quote(split_col.name)}) FROM ({inner}) AS t1"
        try:
            cur.execute(bq)
            lo, hi = cur.fetchone()[:2]
        except Exception as exc:
            raise SqoopError(f"the boundary query failed: {_db_message(exc)}") from None
        splits = compute_splits(split_col, split_ref, lo, hi, mappers)
    else:
        splits = ["1 = 1"]
    cur.close()

    select_list = ", ".join(quote(c.name) for c in columns)

    def split_sql(condition: str) -> str:
        all_conditions = [*conditions, f"({condition})"]
        if opts.table:
            return f"SELECT {select_list} {source} WHERE {' AND '.join(all_conditions)}"
        assert opts.query is not None
        return opts.query.replace(CONDITIONS, "(" + " AND ".join(all_conditions) + ")")

    return Plan(columns, split_sql, splits, target, estimated, last_value, nothing_new)


def _select_all(opts: ImportOptions, source: str, conditions: list[str]) -> str:
    if opts.table:
        return f"SELECT * {source}" + (f" WHERE {' AND '.join(conditions)}" if conditions else "")
    assert opts.query is not None
    return opts.query.replace(CONDITIONS, "(" + " AND ".join([*conditions, "(1 = 1)"]) + ")")


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b) or Decimal(str(a)) == Decimal(str(b))
    except (InvalidOperation, ValueError):
        return str(a) == str(b)


# --- one split ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SplitJob:
    """Everything a split worker needs; picklable, so it can run in a child process."""

    index: int
    sql: str
    columns: list[Column]
    spec: ConnectionSpec
    hdfs_url: str
    hdfs_user: str
    temp_dir: str
    file_format: str
    delimiters: Delimiters
    null_string: str
    null_non_string: str
    fetch_size: int

    @property
    def file_name(self) -> str:
        return f"{PART_PREFIX}{self.index:05d}" + (".parquet" if self.file_format == "parquet" else "")


def _fetch(job: SplitJob, counter: Any) -> Iterator[list[tuple[Any, ...]]]:
    """Batches of raw rows (bytes, None for NULL), streamed from the server (unbuffered).

    With mysql-connector's C extension the rows come straight from its fetch_row(), about ten
    times faster than the pure-Python protocol; without it, the connection's get_rows() reads a
    batch in one call (the cursor API would make several Python calls per row).
    """
    conn = connect(job.spec, retries=3, c_extension=True)
    try:
        cext = getattr(conn, "_cmysql", None)
        batches = _cext_batches(conn, cext, job.sql, job.fetch_size) if cext is not None else _pure_batches(conn, job.sql, job.fetch_size)
        for rows in batches:
            if counter is not None:
                with counter.get_lock():
                    counter.value += len(rows)
            yield rows
    finally:
        with contextlib.suppress(Exception):  # a broken stream cannot be drained; the socket just closes
            conn.close()


def _pure_batches(conn: Any, sql: str, size: int) -> Iterator[list[tuple[Any, ...]]]:
    conn.cmd_query(sql)
    while True:
        rows, eof = conn.get_rows(count=size, raw=True)
        if rows:
            yield rows
        if eof is not None:
            return


def _cext_batches(conn: Any, cext: Any, sql: str, size: int) -> Iterator[list[tuple[Any, ...]]]:
    from _mysql_connector import MySQLInterfaceError
    from mysql.connector.errors import get_mysql_exception

    conn.cmd_query(sql)  # unbuffered: the server streams the rows as they are read
    cext.raw(True)  # values as the server's bytes, no conversion
    rows_of = iter(cext.fetch_row, None)
    try:
        while True:
            rows = list(itertools.islice(rows_of, size))
            if rows:
                yield rows
            if len(rows) < size:
                break
    except MySQLInterfaceError as exc:  # the same exception types as the pure client raises
        raise get_mysql_exception(exc.errno, msg=exc.msg, sqlstate=exc.sqlstate) from None
    conn.free_result()


def run_split(job: SplitJob, counter: Any = None) -> int:
    """Read one split and write its part file into the temporary directory; the number of rows."""
    store = HdfsStore(job.hdfs_url, job.hdfs_user)
    path = posixpath.join(job.temp_dir, job.file_name)
    total = 0
    if job.file_format == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pa.schema([pa.field(c.name, c.arrow_type(), nullable=True) for c in job.columns])
        with tempfile.NamedTemporaryFile(suffix=".parquet") as local:
            with pq.ParquetWriter(local.name, schema, compression="snappy") as writer:
                pending: list[Any] = []  # record batches of the next row group
                pending_rows = 0
                for rows in _fetch(job, counter):
                    values = zip(*rows, strict=True)
                    arrays = [arrow_array(c, v) for c, v in zip(job.columns, values, strict=True)]
                    pending.append(pa.RecordBatch.from_arrays(arrays, schema=schema))
                    pending_rows += len(rows)
                    total += len(rows)
                    if pending_rows >= ROW_GROUP_ROWS:
                        writer.write_table(pa.Table.from_batches(pending, schema=schema), row_group_size=pending_rows)
                        pending, pending_rows = [], 0
                if pending:
                    writer.write_table(pa.Table.from_batches(pending, schema=schema), row_group_size=pending_rows)
            store.upload(path, local.name)
        return total

    fmts = [text_formatter(c) for c in job.columns]
    nulls = [job.null_string if c.is_string_like else job.null_non_string for c in job.columns]
    d = job.delimiters
    # The split is spooled to local disk first: a database error then never leaves a
    # half-created file (or a WebHDFS create still in flight) behind in HDFS.
    with tempfile.NamedTemporaryFile(suffix=".part") as local:
        if not d.escaped_by and not d.enclosed_by:
            total = _write_plain(job, counter, local, nulls)
        else:
            for rows in _fetch(job, counter):
                out = [format_record([n if v is None else f(v) for v, f, n in zip(row, fmts, nulls, strict=True)], d) for row in rows]
                local.write("".join(out).encode("utf-8"))
                total += len(rows)
        local.flush()
        store.upload(path, local.name)
    return total


def _write_plain(job: SplitJob, counter: Any, local: Any, nulls: list[str]) -> int:
    """Sqoop's default (unescaped) text straight from the server's UTF-8 bytes: no decode/encode per field.

    A batch is handled column by column: only columns with a conversion (DATETIME's ".0", …) or
    a NULL in the batch are rewritten; the records are then joined by C-level joins.
    """
    d = job.delimiters
    sep, end = d.fields.encode("utf-8"), d.lines.encode("utf-8")
    bnulls = [n.encode("utf-8") for n in nulls]
    converters = [text_bytes_formatter(c) for c in job.columns]
    # DATETIME/TIMESTAMP without fractional seconds: the server never sends a fraction, Sqoop adds ".0".
    whole_seconds = [c.base in ("datetime", "timestamp") and c.scale == 0 for c in job.columns]
    total = 0
    for rows in _fetch(job, counter):
        columns: list[Any] = list(zip(*rows, strict=True))
        for i, f in enumerate(converters):
            n = bnulls[i]
            if whole_seconds[i]:
                columns[i] = [n if v is None else v + b".0" for v in columns[i]]
            elif f is not None:
                columns[i] = [n if v is None else f(v) for v in columns[i]]
            elif None in columns[i]:
                columns[i] = [n if v is None else v for v in columns[i]]
        local.write(end.join(map(sep.join, zip(*columns, strict=True))) + end)
        total += len(rows)
    return total


def _child(job: SplitJob, counter: Any, results: Any) -> None:
    try:
        results.put((job.index, True, run_split(job, counter)))
    except BaseException as exc:
        results.put((job.index, False, _db_message(exc).splitlines()[0] if str(exc) else type(exc).__name__))


def run_splits(jobs: list[SplitJob], progress: Progress | None) -> int:
    """Run the splits (in parallel processes when more than one); total rows, or SqoopError on any failure."""
    if len(jobs) == 1 and not (progress and progress.enabled):
        return run_split(jobs[0], progress.counter if progress else None)
    ctx = multiprocessing.get_context("fork")
    counter = progress.counter if progress else ctx.Value("q", 0)
    results = ctx.Queue()
    procs = {j.index: ctx.Process(target=_child, args=(j, counter, results), daemon=True, name=f"split-{j.index}") for j in jobs}
    for p in procs.values():
        p.start()
    total, done, failure = 0, 0, None
    try:
        while done < len(jobs) and failure is None:
            try:
                index, ok, value = results.get(timeout=0.5)
            except queue.Empty:
                if progress:
                    progress.show()
                dead = [i for i, p in procs.items() if not p.is_alive() and p.exitcode not in (0, None)]
                if dead:
                    failure = (dead[0], f"split process exited with status {procs[dead[0]].exitcode}")
                continue
            done += 1
            if ok:
                total += int(value)
            else:
                failure = (index, str(value))
    finally:
        # On a failure the other splits are allowed to finish (up to a limit) rather than being
        # killed mid-request, so no WebHDFS write lands in the temporary directory after it is deleted.
        deadline = time.monotonic() + (SPLIT_GRACE_S if failure is not None else 0)
        for p in procs.values():
            p.join(timeout=max(deadline - time.monotonic(), 0))
        for p in procs.values():
            if p.is_alive():
                p.terminate()
                p.join(timeout=10)
    if failure is not None:
        index, message = failure
        raise SqoopError(f"Import failed: split {index} ({jobs[index].sql.split(' WHERE ')[-1][:160]}): {message}")
    return total


# --- the import ----------------------------------------------------------------------------------


def run_import(spec: ConnectionSpec, opts: ImportOptions, store: HdfsStore, warehouse: str, retries: int = 5) -> ImportResult:
    """Plan, run the splits into a temporary directory, then commit it (replace, append or merge)."""
    conn = connect(spec, retries=retries)
    try:
        plan = plan_import(conn, spec.database, opts, store, warehouse)
    finally:
        conn.close()
    target = plan.target_dir
    if opts.incremental and opts.delete_target_dir:
        raise UsageError("--delete-target-dir can not be used with incremental imports.")
    exists = store.exists(target)
    if opts.incremental == "lastmodified" and exists and not (opts.merge_key or opts.append):
        raise UsageError("--merge-key or --append is required when using --incremental lastmodified and the output directory exists.")
    if exists and not (opts.incremental or opts.delete_target_dir or opts.append):
        raise SqoopError(f"Output directory {target} already exists")
    if opts.merge_key:
        _find(plan.columns, opts.merge_key, "--merge-key")
    if plan.nothing_new:
        log.info("sqoop.import.nothing_new", target=target, last_value=plan.last_value)
        return ImportResult(target, 0, [], plan.last_value, nothing_new=True)

    started = time.monotonic()
    temp = store.temp_dir(target)
    progress = Progress(f"import {opts.table or 'query'}", plan.estimated_rows, len(plan.splits))
    try:
        jobs = [
            SplitJob(
                i,
                plan.split_sql(cond),
                plan.columns,
                spec,
                store.url,
                store.user,
                temp,
                opts.file_format,
                opts.delimiters,
                opts.null_string,
                opts.null_non_string,
                opts.fetch_size,
            )
            for i, cond in enumerate(plan.splits)
        ]
        log.info("sqoop.import.start", target=target, splits=len(jobs), format=opts.file_format)
        rows = run_splits(jobs, progress)
        progress.finish(rows)
        store.write(posixpath.join(temp, "_SUCCESS"), b"", overwrite=True)
        if exists and opts.incremental == "lastmodified" and opts.merge_key:
            merged = merge_into(store, target, temp, plan.columns, opts)
            store.delete(temp)
            temp = merged
            store.commit_dir(temp, target, replace=True)
            files = store.data_files(target)
        elif exists and (opts.incremental or opts.append) and not opts.delete_target_dir:
            files = store.append_parts(temp, target)
        else:
            store.commit_dir(temp, target, replace=opts.delete_target_dir)
            files = store.data_files(target)
    except BaseException:
        progress.finish(None)
        _remove(store, temp)
        raise
    elapsed = time.monotonic() - started
    log.info("sqoop.import.done", target=target, rows=rows, seconds=round(elapsed, 3), files=len(files))
    return ImportResult(target, rows, files, plan.last_value)


def _remove(store: HdfsStore, temp: str) -> None:
    try:
        store.delete(temp)
        if store.exists(temp):  # a write that was still in flight re-created it
            time.sleep(1.0)
            store.delete(temp)
    except SqoopError:
        log.warning("sqoop.import.temp_left", temp=temp)


# --- --merge-key (Sqoop's merge tool, run after a lastmodified import) -------------------------------


def merge_into(store: HdfsStore, old_dir: str, new_dir: str, columns: list[Column], opts: ImportOptions) -> str:
    """A new temporary directory holding old ∪ new rows, a new row replacing the old one with its key."""
    assert opts.merge_key is not None
    key_index = [c.name.lower() for c in columns].index(_find(columns, opts.merge_key, "--merge-key").name.lower())
    out = store.temp_dir(old_dir)
    if opts.file_format == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        tables = []
        for source_rank, directory in enumerate((old_dir, new_dir)):
            for path in store.data_files(directory):
                t = pq.read_table(pa.BufferReader(store.read(path)))
                tables.append(t.append_column("__rank", pa.array([source_rank] * t.num_rows, pa.int8())))
        if tables:
            merged = _dedupe_arrow(pa.concat_tables(tables, promote_options="default"), columns[key_index].name)
        else:
            merged = pa.table({c.name: pa.array([], c.arrow_type()) for c in columns})
        sink = pa.BufferOutputStream()
        pq.write_table(merged, sink, compression="snappy")
        store.write(posixpath.join(out, "part-r-00000.parquet"), sink.getvalue().to_pybytes())
    else:
        records: dict[str, list[str]] = {}
        for directory in (old_dir, new_dir):
            for path in store.data_files(directory):
                for rec in parse_records(store.read(path).decode("utf-8"), opts.delimiters):
                    records[rec[key_index]] = rec
        body = "".join(format_record(r, opts.delimiters) for r in records.values())
        store.write(posixpath.join(out, "part-r-00000"), body.encode("utf-8"))
    store.write(posixpath.join(out, "_SUCCESS"), b"", overwrite=True)
    return out


def _dedupe_arrow(table: Any, key: str) -> Any:
    import pyarrow as pa

    n = table.num_rows
    table = table.append_column("__pos", pa.array(range(n), pa.int64()))
    # The newest copy of each key: highest rank (new over old), then the last position.
    ordered = table.sort_by([("__rank", "ascending"), ("__pos", "ascending")])
    keys = ordered.column(key).to_pylist()
    last: dict[Any, int] = {}
    for i, k in enumerate(keys):
        last[k] = i
    keep = sorted(last.values())
    result = ordered.take(pa.array(keep, pa.int64()))
    return result.drop_columns(["__rank", "__pos"]).combine_chunks()
