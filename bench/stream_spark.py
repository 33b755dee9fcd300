"""The seeds' streaming design for bench/stream.py: Spark Structured Streaming, local[2], revenue per
category in 30 s event-time windows, read from the same purchases topic the processor reads.

Spark's Kafka source is not in PySpark; the stack's pom fetches it into SOUK_HOME/jars/spark-kafka
(`souk install`). Only the connector and its own dependencies go on Spark's classpath: Hadoop and
Scala come with PySpark.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

CONNECTOR = ("spark-sql-kafka-", "spark-token-provider-kafka-", "kafka-clients-", "commons-pool2-")
SCHEMA = "event_time_ms BIGINT, lines ARRAY<STRUCT<category: STRING, quantity: INT, unit_price: STRING>>"


def connector_jars(jars: Path) -> list[str]:
    found = sorted(str(p) for p in (jars / "spark-kafka").glob("*.jar") if p.name.startswith(CONNECTOR))
    if len(found) < len(CONNECTOR):
        raise SystemExit(f"stream bench: Spark's Kafka connector is missing under {jars / 'spark-kafka'}; run `souk install`")
    return found


def session(jars: Path) -> Any:
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master("local[2]")
        .appName("souk-bench-stream")
        .config("spark.jars", ",".join(connector_jars(jars)))
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )


def start(spark: Any, bootstrap: str, topic: str) -> Any:
    """The seeds' query: purchases → lines → revenue per (30 s window, category), update mode."""
    from pyspark.sql import functions as f

    raw = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", bootstrap)
        .option("subscribe", topic)
        .option("startingOffsets", "earliest")
        .load()
    )
    orders = raw.select(f.from_json(f.col("value").cast("string"), SCHEMA).alias("p")).select("p.*")
    lines = orders.select(f.timestamp_millis("event_time_ms").alias("t"), f.explode("lines").alias("l"))
    revenue = (
        lines.withWatermark("t", "1 hour")
        .groupBy(f.window("t", "30 seconds"), f.col("l.category").alias("category"))
        .agg(f.sum(f.col("l.unit_price").cast("decimal(18,2)") * f.col("l.quantity")).alias("revenue"))
    )
    return revenue.writeStream.outputMode("update").format("memory").queryName("revenue_30s").trigger(processingTime="0 seconds").start()


class Progress:
    """Every micro-batch with input, as (epoch seconds its result was visible, rows up to it, its seconds).

    Fed by a StreamingQueryListener, which (unlike ``query.recentProgress``) keeps no bounded window.
    """

    def __init__(self, spark: Any) -> None:
        from pyspark.sql.streaming import StreamingQueryListener

        self.batches: list[tuple[float, int, float]] = []
        batches = self.batches

        class Listener(StreamingQueryListener):  # type: ignore[misc]
            def onQueryStarted(self, event: Any) -> None:
                pass

            def onQueryProgress(self, event: Any) -> None:
                progress = event.progress
                rows = int(progress.numInputRows or 0)
                if rows:
                    began = datetime.fromisoformat(progress.timestamp.replace("Z", "+00:00")).timestamp()
                    took = progress.batchDuration / 1000.0
                    batches.append((began + took, (batches[-1][1] if batches else 0) + rows, took))

            def onQueryIdle(self, event: Any) -> None:
                pass

            def onQueryTerminated(self, event: Any) -> None:
                pass

        spark.streams.addListener(Listener())

    def rows(self) -> int:
        return self.batches[-1][1] if self.batches else 0

    def wait(self, query: Any, count: int, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while self.rows() < count:
            if time.monotonic() > deadline or query.exception() is not None:
                raise SystemExit(f"stream bench: Spark saw {self.rows()} of {count} purchases: {query.exception()}")
            time.sleep(0.1)


def measure(
    jars: Path, bootstrap: str, topic: str, backlog: int, refill: Callable[[], int], paced: Callable[[], list[float]], timeout_s: float
) -> tuple[float, float, list[float]]:
    """(purchases/s over a backlog, seconds from start to the first result, latencies in ms of paced purchases).

    The first backlog warms the query up (JVM, planning, code generation: reported as the start-up,
    like the worker's); ``refill()`` then writes the same backlog again and returns its purchases,
    and the rate counts those micro-batches' own time. ``paced()`` sends live traffic at the
    bench's rate and returns the epoch send time of each purchase.
    """
    spark = session(jars)
    try:
        progress = Progress(spark)
        started = time.time()
        query = start(spark, bootstrap, topic)
        progress.wait(query, backlog, timeout_s)
        first_s = progress.batches[0][0] - started

        done = len(progress.batches)
        again = refill()
        progress.wait(query, backlog + again, timeout_s)
        timed = progress.batches[done:]
        rate = again / max(sum(took for _, _, took in timed), 1e-9)

        before = progress.rows()
        sent = paced()
        progress.wait(query, before + len(sent), timeout_s)
        latencies, seen, j = [], list(progress.batches), 0
        for i, t_sent in enumerate(sent, start=before + 1):
            while j < len(seen) and seen[j][1] < i:
                j += 1
            if j == len(seen):
                break
            latencies.append((seen[j][0] - t_sent) * 1000)
        query.stop()
        return rate, first_s, latencies
    finally:
        spark.stop()
