"""`python -m batch sql|report|daily|reconcile` (what `souk sql|report|daily|reconcile` run).

Exit codes: 0 done; 1 a run-time failure (missing data, HDFS or Spark down, layers that
disagree), with one line on stderr; 2 a bad argument or setting. SOUK_DEBUG=1 shows tracebacks.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Sequence
from decimal import Decimal

from batch.errors import BatchError
from batch.settings import BatchSettings, batch_settings
from souk.cli import OneLineParser
from souk.logs import configure_logging
from souk.settings import SettingsError


def _date(text: str) -> str:
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def cmd_sql(args: argparse.Namespace, settings: BatchSettings) -> int:
    from batch.catalog import register_all
    from batch.session import build_session
    from batch.table import render

    spark = build_session(settings, "souk-sql")
    tables = register_all(spark, settings)
    if args.tables:
        _write("\n".join(tables) + "\n")
        return 0
    df = spark.sql(args.query)
    rows = df.limit(args.limit + 1).collect()
    shown = rows[: args.limit]
    _write(render(df.columns, [tuple(r) for r in shown]))
    more = " (more rows not shown; --limit)" if len(rows) > args.limit else ""
    _write(f"({len(shown)} row{'s' if len(shown) != 1 else ''}){more}\n")
    return 0


def cmd_daily(args: argparse.Namespace, settings: BatchSettings) -> int:
    from batch.daily import check_waiting, dates_between, run_days, run_sales
    from batch.retry import with_retries
    from batch.session import build_session
    from batch.table import render

    dates = [args.date] if args.date else dates_between(args.date_from, args.date_to)
    if not args.no_check:
        # before Spark starts, so a day that is not closed fails in a second, not after Spark's start-up
        for date in dates:
            with_retries("check", lambda date=date: check_waiting(settings, date, args.wait), settings.retries, settings.retry_delay_s)  # type: ignore[misc]
    spark = build_session(settings, "souk-daily")
    rows = []
    for run in run_days(spark, settings, dates, check=False, mysql_table=args.mysql_table):
        rows.append(
            (
                run.date,
                run.events["clicks"],
                run.events["purchases"],
                run.events["inventory"],
                run.orders,
                run.revenue,
                len(run.views),
                run.csv,
                Decimal(f"{sum(run.seconds.values()):.1f}"),
            )
        )
    header = ("DATE", "CLICKS", "PURCHASES", "INVENTORY", "ORDERS", "REVENUE", "VIEWS", "CSV", "SECONDS")
    _write(render(header, rows))
    if not args.no_sales:
        sales = run_sales(spark, settings)
        done = ", ".join(f"{k} ({v} rows)" for k, v in sales.items()) if sales else f"skipped, no {settings.sales_dir}"
        _write(f"sales views: {done}\n")
    return 0


def cmd_report(args: argparse.Namespace, settings: BatchSettings) -> int:
    from batch.report import write_report
    from batch.session import build_session

    spark = build_session(settings, "souk-report")
    hdfs_dir, local_dir = write_report(spark, settings, args.date, compute=args.compute)
    _write(f"report for {args.date}: {hdfs_dir}/report.md in HDFS, copied to {local_dir}/report.md\n")
    return 0


def cmd_reconcile(args: argparse.Namespace, settings: BatchSettings) -> int:
    from batch.reconcile import LAYERS, main

    required = _layers(args.require, LAYERS)
    skipped = _layers(args.skip, LAYERS)
    dates = [args.date] if args.date else None
    if args.date_from:
        from batch.daily import dates_between

        dates = dates_between(args.date_from, args.date_to)
    return main(settings, ledger=args.ledger, dates=dates, required=required, skipped=skipped, verbose=args.verbose, out=_write)


def _layers(text: str, known: Sequence[str]) -> set[str]:
    chosen = {name.strip() for name in text.split(",") if name.strip()} if text else set()
    unknown = chosen - set(known)
    if unknown:
        raise SettingsError(f"unknown layer(s) {', '.join(sorted(unknown))}; known: {', '.join(known)}")
    return chosen


def build_parser() -> OneLineParser:
    parser = OneLineParser(prog="souk", description="souk's batch layer (Spark over the lake)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    sql = sub.add_parser("sql", help="run Spark SQL over the lake's tables and print the result")
    sql.add_argument("query", nargs="?", help='e.g. "SELECT city, sum(revenue) FROM revenue_by_city GROUP BY city"')
    sql.add_argument("--limit", type=int, default=200, help="rows to print (default 200)")
    sql.add_argument("--tables", action="store_true", help="list the tables instead")
    sql.set_defaults(func=cmd_sql)

    report = sub.add_parser("report", help="the Markdown analysis report of a day, with PNG charts")
    report.add_argument("--date", type=_date, required=True)
    report.add_argument("--compute", action="store_true", help="recompute the day's views first (no completeness check)")
    report.set_defaults(func=cmd_report)

    daily = sub.add_parser("daily", help="check → repair partitions → aggregate views → export CSV, per day")
    when = daily.add_mutually_exclusive_group(required=True)
    when.add_argument("--date", type=_date)
    when.add_argument("--from", dest="date_from", type=_date)
    daily.add_argument("--to", dest="date_to", type=_date, help="last day of --from (inclusive)")
    daily.add_argument("--wait", type=float, default=0.0, metavar="SECONDS", help="poll for the day's _SUCCESS markers this long")
    daily.add_argument("--no-check", action="store_true", help="aggregate even if the day is not closed")
    daily.add_argument("--no-sales", action="store_true", help="leave the views of /user/sqoop/sales alone")
    daily.add_argument("--mysql-table", metavar="TABLE", help="also `sqoop-bridge export` the CSV into this MySQL table")
    daily.set_defaults(func=cmd_daily)

    rec = sub.add_parser("reconcile", help="ledger vs Kafka vs processor vs archive vs views: counts and revenue to the cent")
    rec.add_argument("--ledger", help="the producer's ledger JSON (layer 'ledger')")
    rec.add_argument("--date", type=_date, help="compare only this day (default: every hour any layer has)")
    rec.add_argument("--from", dest="date_from", type=_date)
    rec.add_argument("--to", dest="date_to", type=_date)
    rec.add_argument("--require", default="", metavar="LAYER,…", help="fail also when one of these layers is unavailable")
    rec.add_argument("--skip", default="", metavar="LAYER,…", help="do not read these layers")
    rec.add_argument("--verbose", action="store_true", help="print every compared figure, not only the differences")
    rec.set_defaults(func=cmd_reconcile)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "sql" and not args.query and not args.tables:
        parser.error("sql needs a query (or --tables)")
    if args.command == "daily" and bool(args.date_from) != bool(args.date_to):
        parser.error("--from and --to go together")
    if args.command == "reconcile" and bool(args.date_from) != bool(args.date_to):
        parser.error("--from and --to go together")
    try:
        settings = batch_settings()
        configure_logging("batch", level=settings.log_level)
        return int(args.func(args, settings))
    except SettingsError as exc:
        sys.stderr.write(f"souk {args.command}: {exc}\n")
        return 2
    except BatchError as exc:
        if os.environ.get("SOUK_DEBUG") == "1":
            raise
        sys.stderr.write(f"souk {args.command}: {exc}\n")
        return 1
    except Exception as exc:
        if os.environ.get("SOUK_DEBUG") == "1":
            raise
        first = (str(exc).strip().splitlines() or [""])[0][:400]
        sys.stderr.write(f"souk {args.command}: {type(exc).__name__}: {first}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main())
