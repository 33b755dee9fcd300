"""`sqoop-bridge TOOL [ARGS]`: Sqoop 1.4.7's tools and flags against the stack's MariaDB and HDFS.

Tools: import, export, job, import-all-tables, list-tables, list-databases, eval, run-jobs, version.
A bad argument is one line on stderr and exit 2; a failed run is one line and exit 1 (no
traceback unless SOUK_DEBUG=1). `--password` on the command line is refused before parsing,
so the value is never echoed.
"""

from __future__ import annotations

import argparse
import os
import posixpath
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from souk.logs import configure_logging, get_logger
from souk.settings import SettingsError
from souk.stack.settings import StackSettings, stack_settings
from sqoop_bridge.connection import ConnectionSpec, connect, resolve_spec
from sqoop_bridge.delimiters import MYSQL_DELIMITERS, Delimiters, parse_delimiter
from sqoop_bridge.errors import SqoopError, UsageError
from sqoop_bridge.exporter import ExportOptions, run_export
from sqoop_bridge.hdfsstore import HdfsStore
from sqoop_bridge.importer import ImportOptions, ImportResult, run_import
from sqoop_bridge.jobs import JobStore, check_job_name
from sqoop_bridge.names import check_identifier, list_tables, split_names
from sqoop_bridge.settings import BridgeSettings, bridge_settings

PROG = "sqoop-bridge"
VERSION = "0.1.0 (Sqoop 1.4.7 tools and flags)"
TOOLS = ("import", "export", "job", "import-all-tables", "list-tables", "list-databases", "eval", "run-jobs", "version", "help")
UNSUPPORTED = {
    "--as-avrodatafile": "Avro output is not supported; use --as-textfile or --as-parquetfile",
    "--as-sequencefile": "SequenceFile output is not supported; use --as-textfile or --as-parquetfile",
    "--hive-import": "Hive import is not supported (no Hive in this stack); import to HDFS and read it with Spark",
    "--hbase-table": "HBase import is not supported",
    "--accumulo-table": "Accumulo import is not supported",
    "--compress": "compressed text output is not supported; --as-parquetfile is compressed (Snappy)",
    "-z": "compressed text output is not supported; --as-parquetfile is compressed (Snappy)",
    "--direct": "--direct (mysqldump/mysqlimport) is not supported; the JDBC-style path is used",
}
REFUSED_ON_ARGV = (
    "--password on the command line is refused (it would show in ps and shell history); "
    "use --password-file FILE, -P, or MYSQL_PASSWORD(_FILE) in the environment"
)

log = get_logger()


