"""`souk reconcile`: do the ledger, Kafka, the processor, the archive and the views tell the same truth?

Each layer yields figures named `<metric>/<dimension>/<value>`: `events/topic/clicks`,
`orders/total/-`, `revenue/category/Fashion`, `orders/city/Rabat`, `revenue/payment/Credit Card`,
`revenue/hour/2026-03-14T20`, … (orders count once in every category they have a line in;
revenue is exact, to the cent). A layer covers some dimensions only (the processor has no hours);
figures are compared on the dimensions both sides cover, a missing figure counting as zero.

The reference is the first available layer in LAYERS order. A layer that cannot be read is
reported "unavailable" and fails the run only when named in `--require`; a layer that disagrees
always fails it (exit 1).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from batch.errors import Unavailable
from batch.hdfs import Hdfs
from batch.lake import TOPICS, read_topic, topic_dir
from batch.settings import BatchSettings
from batch.table import render
from souk.logs import get_logger

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = get_logger()

LAYERS: Final = ("ledger", "kafka", "processor", "archive", "views")
ALL_DIMENSIONS: Final = frozenset({"topic", "total", "category", "city", "payment", "hour"})
Figures = dict[str, int | Decimal]


@dataclass
class Layer:
    """One layer's figures, or why it has none."""

    name: str
    figures: Figures = field(default_factory=dict)
    dimensions: frozenset[str] = ALL_DIMENSIONS
    unavailable: str | None = None


def key(metric: str, dimension: str, value: str = "-") -> str:
    return f"{metric}/{dimension}/{value}"


