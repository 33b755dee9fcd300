"""sqoop-bridge import -m 4 vs Spark's JDBC reader with 4 partitions, on the same 1M-row MariaDB table.

    .venv/bin/python bench/sqoop.py [--rows 1000000] [--keep]

Builds `souk_bench_sqoop.orders` (BIGINT key, VARCHAR, DECIMAL, DATETIME, nullable text, INT) on
the stack's MariaDB, then times, in one run:
  - sqoop-bridge import -m 4 (text, Sqoop's defaults) and --as-parquetfile, as a subprocess
    (wall time includes the Python start-up);
  - Spark 4 (local[4]) spark.read.jdbc(numPartitions=4, partitionColumn=id) written to HDFS as
    CSV and as Parquet, with the MariaDB JDBC driver from Maven Central (org.mariadb.jdbc:
    mariadb-java-client); the session start-up is timed apart and not counted.
Each contender runs --repeat times, interleaved (bridge text, bridge Parquet, Spark CSV, Spark
Parquet, then again), and the best time counts: the machine is shared and a single run mostly
measures the neighbours. Prints rows/s and the ratios to both Spark baselines of the same run,
with the load average.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DRIVER = "org.mariadb.jdbc:mariadb-java-client:3.5.1"
DATABASE = "souk_bench_sqoop"
HDFS_BASE = "/tmp/souk-bench/sqoop"
SQOOP_IMPORT = [sys.executable, "-m", "sqoop_bridge", "import", "--table", "orders", "-m", "4"]


def _driver_jar() -> Path:
    group, artifact, version = DRIVER.split(":")
    jar = Path.home() / ".m2" / "repository" / Path(*group.split(".")) / artifact / version / f"{artifact}-{version}.jar"
    if not jar.exists():
        subprocess.run(["mvn", "-B", "-q", "dependency:get", f"-Dartifact={DRIVER}", "-Dtransitive=false"], check=True)
    return jar


def _prepare(settings: object, rows: int) -> None:
    import mysql.connector

    s = settings
    conn = mysql.connector.connect(host=s.mysql_host, port=s.mysql_port, user=s.mysql_user, password=s.mysql_password().reveal())  # type: ignore[attr-defined]
    cur = conn.cursor()
    cur.execute(f"CREATE DATABASE IF NOT EXISTS {DATABASE}")
    cur.execute(f"USE {DATABASE}")
    cur.execute("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_NAME = 'orders'", (DATABASE,))
    if cur.fetchone()[0]:
        cur.execute("SELECT COUNT(*) FROM orders")
        if cur.fetchone()[0] == rows:
            conn.close()
            return
        cur.execute("DROP TABLE orders")
    cur.execute(
        "CREATE TABLE orders (id BIGINT PRIMARY KEY, customer VARCHAR(40) NOT NULL, amount DECIMAL(12,2) NOT NULL,"
        " created DATETIME NOT NULL, note VARCHAR(100) NULL, qty INT NOT NULL)"
    )
    cur.execute(
        "INSERT INTO orders SELECT seq, CONCAT('Client ', seq % 5000), (seq % 100000) / 100,"
        " '2024-01-01' + INTERVAL seq SECOND, IF(seq % 10 = 0, NULL, CONCAT('note, ', seq)), seq % 97"
        f" FROM seq_1_to_{rows}"
    )
    conn.commit()
    conn.close()


def _sqoop(rows: int, fmt: list[str], target: str) -> float:
    env = dict(os.environ, MYSQL_DATABASE=DATABASE)
    started = time.monotonic()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sqoop_bridge",
            "import",
            "--table",
            "orders",
            "-m",
            "4",
            "--target-dir",
            target,
            "--delete-target-dir",
            *fmt,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.monotonic() - started
    if result.returncode != 0 or f"Retrieved {rows} records." not in result.stderr:
        raise SystemExit(f"sqoop-bridge failed: {result.stderr.strip()[-400:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each contender; the best counts")
    parser.add_argument("--keep", action="store_true", help="keep the database (reused by the next run) and the HDFS output")
    args = parser.parse_args()

    from souk.stack.settings import stack_settings

    settings = stack_settings()
    t0 = time.monotonic()
    _prepare(settings, args.rows)
    prepare_s = time.monotonic() - t0
    jar = _driver_jar()

    sys.stderr.write(f"table ready in {prepare_s:.1f} s\n")
    names = [
        "sqoop-bridge import -m 4 (text)",
        "sqoop-bridge import -m 4 --as-parquetfile",
        "Spark JDBC 4 partitions → CSV",
        "Spark JDBC 4 partitions → Parquet",
    ]
    times: dict[str, list[float]] = {name: [] for name in names}

    from pyspark.sql import SparkSession

    t0 = time.monotonic()
    spark = (
        SparkSession.builder.master("local[4]")
        .appName("bench-sqoop")
        .config("spark.driver.memory", "2g")
        .config("spark.ui.enabled", "false")
        .config("spark.jars", str(jar))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.hadoop.fs.defaultFS", settings.hdfs_rpc_url)
        .config("spark.hadoop.dfs.client.use.datanode.hostname", "true")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    spark_start = time.monotonic() - t0
    # jdbc:mysql (with the MariaDB driver's permitMysqlScheme) so Spark picks its MySQL dialect and quotes names with backticks.
    url = f"jdbc:mysql://{settings.mysql_host}:{settings.mysql_port}/{DATABASE}?permitMysqlScheme"
    props = {"user": settings.mysql_user, "password": settings.mysql_password().reveal(), "driver": "org.mariadb.jdbc.Driver"}

    def spark_run(fmt: str) -> float:
        started = time.monotonic()
        df = spark.read.jdbc(url, "orders", column="id", lowerBound=1, upperBound=args.rows, numPartitions=4, properties=props)
        getattr(df.write.mode("overwrite"), fmt)(f"{HDFS_BASE}/spark-{fmt}")
        return time.monotonic() - started

    spark_run("csv")  # warm-up: class loading and the JDBC driver, not counted
    loads = []
    for _ in range(args.repeat):
        times[names[0]].append(_sqoop(args.rows, [], f"{HDFS_BASE}/bridge-text"))
        times[names[1]].append(_sqoop(args.rows, ["--as-parquetfile"], f"{HDFS_BASE}/bridge-parquet"))
        times[names[2]].append(spark_run("csv"))
        times[names[3]].append(spark_run("parquet"))
        loads.append(os.getloadavg()[0])
    spark.stop()

    best = {name: min(values) for name, values in times.items()}
    csv_rate, parquet_rate = args.rows / best[names[2]], args.rows / best[names[3]]
    width = max(len(name) for name in names)
    lines = [
        f"{args.rows:,} rows, {os.cpu_count()} CPUs; table built in {prepare_s:.1f} s;"
        f" Spark session start {spark_start:.1f} s (not counted); best of {args.repeat} interleaved runs;"
        f" load average (1 min) after each round: {', '.join(f'{x:.1f}' for x in loads)}",
        f"{'run'.ljust(width)} | {'best s':>7} | {'all runs s':>14} | {'rows/s':>10} | vs Spark CSV | vs Spark Parquet",
        f"{'-' * width}-|-{'-' * 7}-|-{'-' * 14}-|-{'-' * 10}-|--------------|-----------------",
    ]
    for name in names:
        rate = args.rows / best[name]
        runs = " ".join(f"{t:.1f}" for t in times[name])
        ratios = f"{rate / csv_rate:11.2f}x | {rate / parquet_rate:15.2f}x"
        lines.append(f"{name.ljust(width)} | {best[name]:7.2f} | {runs:>14} | {rate:10,.0f} | {ratios}")
    sys.stdout.write("\n".join(lines) + "\n")

    if not args.keep:
        import mysql.connector
        from hdfs import InsecureClient

        InsecureClient(settings.hdfs_url, user=settings.hdfs_user).delete(HDFS_BASE, recursive=True)
        s = settings
        conn = mysql.connector.connect(host=s.mysql_host, port=s.mysql_port, user=s.mysql_user, password=s.mysql_password().reveal())
        conn.cursor().execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