class OneLineParser(argparse.ArgumentParser):
    """argparse whose errors are one line: `sqoop-bridge import: error: …`, exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


@dataclass
class Context:
    """What every tool gets: settings and lazily made HDFS and connection specs."""

    stack: StackSettings
    bridge: BridgeSettings
    _store: HdfsStore | None = None
    quiet: bool = False  # run-jobs: the summary lines go to the log only

    def say(self, text: str) -> None:
        if self.quiet:
            log.info("sqoop.say", text=text)
        else:
            _say(text)

    @property
    def store(self) -> HdfsStore:
        if self._store is None:
            self._store = HdfsStore(self.stack.hdfs_url, self.stack.hdfs_user, self.bridge.connect_retries, self.bridge.retry_backoff_s)
        return self._store

    @property
    def jobs(self) -> JobStore:
        return JobStore(self.store, self.bridge.jobs_dir)

    def spec(self, args: argparse.Namespace) -> ConnectionSpec:
        return resolve_spec(self.stack, args.connect, args.username, args.password_file, args.P, hdfs_reader=self.store.read)


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _say(text: str) -> None:
    """User-facing progress lines of a tool (Sqoop logs them at INFO on stderr)."""
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


# --- argument groups ------------------------------------------------------------------------------


def _common(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("common arguments")
    g.add_argument("--connect", metavar="JDBC-URL", help="jdbc:mysql://host:port/db (default: the stack's MariaDB)")
    g.add_argument("--username", metavar="USER", help="default: MYSQL_USER (souk)")
    g.add_argument("--password-file", metavar="PATH", help="file holding the password (local, file:… or hdfs:…)")
    g.add_argument("-P", action="store_true", help="read the password from the console")
    g.add_argument("--verbose", action="store_true", help="log at DEBUG")
    g.add_argument("--driver", help="accepted and ignored (mysql-connector is used)")
    g.add_argument("--connection-manager", help="accepted and ignored")
    g.add_argument("-D", dest="generic", action="append", default=[], metavar="PROP=VALUE", help="Hadoop property (accepted, ignored)")


def _output_format(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("output line formatting arguments")
    g.add_argument("--fields-terminated-by", metavar="CHAR")
    g.add_argument("--lines-terminated-by", metavar="CHAR")
    g.add_argument("--enclosed-by", metavar="CHAR")
    g.add_argument("--optionally-enclosed-by", metavar="CHAR")
    g.add_argument("--escaped-by", metavar="CHAR")
    g.add_argument("--mysql-delimiters", action="store_true", help="fields , lines \\n escaped-by \\ optionally-enclosed-by '")


def _input_format(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("input parsing arguments")
    for name in ("fields-terminated-by", "lines-terminated-by", "enclosed-by", "optionally-enclosed-by", "escaped-by"):
        g.add_argument(f"--input-{name}", metavar="CHAR")
    g.add_argument("--input-null-string", metavar="STR", help="text read as NULL in string columns (default 'null')")
    g.add_argument("--input-null-non-string", metavar="STR", help="text read as NULL in other columns (default 'null'; empty too)")


def _import_args(p: argparse.ArgumentParser, all_tables: bool = False) -> None:
    g = p.add_argument_group("import control arguments")
    if not all_tables:
        g.add_argument("--table", metavar="TABLE")
        g.add_argument("--columns", metavar="COL,COL")
        g.add_argument("--where", metavar="COND", help="SQL condition, written by the user (not checked)")
        g.add_argument("--query", "-e", metavar="SQL", help="free-form query containing $CONDITIONS (user SQL)")
        g.add_argument("--split-by", metavar="COLUMN")
        g.add_argument("--boundary-query", metavar="SQL", help="query returning MIN and MAX of the split column")
        g.add_argument("--target-dir", metavar="DIR")
        g.add_argument("--delete-target-dir", action="store_true")
        g.add_argument("--append", action="store_true", help="add part files to an existing target dir")
    g.add_argument("-m", "--num-mappers", type=int, default=4, metavar="N")
    g.add_argument("--autoreset-to-one-mapper", action="store_true")
    g.add_argument("--warehouse-dir", metavar="DIR")
    g.add_argument("--as-textfile", dest="file_format", action="store_const", const="text", default="text")
    g.add_argument("--as-parquetfile", dest="file_format", action="store_const", const="parquet")
    g.add_argument("--null-string", default="null", metavar="STR")
    g.add_argument("--null-non-string", default="null", metavar="STR")
    g.add_argument("--fetch-size", type=int, metavar="N")
    if not all_tables:
        i = p.add_argument_group("incremental import arguments")
        i.add_argument("--incremental", choices=("append", "lastmodified"))
        i.add_argument("--check-column", metavar="COLUMN")
        i.add_argument("--last-value", metavar="VALUE")
        i.add_argument("--merge-key", metavar="COLUMN")
    _output_format(p)


def _delimiters(args: argparse.Namespace, prefix: str = "", fallback: Delimiters | None = None) -> Delimiters:
    base = MYSQL_DELIMITERS if getattr(args, "mysql_delimiters", False) else (fallback or Delimiters())

    def get(name: str) -> str | None:
        value = getattr(args, prefix + name.replace("-", "_"), None)
        return None if value is None else parse_delimiter(f"--{prefix.replace('_', '-')}{name}", value)

    fields = get("fields-terminated-by")
    lines = get("lines-terminated-by")
    enclosed = get("enclosed-by")
    optional = get("optionally-enclosed-by")
    escaped = get("escaped-by")
    if enclosed is not None and optional is not None:
        raise UsageError("--enclosed-by and --optionally-enclosed-by cannot be used together")
    return Delimiters(
        fields=fields if fields is not None else base.fields,
        lines=lines if lines is not None else base.lines,
        enclosed_by=enclosed if enclosed is not None else (optional if optional is not None else base.enclosed_by),
        escaped_by=escaped if escaped is not None else base.escaped_by,
        enclose_required=enclosed is not None or (optional is None and base.enclose_required),
    )


def _import_options(args: argparse.Namespace, ctx: Context) -> ImportOptions:
    if args.table and args.query:
        raise UsageError("Cannot specify --query and --table together.")
    if not args.table and not args.query:
        raise UsageError("Import failed: There is no table or query specified (use --table or --query)")
    if args.table:
        check_identifier("table", args.table)
    if args.query and "$CONDITIONS" not in args.query:
        raise UsageError(f"Query [{args.query}] must contain '$CONDITIONS' in WHERE clause.")
    if args.query and not args.target_dir:
        raise UsageError("Must specify destination with --target-dir.")
    if args.num_mappers < 1:
        raise UsageError("-m/--num-mappers must be >= 1")
    for name in ("split_by", "check_column", "merge_key"):
        value = getattr(args, name)
        if value is not None:
            for part in value.split("."):
                check_identifier("column", part)
    if args.incremental is None and (args.check_column or args.last_value):
        raise UsageError("--check-column and --last-value need --incremental append|lastmodified")
    if args.merge_key and args.incremental != "lastmodified":
        raise UsageError("--merge-key is used with --incremental lastmodified")
    if args.append and args.delete_target_dir:
        raise UsageError("--append and --delete-target-dir cannot be used together")
    if args.target_dir and args.warehouse_dir:
        raise UsageError("--target-dir and --warehouse-dir cannot be used together")
    return ImportOptions(
        table=args.table,
        query=args.query,
        columns=split_names("column", args.columns) if args.columns else [],
        where=args.where,
        split_by=args.split_by,
        boundary_query=args.boundary_query,
        num_mappers=args.num_mappers,
        autoreset_to_one_mapper=args.autoreset_to_one_mapper,
        target_dir=args.target_dir.rstrip("/") if args.target_dir else None,
        warehouse_dir=args.warehouse_dir,
        delete_target_dir=args.delete_target_dir,
        append=args.append,
        file_format=args.file_format,
        delimiters=_delimiters(args),
        null_string=args.null_string,
        null_non_string=args.null_non_string,
        incremental=args.incremental,
        check_column=args.check_column,
        last_value=args.last_value,
        merge_key=args.merge_key,
        fetch_size=args.fetch_size or ctx.bridge.fetch_size,
    )


# --- tools ----------------------------------------------------------------------------------------


def cmd_import(args: argparse.Namespace, ctx: Context) -> tuple[int, ImportResult]:
    opts = _import_options(args, ctx)
    result = run_import(ctx.spec(args), opts, ctx.store, ctx.bridge.warehouse_dir, ctx.bridge.connect_retries)
    if result.nothing_new:
        ctx.say("No new rows detected since last import.")
    else:
        ctx.say(f"Retrieved {result.rows} records.")
    if opts.incremental:
        ctx.say(
            "Incremental import complete! To run another incremental import of all data following this import,"
            " supply the following arguments:"
        )
        ctx.say(f" --incremental {opts.incremental}")
        ctx.say(f"   --check-column {opts.check_column}")
        ctx.say(f"   --last-value {result.last_value}")
        ctx.say("(Consider saving this with 'sqoop-bridge job --create')")
    return 0, result


def cmd_import_all(args: argparse.Namespace, ctx: Context) -> int:
    spec = ctx.spec(args)
    excluded = {n.lower() for n in split_names("table", args.exclude_tables)} if args.exclude_tables else set()
    conn = connect(spec, ctx.bridge.connect_retries)
    try:
        tables = [t for t in list_tables(conn, spec.database) if t.lower() not in excluded]
    finally:
        conn.close()
    warehouse = args.warehouse_dir or posixpath.join(ctx.bridge.warehouse_dir, "warehouse")
    for table in tables:
        opts = ImportOptions(
            table=table,
            num_mappers=args.num_mappers,
            autoreset_to_one_mapper=args.autoreset_to_one_mapper,
            target_dir=posixpath.join(warehouse, table),
            file_format=args.file_format,
            delimiters=_delimiters(args),
            null_string=args.null_string,
            null_non_string=args.null_non_string,
            fetch_size=args.fetch_size or ctx.bridge.fetch_size,
        )
        result = run_import(spec, opts, ctx.store, warehouse, ctx.bridge.connect_retries)
        ctx.say(f"{table}: retrieved {result.rows} records into {result.target_dir}")
    return 0


def cmd_export(args: argparse.Namespace, ctx: Context) -> int:
    if not args.table or not args.export_dir:
        raise UsageError("Export requires --table and --export-dir")
    check_identifier("table", args.table)
    if args.staging_table:
        check_identifier("staging table", args.staging_table)
    output = _delimiters(args)
    opts = ExportOptions(
        table=args.table,
        export_dir=args.export_dir,
        columns=split_names("column", args.columns) if args.columns else [],
        delimiters=_delimiters(args, "input_", output),
        null_string=args.input_null_string if args.input_null_string is not None else "null",
        null_non_string=args.input_null_non_string if args.input_null_non_string is not None else "null",
        staging_table=args.staging_table,
        clear_staging_table=args.clear_staging_table,
        update_key=args.update_key,
        update_mode=args.update_mode,
        batch_rows=ctx.bridge.export_batch_rows,
    )
    result = run_export(ctx.spec(args), opts, ctx.store, ctx.bridge.connect_retries)
    ctx.say(f"Exported {result.rows} records.")
    return 0


def cmd_list_databases(args: argparse.Namespace, ctx: Context) -> int:
    conn = connect(ctx.spec(args), ctx.bridge.connect_retries)
    try:
        cur = conn.cursor()
        cur.execute("SHOW DATABASES")
        _write("".join(f"{r[0]}\n" for r in cur.fetchall()))
    finally:
        conn.close()
    return 0


def cmd_list_tables(args: argparse.Namespace, ctx: Context) -> int:
    spec = ctx.spec(args)
    conn = connect(spec, ctx.bridge.connect_retries)
    try:
        _write("".join(f"{t}\n" for t in list_tables(conn, spec.database)))
    finally:
        conn.close()
    return 0


def cmd_eval(args: argparse.Namespace, ctx: Context) -> int:
    if not args.query:
        raise UsageError("eval requires --query SQL")
    conn = connect(ctx.spec(args), ctx.bridge.connect_retries)
    try:
        cur = conn.cursor()
        try:
            cur.execute(args.query)
            if cur.description:
                rows = cur.fetchall()
                _write(format_table([d[0] for d in cur.description], rows))
            else:
                conn.commit()
                _write(f"{cur.rowcount} row(s) updated.\n")
        except SqoopError:
            raise
        except Exception as exc:
            raise SqoopError(f"SQL exception: {getattr(exc, 'msg', None) or exc}") from None
    finally:
        conn.close()
    return 0


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Sqoop eval's result table: | col | col | between dashed rules."""
    shown = [["NULL" if v is None else (v.decode() if isinstance(v, bytes | bytearray) else str(v)) for v in r] for r in rows]
    widths = [max([len(h), *(len(r[i]) for r in shown)]) for i, h in enumerate(headers)]
    rule = "-" * (sum(widths) + 3 * len(widths) + 1) + "\n"

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |\n"

    return rule + line(headers) + rule + "".join(line(r) for r in shown) + (rule if shown else "")


