"""Batch benchmark: the daily job (check → repair → aggregate every view → export CSV) at 1x and 10x.

    .venv/bin/python bench/batch.py                      # 1,000,000 events at 1x, 10,000,000 at 10x
    .venv/bin/python bench/batch.py --events 100000      # a quick run
    .venv/bin/python bench/batch.py --scale 4            # 1x and 4x

Each dataset is one day of synthetic clicks (85 %), purchases (5 %, 1–3 lines) and inventory moves
(10 %) written by Spark in the archiver's layout (`date=/hour=` directories, Snappy Parquet,
`_SUCCESS` in every hour) under a private HDFS directory, deleted at the end unless --keep. The
daily job runs in this process's Spark session (started once, its start-up reported apart); the
baseline is the 1x run of the same job in the same run. Goal: time ratio ≤ the data ratio (linear).
Only the daily job is timed (DAILY S); writing the data set comes before it (WRITE S, not counted).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

# This file is bench/batch.py: run as a script, its directory would shadow the `batch` package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from batch.daily import run_day  # noqa: E402
from batch.hdfs import Hdfs  # noqa: E402
from batch.session import build_session  # noqa: E402
from batch.settings import batch_settings  # noqa: E402
from batch.synthetic import _write_all  # noqa: E402
from batch.table import render  # noqa: E402

from souk.contract import CATEGORIES, CITIES, PAYMENT_METHODS  # noqa: E402
from souk.logs import configure_logging  # noqa: E402

DAY = "2026-06-01"
PRODUCTS = 200


def _array(values: tuple[str, ...]) -> str:
    return "array(" + ", ".join("'" + v.replace("'", "\\'") + "'" for v in values) + ")"


def generate(spark: Any, settings: Any, events: int) -> dict[str, int]:
    """Write one day of `events` events in the archive layout; counts per topic."""
    from pyspark.sql import functions as F

    day_ms = _day_ms()
    counts = {"clicks": int(events * 0.85), "purchases": int(events * 0.05)}
    counts["inventory"] = events - counts["clicks"] - counts["purchases"]
    cities, categories, payments = _array(CITIES), _array(CATEGORIES), _array(PAYMENT_METHODS)
    pages = _array(("home", "category", "product", "cart", "checkout"))

    def base(topic: str) -> Any:
        n = counts[topic]
        return (
            # 24 contiguous id ranges, time rising with id: each task writes ~1 hour, no shuffle needed
            spark.range(0, n, 1, 24)
            .withColumn("event_time_ms", F.lit(day_ms) + (F.col("id") * F.lit(86_400_000) / F.lit(n)).cast("bigint"))
            .withColumn("event_id", F.expr("uuid()"))
            .withColumn("event_time", F.timestamp_millis("event_time_ms"))
            .withColumn("schema_version", F.lit(1))
            .withColumn("kafka_partition", F.pmod(F.xxhash64("id"), F.lit(6)).cast("int"))
            .withColumn("kafka_offset", F.col("id"))
        )

    product = f"concat('P-', lpad(cast(pmod(xxhash64(id, 7), {PRODUCTS}) as string), 4, '0'))"
    product_category = f"element_at({categories}, cast(pmod(xxhash64(id, 7), {PRODUCTS}) % 5 + 1 as int))"
    clicks = base("clicks").selectExpr(
        "*",
        "concat('s-', cast(id div 8 as string)) as session_id",
        "concat('u-', cast(id div 24 as string)) as user_id",
        f"element_at({cities}, cast(pmod(xxhash64(id div 8), 6) + 1 as int)) as city",
        f"element_at({pages}, cast(id % 5 + 1 as int)) as page",
    )
    clicks = clicks.selectExpr(
        "*",
        "case when page = 'product' and id % 3 = 0 then 'add_to_cart' else 'view' end as action",
        f"case when page = 'product' then {product} end as product_id",
        f"case when page = 'product' then {product_category}"
        f" when page = 'category' then element_at({categories}, cast(id % 5 + 1 as int)) end as category",
    )
    line = (
        f"named_struct('product_id', concat('P-', lpad(cast(pmod(xxhash64(id, i), {PRODUCTS}) as string), 4, '0')),"
        f" 'category', element_at({categories}, cast(pmod(xxhash64(id, i), {PRODUCTS}) % 5 + 1 as int)),"
        " 'quantity', cast(1 + pmod(id + i, 3) as bigint),"
        " 'unit_price', cast((pmod(xxhash64(i, id), 400000) + 100) / 100 as decimal(18,2)))"
    )
    purchases = base("purchases").selectExpr(
        "*",
        "concat('o-', cast(id as string)) as order_id",
        "concat('s-', cast(id * 17 div 8 as string)) as session_id",
        "concat('u-', cast(id as string)) as user_id",
        f"element_at({cities}, cast(pmod(xxhash64(id * 17 div 8), 6) + 1 as int)) as city",
        f"element_at({payments}, cast(id % 3 + 1 as int)) as payment_method",
        f"transform(sequence(1, cast(1 + id % 3 as int)), i -> {line}) as lines",
    )
    purchases = purchases.selectExpr(
        "*",
        "cast(aggregate(lines, cast(0 as decimal(18,2)),"
        " (acc, l) -> cast(acc + l.unit_price * l.quantity as decimal(18,2))) as decimal(18,2)) as total",
    )
    inventory = base("inventory").selectExpr(
        "*",
        f"concat('P-', lpad(cast(pmod(id, {PRODUCTS}) as string), 4, '0')) as product_id",
        f"element_at({categories}, cast(pmod(id, {PRODUCTS}) % 5 + 1 as int)) as category",
        "case when id % 50 = 0 then cast(100 as bigint) else cast(-(1 + id % 3) as bigint) end as delta",
        "case when id % 50 = 0 then 'restock' else 'sale' end as reason",
        "cast(pmod(xxhash64(id, 3), 500) as bigint) as stock_level",
    )
    markers = {}
    for topic, df in (("clicks", clicks), ("purchases", purchases), ("inventory", inventory)):
        out = df.drop("id").withColumn("date", F.lit(DAY)).withColumn("hour", F.date_format("event_time", "HH"))
        out.write.mode("overwrite").partitionBy("date", "hour").parquet(settings.uri(f"{settings.archive_dir}/{topic}"))
        for h in range(24):
            markers[f"{settings.archive_dir}/{topic}/date={DAY}/hour={h:02d}/_SUCCESS"] = b""
    _write_all(Hdfs(settings), markers)
    return counts


def _d(value: float, places: int) -> Decimal:
    return Decimal(f"{value:.{places}f}")


def _day_ms() -> int:
    import datetime as dt

    return int(dt.datetime.fromisoformat(DAY).replace(tzinfo=dt.UTC).timestamp() * 1000)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="events at 1x (default 1,000,000)")
    parser.add_argument("--scale", type=int, default=10, help="the larger dataset, as a multiple of --events (default 10)")
    parser.add_argument("--keep", action="store_true", help="keep the bench's HDFS directories")
    parser.add_argument("--event-log", metavar="DIR", help="write Spark's event log (stage timings) into local DIR")
    parser.add_argument("--no-cold", action="store_true", help="skip the cold run (`souk daily` in a new process) at the larger size")
    args = parser.parse_args()
    if args.events < 1000 or args.scale < 2:
        parser.error("--events must be >= 1000 and --scale >= 2")

    configure_logging("batch", level="WARNING")
    if args.event_log:
        Path(args.event_log).mkdir(parents=True, exist_ok=True)
        conf = f"--conf spark.eventLog.enabled=true --conf spark.eventLog.dir=file://{Path(args.event_log).resolve()}"
        os.environ["PYSPARK_SUBMIT_ARGS"] = f"{conf} pyspark-shell"
    root = f"/tmp/souk-bench/batch-{uuid.uuid4().hex[:8]}"
    local = Path(tempfile.mkdtemp(prefix="souk-bench-batch-"))
    base = dataclasses.replace(batch_settings(), driver_memory="4g", retries=1)
    started = time.monotonic()
    spark = build_session(base, "souk-bench-batch")
    startup = time.monotonic() - started
    hdfs = Hdfs(base)
    rows = []
    steps_by_label: dict[str, dict[str, float]] = {}
    baseline = None
    try:
        for label, factor in (("1x", 1), (f"{args.scale}x", args.scale)):
            settings = dataclasses.replace(
                base,
                archive_dir=f"{root}/{label}/data",
                warehouse_dir=f"{root}/{label}/warehouse",
                reports_dir=f"{root}/{label}/reports",
                local_reports_dir=local / label,
            )
            events = args.events * factor
            sys.stderr.write(f"{label}: writing {events:,} events …\n")
            t = time.monotonic()
            counts = generate(spark, settings, events)
            write_s = time.monotonic() - t
            sys.stderr.write(f"{label}: daily job …\n")
            t, cpu = time.monotonic(), _jvm_cpu_seconds()
            run = run_day(spark, settings, DAY)
            seconds, cpu = time.monotonic() - t, _jvm_cpu_seconds() - cpu
            load = os.getloadavg()[0]
            assert run.events == counts, (run.events, counts)
            baseline = baseline or seconds
            steps = ", ".join(f"{k} {v:.1f}" for k, v in run.seconds.items())
            parts = dict(run.seconds)
            aggregate = parts.pop("aggregate", 0.0)
            export = parts.pop("export", None)
            parts.update({f"aggregate: {k}": v for k, v in run.detail.items()})
            parts["aggregate: other"] = aggregate - sum(run.detail.values())
            # the views run side by side: each one's time overlaps the others' (not part of the sum above)
            parts.update({f"  view {k} (overlapping)": v for k, v in sorted(run.view_seconds.items(), key=lambda kv: -kv[1])})
            if export is not None:
                parts["export"] = export
            steps_by_label[label] = parts
            ratio = _d(seconds / baseline, 2)
            rows.append(
                (label, events, _d(write_s, 1), _d(seconds, 1), _d(cpu, 1), int(events / seconds), ratio, factor, _d(load, 1), steps)
            )
            sys.stderr.write(f"{label}: {events:,} events, daily job {seconds:.1f} s (load {load:.1f}; {steps})\n")
        cold = None if args.no_cold else _cold_daily(settings)
    finally:
        if not args.keep:
            hdfs.delete(root, recursive=True)
    sys.stdout.write(
        f"Spark start-up (not counted): {startup:.1f} s; master {base.spark_master}, driver {base.driver_memory}"
        f" ({base.driver_java_options}), {base.view_jobs} views side by side\n"
    )
    header = ("DATA", "EVENTS", "WRITE S", "DAILY S", "SPARK CPU S", "EVENTS/S", "TIME RATIO", "DATA RATIO", "LOAD 1M", "STEPS (S)")
    sys.stdout.write(render(header, rows))
    small, large = steps_by_label.get("1x", {}), steps_by_label.get(f"{args.scale}x", {})
    step_rows = []
    for step in small:
        one, many = small[step], large.get(step)
        step_rows.append((step, _d(one, 2), "-" if many is None else _d(many, 2), "-" if many is None or one <= 0 else _d(many / one, 2)))
    sys.stdout.write("\nPer step of the daily job (seconds):\n")
    sys.stdout.write(render(("STEP", "1x S", f"{args.scale}x S", "RATIO"), step_rows))
    ratio = rows[-1][6]
    verdict = "linear or better" if ratio <= args.scale else "worse than linear"
    sys.stdout.write(f"time ratio {ratio} for {args.scale}x the data (goal ≤ {args.scale}: {verdict}); LOAD 1M: load average")
    sys.stdout.write(f" when the daily job ended, on {os.cpu_count()} CPUs; SPARK CPU S: CPU time of Spark's JVM during the job\n")
    if cold is not None:
        sys.stdout.write(
            f"Cold: `souk daily --date {DAY}` over the {args.scale}x data in a new process (its Spark start-up and JIT"
            f" warm-up included): {cold:.1f} s\n"
        )
    return 0


def _jvm_cpu_seconds() -> float:
    """CPU time (user + system) of this process's Spark JVM (the java child PySpark launched)."""
    import psutil

    jvms = [p for p in psutil.Process().children() if p.name() == "java"]
    return sum(t.user + t.system for t in (p.cpu_times() for p in jvms))


def _cold_daily(settings: Any) -> float:
    """Seconds of `python -m batch daily` (what `souk daily` runs) over `settings`' lake, in a new process."""
    import subprocess

    env = dict(os.environ)
    env.update(
        BATCH_ARCHIVE_DIR=settings.archive_dir,
        BATCH_WAREHOUSE_DIR=settings.warehouse_dir,
        BATCH_REPORTS_DIR=settings.reports_dir,
        BATCH_LOCAL_REPORTS_DIR=str(settings.local_reports_dir),
        BATCH_SALES_DIR=f"{settings.archive_dir}/no-sales",  # the sales views are not part of the daily job timed here
        BATCH_DRIVER_MEMORY=settings.driver_memory,
        BATCH_RETRIES="1",
    )
    sys.stderr.write("cold: souk daily in a new process …\n")
    t = time.monotonic()
    subprocess.run([sys.executable, "-m", "batch", "daily", "--date", DAY], env=env, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - t


if __name__ == "__main__":
    sys.exit(main())