def _hour_key(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms // 1000, tz=dt.UTC).strftime("%Y-%m-%dT%H")


class Tally:
    """Figures from events, one at a time (the Kafka layer's computation)."""

    def __init__(self) -> None:
        self.figures: dict[str, Any] = defaultdict(int)

    def add(self, topic: str, event: Any) -> None:
        f = self.figures
        f[key("events", "topic", topic)] += 1
        if topic != "purchases":
            return
        hour = _hour_key(event.event_time_ms)
        for metric, amount in (("orders", 1), ("revenue", event.total)):
            f[key(metric, "total")] += amount
            f[key(metric, "city", event.city)] += amount
            f[key(metric, "payment", event.payment_method)] += amount
            f[key(metric, "hour", hour)] += amount
        for category in {line.category for line in event.lines}:
            f[key("orders", "category", category)] += 1
        for line in event.lines:
            f[key("revenue", "category", line.category)] += line.amount


def ledger_layer(path: str | None, dates: list[str] | None) -> tuple[Layer, list[str]]:
    """The producer's ledger (souk-ledger/1); also the dates it covers (the default scope)."""
    if not path:
        return Layer("ledger", unavailable="no --ledger given"), []
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return Layer("ledger", unavailable=f"cannot read {path}: {exc}"), []
    if data.get("format") != "souk-ledger/1":
        return Layer("ledger", unavailable=f"{path} is not a souk-ledger/1 file"), []
    hours = data.get("by_hour", {})
    covered = sorted({h[:10] for h in hours})
    f: Figures = {}
    for hour, row in hours.items():
        if dates is None or hour[:10] in dates:
            f[key("orders", "hour", hour)] = int(row["purchases"])
            f[key("revenue", "hour", hour)] = Decimal(row["revenue"])
    whole_run = dates is None or set(covered) <= set(dates)
    if not whole_run:
        # the other figures are for the whole run: comparable only when the run lies inside the scope
        return Layer("ledger", f, frozenset({"hour"})), covered
    for topic, row in data["topics"].items():
        f[key("events", "topic", topic)] = int(row["count"])
    f[key("orders", "total")] = int(data["orders"]["count"])
    f[key("revenue", "total")] = Decimal(data["orders"]["revenue"])
    for dimension, table in (("category", "by_category"), ("city", "by_city"), ("payment", "by_payment_method")):
        for name, row in data[table].items():
            f[key("orders", dimension, name)] = int(row["orders"])
            f[key("revenue", dimension, name)] = Decimal(row["revenue"])
    return Layer("ledger", f), covered


def kafka_layer(settings: BatchSettings, dates: list[str] | None, timeout_s: float = 10.0) -> Layer:
    """Every event on the three source topics (from the earliest retained offset), deduplicated by event_id."""
    from kafka import KafkaConsumer, TopicPartition
    from kafka.errors import KafkaError

    from souk.contract import ContractError, decode

    prefix = settings.stack.topic_prefix
    try:
        consumer = KafkaConsumer(
            bootstrap_servers=settings.stack.kafka_bootstrap,
            enable_auto_commit=False,
            group_id=None,
            consumer_timeout_ms=int(timeout_s * 1000),
            request_timeout_ms=int(timeout_s * 1000) + 1000,
            max_poll_records=5000,
        )
    except KafkaError as exc:
        return Layer("kafka", unavailable=f"Kafka at {settings.stack.kafka_bootstrap}: {type(exc).__name__}")
    tally, seen = Tally(), set()
    try:
        for topic in TOPICS:
            parts = consumer.partitions_for_topic(prefix + topic)
            if not parts:
                return Layer("kafka", unavailable=f"no topic {prefix + topic}")
            tps = [TopicPartition(prefix + topic, p) for p in sorted(parts)]
            consumer.assign(tps)
            consumer.seek_to_beginning(*tps)
            ends = consumer.end_offsets(tps)
            remaining = {tp for tp in tps if ends[tp] > consumer.position(tp)}
            while remaining:
                batch = consumer.poll(timeout_ms=int(timeout_s * 1000))
                if not batch:
                    return Layer("kafka", unavailable=f"{prefix + topic}: no progress for {timeout_s:.0f} s")
                for tp, records in batch.items():
                    for record in records:
                        try:
                            event: Any = decode(topic, record.value)
                        except ContractError:
                            continue  # malformed: the DLQ's business, in no layer's figures
                        if event.event_id in seen or (dates is not None and _hour_key(event.event_time_ms)[:10] not in dates):
                            continue
                        seen.add(event.event_id)
                        tally.add(topic, event)
                    if consumer.position(tp) >= ends[tp]:
                        remaining.discard(tp)
    except KafkaError as exc:
        return Layer("kafka", unavailable=f"Kafka at {settings.stack.kafka_bootstrap}: {type(exc).__name__}")
    finally:
        consumer.close()
    return Layer("kafka", dict(tally.figures))


def processor_layer(settings: BatchSettings, timeout_s: float = 5.0) -> Layer:
    """The processor's /totals (since it started: compare it on a stack that only saw this traffic)."""
    import requests

    url = f"{settings.processor_url}/totals"
    try:
        response = requests.get(url, timeout=timeout_s)
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as exc:
        return Layer("processor", unavailable=f"{url}: {type(exc).__name__}")
    f: Figures = {key("orders", "total"): int(data["orders"]), key("revenue", "total"): Decimal(data["revenue"])}
    for dimension, table in (("category", "by_category"), ("city", "by_city"), ("payment", "by_payment_method")):
        for name, row in data.get(table, {}).items():
            f[key("orders", dimension, name)] = int(row["orders"])
            f[key("revenue", dimension, name)] = Decimal(row["revenue"])
    for topic, row in data.get("events", {}).items():
        f[key("events", "topic", topic)] = int(row["accepted"])
    return Layer("processor", f, frozenset({"topic", "total", "category", "city", "payment"}))


def _collect(figures: Figures, rows: Iterable[Any], metric_columns: dict[str, str], dimension: str, column: str | None) -> None:
    for row in rows:
        value = "-" if column is None else str(row[column])
        for metric, col in metric_columns.items():
            amount = row[col]
            figures[key(metric, dimension, value)] = amount if isinstance(amount, Decimal) else int(amount or 0)


def archive_layer(spark: SparkSession, settings: BatchSettings, dates: list[str] | None) -> Layer:
    """The Parquet archive, read raw (deduplicated by event_id) and summed by Spark."""
    from pyspark.sql import functions as F

    from batch.lake import explode_lines

    hdfs = Hdfs(settings)
    if not any(hdfs.exists(topic_dir(settings, t)) for t in TOPICS):
        return Layer("archive", unavailable=f"no archive under {settings.archive_dir}")
    frames = {t: read_topic(spark, settings, t, dates, hdfs) for t in TOPICS}
    f: Figures = {}
    for topic, df in frames.items():
        f[key("events", "topic", topic)] = df.count()
    p = frames["purchases"].withColumn("hour_key", F.concat_ws("T", "date", F.lpad(F.col("hour").cast("string"), 2, "0"))).cache()
    sums = [F.count("*").alias("orders"), F.sum("total").alias("revenue")]
    metrics = {"orders": "orders", "revenue": "revenue"}
    _collect(f, [r for r in p.agg(*sums).collect() if r["orders"]], metrics, "total", None)
    _collect(f, p.groupBy("city").agg(*sums).collect(), metrics, "city", "city")
    _collect(f, p.groupBy("payment_method").agg(*sums).collect(), metrics, "payment", "payment_method")
    _collect(f, p.groupBy("hour_key").agg(*sums).collect(), metrics, "hour", "hour_key")
    lines = explode_lines(p).groupBy("category").agg(F.countDistinct("order_id").alias("orders"), F.sum("amount").alias("revenue"))
    _collect(f, lines.collect(), metrics, "category", "category")
    p.unpersist()
    return Layer("archive", f)


def views_layer(spark: SparkSession, settings: BatchSettings, dates: list[str] | None) -> Layer:
    """The warehouse views the daily job wrote."""
    from pyspark.sql import functions as F

    from batch.warehouse import read_view

    daily = read_view(spark, settings, "revenue_daily", dates)
    if daily is None:
        return Layer("views", unavailable=f"no views under {settings.warehouse_dir} for these dates")
    f: Figures = {}
    metrics = {"orders": "orders", "revenue": "revenue"}
    _collect(
        f,
        [r for r in daily.agg(F.sum("orders").alias("orders"), F.sum("revenue").alias("revenue")).collect() if r["orders"]],
        metrics,
        "total",
        None,
    )
    for view, dimension, column in (
        ("revenue_by_category", "category", "category"),
        ("revenue_by_city", "city", "city"),
        ("revenue_by_payment", "payment", "payment_method"),
    ):
        df = read_view(spark, settings, view, dates)
        if df is not None:
            _collect(
                f,
                df.groupBy(column).agg(F.sum("orders").alias("orders"), F.sum("revenue").alias("revenue")).collect(),
                metrics,
                dimension,
                column,
            )
    hourly = read_view(spark, settings, "hourly_profile", dates)
    if hourly is not None:
        rows = hourly.select(
            F.concat_ws("T", "date", F.lpad(F.col("hour").cast("string"), 2, "0")).alias("h"), "orders", "revenue", "clicks"
        )
        for r in rows.collect():
            if r["orders"]:
                f[key("orders", "hour", r["h"])] = int(r["orders"])
                f[key("revenue", "hour", r["h"])] = r["revenue"]
        clicks, orders = hourly.agg(F.sum("clicks"), F.sum("orders")).collect()[0]
        f[key("events", "topic", "clicks")] = int(clicks or 0)
        f[key("events", "topic", "purchases")] = int(orders or 0)
    stock = read_view(spark, settings, "stock_history", dates)
    f[key("events", "topic", "inventory")] = 0 if stock is None else int(stock.agg(F.sum("moves")).collect()[0][0] or 0)
    return Layer("views", f)


@dataclass
class Verdict:
    reference: str | None
    differing: dict[str, list[str]]  # layer → figure keys that differ from the reference
    compared: dict[str, int]
    rows: list[tuple[Any, ...]]
    header: tuple[str, ...]


def compare(layers: list[Layer], verbose: bool = False) -> Verdict:
    """Each available layer against the first available one, on the dimensions both cover."""
    available = [layer for layer in layers if layer.unavailable is None]
    header = ("FIGURE", *(layer.name for layer in available), "")
    if not available:
        return Verdict(None, {}, {}, [], header)
    ref = available[0]
    differing: dict[str, list[str]] = {}
    compared: dict[str, int] = {}
    bad_keys: set[str] = set()
    for layer in available[1:]:
        shared = ref.dimensions & layer.dimensions
        keys = {k for k in (*ref.figures, *layer.figures) if k.split("/")[1] in shared}
        compared[layer.name] = len(keys)
        differing[layer.name] = sorted(k for k in keys if ref.figures.get(k, 0) != layer.figures.get(k, 0))
        bad_keys.update(differing[layer.name])
    all_keys = sorted({k for layer in available for k in layer.figures}, key=_order)
    rows = []
    for k in all_keys:
        if not verbose and k not in bad_keys:
            continue
        cells = [k]
        for layer in available:
            covered = k.split("/")[1] in layer.dimensions
            cells.append(_shown(layer.figures.get(k, 0)) if covered else "n/a")
        cells.append("DIFF" if k in bad_keys else "")
        rows.append(tuple(cells))
    return Verdict(ref.name, differing, compared, rows, header)


def _shown(value: int | Decimal) -> str:
    return f"{value:.2f}" if isinstance(value, Decimal) else str(value)


def _order(k: str) -> tuple[int, str]:
    dims = ["topic", "total", "category", "city", "payment", "hour"]
    return (dims.index(k.split("/")[1]), k)


def main(
    settings: BatchSettings,
    *,
    ledger: str | None,
    dates: list[str] | None,
    required: set[str],
    skipped: set[str],
    verbose: bool,
    out: Callable[[str], None],
    spark: SparkSession | None = None,
) -> int:
    """Read every layer not skipped, print the differences and a verdict per layer; the exit code."""
    ledger_result, ledger_dates = ledger_layer(ledger, dates) if "ledger" not in skipped else (Layer("ledger", unavailable="skipped"), [])
    scope = dates if dates is not None else (ledger_dates or None)
    layers = [ledger_result]
    if "kafka" not in skipped:
        layers.append(kafka_layer(settings, scope))
    if "processor" not in skipped:
        layers.append(processor_layer(settings))
    if {"archive", "views"} - skipped:
        if spark is None:
            from batch.session import build_session

            spark = build_session(settings, "souk-reconcile")
        for name, build in (("archive", archive_layer), ("views", views_layer)):
            if name in skipped:
                continue
            try:
                layers.append(build(spark, settings, scope))
            except Unavailable as exc:
                layers.append(Layer(name, unavailable=str(exc)))
    for name in LAYERS:
        if name in skipped and name != "ledger":
            layers.append(Layer(name, unavailable="skipped"))
    layers.sort(key=lambda layer: LAYERS.index(layer.name))
    verdict = compare(layers, verbose)
    scope_text = ", ".join(scope) if scope else "every date"
    out(f"reconcile over {scope_text}; reference: {verdict.reference or 'none'}\n")
    if verdict.rows:
        out(render(verdict.header, verdict.rows))
    failed = False
    summary = []
    for layer in layers:
        if layer.unavailable is not None:
            must = layer.name in required
            failed |= must
            summary.append((layer.name, "UNAVAILABLE (required)" if must else "unavailable", layer.unavailable))
        elif layer.name == verdict.reference:
            summary.append((layer.name, "reference", f"{len(layer.figures)} figures"))
        else:
            bad = verdict.differing.get(layer.name, [])
            failed |= bool(bad)
            detail = f"{verdict.compared[layer.name]} figures compared" + (f", {len(bad)} differ" if bad else "")
            summary.append((layer.name, "DIFFERS" if bad else "agrees", detail))
    out(render(("LAYER", "STATE", "DETAIL"), summary))
    if sum(1 for layer in layers if layer.unavailable is None) < 2:
        out("fewer than two layers available: nothing was compared\n")
    return 1 if failed else 0