# --- job ------------------------------------------------------------------------------------------


def cmd_job(args: argparse.Namespace, ctx: Context, rest: list[str]) -> int:
    jobs = ctx.jobs
    if args.create:
        check_job_name(args.create)
        if not rest:
            raise UsageError("job --create NAME -- TOOL [ARGS]: the tool and its arguments follow '--'")
        tool, tool_args = rest[0], rest[1:]
        # Parse now, so a job that could never run is not saved.
        parser = build_parser()
        _parse(parser, [tool, *tool_args])
        jobs.create(args.create, tool, tool_args)
        _say(f"Job {args.create} created.")
        return 0
    if args.list:
        names = jobs.names()
        _write("Available jobs:\n" + "".join(f"  {n}\n" for n in names))
        return 0
    if args.show:
        doc = jobs.get(args.show)
        lines = [f"Job: {doc['name']}", f"Tool: {doc['tool']}", "Options:", "----------------------------"]
        lines.append(f"incremental.last.value = {doc.get('last_value') or ''}")
        lines.append(f"tool.args = {' '.join(_shell_quote(a) for a in doc['args'])}")
        lines += [f"created = {doc.get('created')}", f"updated = {doc.get('updated')}", f"runs = {doc.get('runs', 0)}"]
        _write("\n".join(lines) + "\n")
        return 0
    if args.delete:
        jobs.delete(args.delete)
        _say(f"Job {args.delete} deleted.")
        return 0
    if args.exec:
        return exec_job(ctx, args.exec, rest)
    raise UsageError("job needs one of --create NAME, --exec NAME, --list, --show NAME, --delete NAME")


