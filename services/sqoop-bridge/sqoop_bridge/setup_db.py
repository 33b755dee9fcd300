"""`souk setup-db` / `python -m sqoop_bridge.setup_db`: the sales, products and customers tables.

`sales` mirrors the good rows of the CSV (Kaggle's sales_data_sample.csv layout): one
transaction empties it and inserts them, so a re-run gives the same contents. A bad row is
reported on stderr as `FILE:LINE: reason` and skipped; the good rows still load. Without
`--csv`, the generated file (2,823 rows, seed 2003) is written to SOUK_HOME/data and loaded.
Exit status: 0 when loaded (even with bad rows, unless --strict), 1 on a server failure, 2 on a
bad argument.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from souk.logs import configure_logging, get_logger
from souk.settings import SettingsError
from souk.stack.settings import stack_settings
from sqoop_bridge.catalogue import fill_catalogue
from sqoop_bridge.connection import ConnectionSpec, connect
from sqoop_bridge.errors import SqoopError, UsageError
from sqoop_bridge.names import check_identifier
from sqoop_bridge.salesdata import COLUMNS, DEFAULT_ROWS, DEFAULT_SEED, ENCODING, SALES_DDL, BadRow, read_sales, write_csv

log = get_logger()
PROG = "setup-db"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> _Parser:
    p = _Parser(prog=PROG, description="load the sales CSV and the catalogue into MariaDB")
    p.add_argument("--csv", type=Path, help="a sales_data_sample.csv to load (default: the generated one)")
    p.add_argument("--database", help="database (default MYSQL_DATABASE); created if missing")
    p.add_argument("--encoding", default=ENCODING, help="the CSV's encoding (default latin-1, as the original)")
    p.add_argument("--generate", type=Path, metavar="PATH", help="only write the generated CSV to PATH and exit")
    p.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="rows of the generated CSV (default 2823)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the generated CSV (default 2003)")
    p.add_argument("--strict", action="store_true", help="exit 1 when any row was bad")
    p.add_argument("--no-catalogue", action="store_true", help="do not create/fill products and customers")
    return p


def load_sales(conn: object, rows: Sequence[tuple[object, ...]]) -> None:
    """Replace the contents of `sales` with `rows` in one transaction."""
    cur = conn.cursor()  # type: ignore[attr-defined]
    cur.execute(SALES_DDL)
    cur.execute("DELETE FROM sales")
    sql = f"INSERT INTO sales ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"
    for i in range(0, len(rows), 1000):
        cur.executemany(sql, list(rows[i : i + 1000]))
    conn.commit()  # type: ignore[attr-defined]
    cur.close()


def setup(spec: ConnectionSpec, csv_path: Path, encoding: str, catalogue: bool = True) -> tuple[int, list[BadRow], dict[str, int]]:
    """Create the database if needed, load the CSV's good rows and the catalogue; (loaded, bad rows, catalogue rows)."""
    try:
        data = csv_path.read_bytes()
    except OSError as exc:
        raise UsageError(f"--csv {csv_path}: cannot read it ({exc.strerror})") from None
    try:
        good, bad = read_sales(data, encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise UsageError(f"--csv {csv_path}: not {encoding} text ({exc})") from None
    server = connect(spec, database="")
    try:
        server.cursor().execute(f"CREATE DATABASE IF NOT EXISTS `{spec.database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    finally:
        server.close()
    conn = connect(spec)
    try:
        load_sales(conn, good)
        filled = fill_catalogue(conn) if catalogue else {}
    except SqoopError:
        raise
    except Exception as exc:
        raise SqoopError(f"loading into {spec.database}: {getattr(exc, 'msg', None) or exc}") from None
    finally:
        conn.close()
    return len(good), bad, filled


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging("sqoop-bridge", level="WARNING")
    try:
        stack = stack_settings()
        if args.generate:
            write_csv(args.generate, args.rows, args.seed)
            sys.stdout.write(f"wrote {args.rows} rows to {args.generate}\n")
            return 0
        database = check_identifier("database", args.database or stack.mysql_database)
        csv_path = args.csv or write_csv(stack.path("data", "sales_data_sample.csv"), args.rows, args.seed)
        spec = ConnectionSpec(stack.mysql_host, stack.mysql_port, database, stack.mysql_user, stack.mysql_password())
        loaded, bad, filled = setup(spec, csv_path, args.encoding, catalogue=not args.no_catalogue)
    except SqoopError as exc:
        sys.stderr.write(f"{PROG}: {'error: ' if exc.exit_code == 2 else ''}{exc}\n")
        return exc.exit_code
    except SettingsError as exc:
        sys.stderr.write(f"{PROG}: error: {exc}\n")
        return 2
    for row in bad:
        sys.stderr.write(f"{csv_path}:{row.line}: bad row skipped: {row.reason}\n")
    sys.stdout.write(f"sales: {loaded} rows loaded from {csv_path} into {database}.sales ({len(bad)} bad rows skipped)\n")
    for table, count in filled.items():
        sys.stdout.write(f"{table}: {'filled with ' + str(count) + ' rows' if count else 'kept (not empty)'}\n")
    log.info("sqoop.setup_db.done", database=database, loaded=loaded, bad=len(bad))
    return 1 if (bad and args.strict) else 0


if __name__ == "__main__":
    sys.exit(main())