def exec_job(ctx: Context, name: str, extra: Sequence[str] = ()) -> int:
    """Run a saved job; an incremental import's new last value is saved only after it succeeded."""
    doc = ctx.jobs.get(name)
    argv = [doc["tool"], *doc["args"], *extra]
    if doc.get("last_value") is not None and doc["tool"] == "import":
        argv = [*_without(argv, "--last-value"), "--last-value", str(doc["last_value"])]
    try:
        args, _rest = _parse(build_parser(), argv)
    except SystemExit:
        raise UsageError(f"saved job {name} has arguments this version cannot parse: {' '.join(doc['args'])}") from None
    log.info("sqoop.job.exec", job=name, tool=doc["tool"], last_value=doc.get("last_value"))
    if doc["tool"] == "import":
        code, result = cmd_import(args, ctx)
        ctx.jobs.record_success(name, result.last_value if args.incremental else None)
        return code
    code = args.func(args, ctx)
    ctx.jobs.record_success(name, None)
    return int(code)


def _without(argv: list[str], flag: str) -> list[str]:
    out: list[str] = []
    skip = False
    for a in argv:
        if skip:
            skip = False
            continue
        if a == flag:
            skip = True
            continue
        if a.startswith(flag + "="):
            continue
        out.append(a)
    return out


def _shell_quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)


# --- run-jobs -------------------------------------------------------------------------------------


def cmd_run_jobs(args: argparse.Namespace, ctx: Context) -> int:
    from sqoop_bridge.scheduler import Scheduler, parse_every

    ctx.quiet = True
    scheduler = Scheduler(ctx, parse_every(args.every), only=split_names("job", args.jobs) if args.jobs else None, run_job=exec_job)
    return scheduler.run(once=args.once, create_default=not args.no_default_job)


def cmd_version(args: argparse.Namespace, ctx: Context) -> int:
    _write(f"{PROG} {VERSION}\n")
    return 0


# --- parser ---------------------------------------------------------------------------------------


def build_parser() -> OneLineParser:
    parser = OneLineParser(prog=PROG, description="Sqoop 1.4.7's tools between the stack's MariaDB and HDFS")
    sub = parser.add_subparsers(dest="tool", required=True, parser_class=OneLineParser, metavar="TOOL")

    p = sub.add_parser("import", help="import a table or a query into HDFS")
    _common(p)
    _import_args(p)
    p.set_defaults(func=lambda a, c: cmd_import(a, c)[0])

    p = sub.add_parser("import-all-tables", help="import every table of the database")
    _common(p)
    _import_args(p, all_tables=True)
    p.add_argument("--exclude-tables", metavar="T,T")
    p.set_defaults(func=cmd_import_all)

    p = sub.add_parser("export", help="export an HDFS directory into a table")
    _common(p)
    g = p.add_argument_group("export control arguments")
    g.add_argument("--table", metavar="TABLE")
    g.add_argument("--export-dir", metavar="DIR")
    g.add_argument("--columns", metavar="COL,COL")
    g.add_argument("--staging-table", metavar="TABLE")
    g.add_argument("--clear-staging-table", action="store_true")
    g.add_argument("--update-key", metavar="COLUMN")
    g.add_argument("--update-mode", default="updateonly", choices=("updateonly", "allowinsert"))
    g.add_argument("-m", "--num-mappers", type=int, default=1, metavar="N", help="accepted; files are exported in one session")
    g.add_argument("--batch", action="store_true", help="accepted (rows are always sent in batches)")
    _output_format(p)
    _input_format(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("job", help="saved jobs: --create NAME -- TOOL ARGS, --exec, --list, --show, --delete")
    _common(p)
    g = p.add_mutually_exclusive_group()
    g.add_argument("--create", metavar="NAME")
    g.add_argument("--exec", metavar="NAME")
    g.add_argument("--show", metavar="NAME")
    g.add_argument("--delete", metavar="NAME")
    g.add_argument("--list", action="store_true")
    p.set_defaults(func=None)

    p = sub.add_parser("list-tables", help="the tables of the database")
    _common(p)
    p.set_defaults(func=cmd_list_tables)

    p = sub.add_parser("list-databases", help="the databases on the server")
    _common(p)
    p.set_defaults(func=cmd_list_databases)

    p = sub.add_parser("eval", help="run one SQL statement and print its result")
    _common(p)
    p.add_argument("--query", "-e", metavar="SQL")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("run-jobs", help="run saved jobs on a schedule (the long-running form)")
    p.add_argument("--every", default="5m", help="interval: 30s, 5m, 1h (default 5m)")
    p.add_argument("--jobs", metavar="NAME,NAME", help="only these jobs (default: all saved jobs)")
    p.add_argument("--once", action="store_true", help="run one round and exit (status 1 if a job failed)")
    p.add_argument("--no-default-job", action="store_true", help="do not create the default incremental job on sales")
    p.add_argument("--verbose", action="store_true")
    p.set_defaults(func=cmd_run_jobs)

    p = sub.add_parser("version", help="print the version")
    p.set_defaults(func=cmd_version)
    return parser


def _parse(parser: OneLineParser, argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    """Parse a tool's arguments; `job` takes the words after '--' as the saved tool's command line."""
    argv = list(argv)
    for a in argv:
        if a == "--password" or a.startswith("--password="):
            raise UsageError(REFUSED_ON_ARGV)
    rest: list[str] = []
    if argv and argv[0] == "job" and "--" in argv:
        cut = argv.index("--")
        argv, rest = argv[:cut], argv[cut + 1 :]
        for a in rest:
            if a == "--password" or a.startswith("--password="):
                raise UsageError(REFUSED_ON_ARGV)
    for a in argv:
        if a in UNSUPPORTED:
            raise UsageError(UNSUPPORTED[a])
    return parser.parse_args(argv), rest


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("help", "-h", "--help"):
        build_parser().print_help(sys.stdout)
        return 0 if argv else 2
    debug = os.environ.get("SOUK_DEBUG") == "1"
    try:
        try:
            args, rest = _parse(build_parser(), argv)
        except SystemExit as exc:  # argparse already wrote its one line (or the help)
            return int(exc.code or 0) if not isinstance(exc.code, str) else 2
        bridge = bridge_settings()
        level = "DEBUG" if getattr(args, "verbose", False) else ("INFO" if args.tool == "run-jobs" else bridge.log_level)
        configure_logging("sqoop-bridge", level=level)
        ctx = Context(stack_settings(), bridge)
        if args.tool == "job":
            return cmd_job(args, ctx, rest)
        func: Callable[[argparse.Namespace, Context], int] = args.func
        return int(func(args, ctx))
    except SqoopError as exc:
        if debug:
            raise
        sys.stderr.write(f"{PROG}: {'error: ' if exc.exit_code == 2 else ''}{exc}\n")
        return exc.exit_code
    except SettingsError as exc:
        sys.stderr.write(f"{PROG}: error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write(f"{PROG}: interrupted\n")
        return 130
    except Exception as exc:
        if debug:
            raise
        sys.stderr.write(
            f"{PROG}: unexpected {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''} (SOUK_DEBUG=1 shows the traceback)\n"
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
