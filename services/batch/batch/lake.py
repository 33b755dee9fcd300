"""The archive as Spark DataFrames: one topic's events of some dates, typed and deduplicated.

The archiver writes `<archive>/<topic>/date=YYYY-MM-DD/hour=HH/*.parquet` (Snappy) with the
contract's fields, money as decimal, `event_time` (timestamp, UTC) beside `event_time_ms`, and the
Kafka coordinates. Reading goes through Spark's partition discovery (basePath = the topic's
directory), so `date` and `hour` come from the directory names; names starting with `_` or `.`
(temp files, `_SUCCESS`) are skipped by Spark. Duplicates (the same `event_id` archived twice after
a redelivery) are dropped here, as the processor drops them by `event_id`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from batch.hdfs import Hdfs
from batch.jobs import named, side_by_side
from batch.settings import BatchSettings

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

TOPICS: Final = ("clicks", "purchases", "inventory")
HOURS: Final = tuple(f"{h:02d}" for h in range(24))
MONEY_TYPE: Final = "decimal(18,2)"

_COMMON_HEAD: Final = "event_id string, event_time timestamp, event_time_ms bigint, schema_version int"
_COMMON_TAIL: Final = "kafka_partition int, kafka_offset bigint"
SCHEMAS: Final = {
    "clicks": f"{_COMMON_HEAD}, session_id string, user_id string, city string, page string, action string, "
    f"product_id string, category string, {_COMMON_TAIL}",
    "purchases": f"{_COMMON_HEAD}, order_id string, session_id string, user_id string, city string, payment_method string, "
    f"lines array<struct<product_id: string, category: string, quantity: bigint, unit_price: {MONEY_TYPE}>>, "
    f"total {MONEY_TYPE}, {_COMMON_TAIL}",
    "inventory": f"{_COMMON_HEAD}, product_id string, category string, delta bigint, reason string, stock_level bigint, {_COMMON_TAIL}",
}
# What the day views read of each topic (besides `date` and `hour`): the rest is never parsed.
VIEW_COLUMNS: Final = {
    "clicks": ("event_id", "session_id", "page", "action", "product_id", "category"),
    "purchases": ("event_id", "event_time", "order_id", "session_id", "user_id", "city", "payment_method", "lines", "total"),
    "inventory": ("event_id", "event_time_ms", "kafka_offset", "product_id", "category", "delta", "reason", "stock_level"),
}


def topic_dir(settings: BatchSettings, topic: str) -> str:
    return f"{settings.archive_dir}/{topic}"


def date_dir(settings: BatchSettings, topic: str, date: str) -> str:
    return f"{topic_dir(settings, topic)}/date={date}"


def empty(spark: SparkSession, topic: str) -> DataFrame:
    """No events of `topic`, with the columns a read would have."""
    return spark.createDataFrame([], f"{SCHEMAS[topic]}, date string, hour int")


def _typed(df: DataFrame, topic: str, only_date: str | None = None) -> DataFrame:
    """The archive's columns cast to the canonical types (older files may carry narrower decimals).
    `only_date`: the one date read, a constant (formatting the partition value costs per row)."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StructType

    schema = StructType.fromDDL(SCHEMAS[topic])
    assert isinstance(schema, StructType)
    columns = [F.col(field.name).cast(field.dataType).alias(field.name) for field in schema.fields]
    date = F.lit(only_date) if only_date else F.date_format("date", "yyyy-MM-dd")
    return df.select(*columns, date.alias("date"), F.col("hour").cast("int").alias("hour"))


def read_topic(
    spark: SparkSession,
    settings: BatchSettings,
    topic: str,
    dates: list[str] | None = None,
    hdfs: Hdfs | None = None,
    columns: tuple[str, ...] | None = None,
    dedupe: bool = True,
) -> DataFrame:
    """Events of `topic` on `dates` (all dates when None), one row per event_id (unless not `dedupe`),
    with `columns` (all when None) and `date`, `hour`. Only the columns asked for are read."""
    hdfs = hdfs or Hdfs(settings)
    base = topic_dir(settings, topic)
    present = [name.removeprefix("date=") for name in hdfs.list(base) if name.startswith("date=")]
    wanted = present if dates is None else [d for d in dates if d in present]
    if not wanted:
        return _columns(empty(spark, topic), columns)
    paths = [settings.uri(f"{base}/date={d}") for d in wanted]
    try:
        raw = spark.read.option("basePath", settings.uri(base)).parquet(*paths)
    except Exception as exc:  # Spark says "unable to infer schema" for directories holding only markers
        if "UNABLE_TO_INFER_SCHEMA" in str(exc) or "Unable to infer schema" in str(exc):
            return _columns(empty(spark, topic), columns)
        raise
    typed = _columns(_typed(raw, topic, wanted[0] if len(wanted) == 1 else None), columns)
    return typed.dropDuplicates(["event_id"]) if dedupe else typed


def _columns(df: DataFrame, columns: tuple[str, ...] | None) -> DataFrame:
    return df if columns is None else df.select(*columns, "date", "hour")


@dataclass
class Day:
    """The events of one or more dates, as the views need them, deduplicated by event_id.

    The event frames read Parquet (only the columns a view selects); `orders`, `buyers`, `line_cube` and
    `session_hours` are small cached aggregates that most views read instead of the events."""

    clicks: DataFrame
    # one row per purchase: its fields without the `lines` array, plus `line_count` and `units` (Σ quantity)
    purchases: DataFrame
    inventory: DataFrame
    # one row per purchase line, with the order's fields, `amount` and two flags that count an order once per
    # key without a distinct count: `new_category` (no earlier line of the order has its category) and
    # `new_product` (no earlier line has its product and category). An order is one purchase event.
    lines: DataFrame
    # per (date, hour, city, payment_method): orders, units, revenue (decimal(28,2), exact)
    orders: DataFrame
    # per date: buying_sessions (distinct sessions with a purchase)
    buyers: DataFrame
    # per (date, hour, city, payment_method, product_id, category): category_orders and product_orders (orders
    # with a line of it, by the lines' flags), units, revenue
    line_cube: DataFrame
    # one row per (date, hour, session_id) with clicks: `clicks` (how many) and `pages` (bit i set: a click on
    # PAGES[i]); a session's pages and hours in ~1/8 of the rows, for the views that count distinct sessions
    session_hours: DataFrame
    cached: tuple[DataFrame, ...] = ()  # what to release when done

    def dates(self) -> DataFrame:
        """The dates that have any event (one `date` column), from the aggregates and the inventory."""
        days = self.session_hours.select("date").union(self.orders.select("date"))
        return days.union(self.inventory.select("date")).distinct()

    def unpersist(self) -> None:
        for df in self.cached:
            df.unpersist()


def _page_bits() -> Column:
    from pyspark.sql import functions as F

    from souk.contract import PAGES

    bit = F.lit(0)
    for i, page in enumerate(PAGES):
        bit = F.when(F.col("page") == page, F.lit(1 << i)).otherwise(bit)
    return bit


def session_hours(clicks: DataFrame) -> DataFrame:
    """Day.session_hours of clicks that may hold copies, counting each event_id once, with `copies` (rows beyond
    the distinct event_ids: > 0 in a group that holds a copy). A copy is the same event archived twice, so
    it is in its original's (date, hour, session_id) group: one shuffle finds copies and builds the aggregate."""
    from pyspark.sql import functions as F

    distinct = F.size(F.collect_set(F.xxhash64("event_id")))
    return (
        clicks.groupBy("date", "hour", "session_id")
        .agg(F.count("*").alias("rows"), distinct.alias("clicks"), F.bit_or(_page_bits()).alias("pages"))
        .select("date", "hour", "session_id", "clicks", "pages", (F.col("rows") - F.col("clicks")).alias("copies"))
    )


def flat_purchases(purchases: DataFrame) -> DataFrame:
    """The purchases with `line_count` and `units` in place of the `lines` array."""
    from pyspark.sql import functions as F

    units = F.aggregate("lines", F.lit(0).cast("bigint"), lambda acc, line: acc + line["quantity"])
    return purchases.select(
        *[c for c in purchases.columns if c != "lines"], F.size("lines").cast("int").alias("line_count"), units.alias("units")
    )


def explode_lines(purchases: DataFrame) -> DataFrame:
    """One row per line of `purchases` (see Day.lines)."""
    from pyspark.sql import functions as F

    before = "slice(lines, 1, pos)"  # the order's earlier lines (pos is 0-based)
    return purchases.select(
        "date", "hour", "order_id", "session_id", "city", "payment_method", "lines", F.posexplode("lines").alias("pos", "line")
    ).select(
        "date",
        "hour",
        "order_id",
        "session_id",
        "city",
        "payment_method",
        F.col("line.product_id").alias("product_id"),
        F.col("line.category").alias("category"),
        F.col("line.quantity").alias("quantity"),
        F.col("line.unit_price").alias("unit_price"),
        (F.col("line.unit_price") * F.col("line.quantity")).cast(MONEY_TYPE).alias("amount"),
        F.expr(f"not exists({before}, l -> l.category <=> line.category)").alias("new_category"),
        F.expr(f"not exists({before}, l -> l.product_id <=> line.product_id and l.category <=> line.category)").alias("new_product"),
    )


def load_days(spark: SparkSession, settings: BatchSettings, dates: list[str], hdfs: Hdfs | None = None, max_suspects: int = 10_000) -> Day:
    """The three topics on `dates`, deduplicated, with the cached aggregates the day views read (see Day).

    The events are not cached (building a cache of them cost more than the scans it saved): a view reads
    the Parquet columns it uses, and most read the small aggregates instead.

    Duplicates: for purchases and inventory one job hashes every event_id (grouping by one long is Spark's
    fastest aggregation) and only the rows whose hash repeats are deduplicated exactly. The clicks' check
    rides on the session_hours aggregate, which counts distinct event_ids per session and hour.
    """
    from pyspark.sql import functions as F

    hdfs = hdfs or Hdfs(settings)
    raw = {topic: read_topic(spark, settings, topic, dates, hdfs, columns=VIEW_COLUMNS[topic], dedupe=False) for topic in TOPICS}
    cached: list[DataFrame] = []

    def keep(df: DataFrame) -> DataFrame:
        cached.append(df.cache())
        return cached[-1]

    def unique(topic: str, by: Column, suspects: list[Any]) -> DataFrame:
        if not suspects:
            return raw[topic]
        # deduplicate over a cache: jobs over a union of two uncached Parquet scans (below) waited forever with
        # pyspark 4.3.0 (adaptive execution, local[2]); more suspects than max_suspects: a plain dropDuplicates;
        # isin() is null for every row when the list holds a null
        exact = len(suspects) > max_suspects or None in suspects
        return _without_repeats(keep(raw[topic]), by, suspects, ["event_id"], exact=exact)

    def repeated_ids(topic: str) -> list[Any]:
        repeated = raw[topic].groupBy(_id_hash(topic).alias("id_hash")).count().where(F.col("count") > 1)
        return [row["id_hash"] for row in repeated.select("id_hash").limit(max_suspects + 1).collect()]

    checked = keep(session_hours(raw["clicks"]))

    def copied_sessions() -> list[Any]:
        copied = checked.where(F.col("copies") > 0).select("session_id").distinct().limit(max_suspects + 1).collect()
        return [r["session_id"] for r in copied]

    # Independent jobs: side by side, one's tasks use the core another's last tasks leave idle
    checks = [
        named(spark, "load: purchases duplicate check", lambda: repeated_ids("purchases")),
        named(spark, "load: inventory duplicate check", lambda: repeated_ids("inventory")),
        named(spark, "load: clicks session_hours and duplicate check", copied_sessions),
    ]
    purchase_ids, inventory_ids, click_sessions = side_by_side(settings.view_jobs, checks, "load")
    events = {"purchases": unique("purchases", _id_hash("purchases"), purchase_ids)}
    events["inventory"] = unique("inventory", _id_hash("inventory"), inventory_ids)
    clicks = unique("clicks", F.col("session_id"), click_sessions)

    purchases, lines = flat_purchases(events["purchases"]), explode_lines(events["purchases"])
    orders = keep(
        purchases.groupBy("date", "hour", "city", "payment_method").agg(
            F.count("*").alias("orders"), F.sum("units").alias("units"), F.sum("total").alias("revenue")
        )
    )
    line_cube = keep(
        lines.groupBy("date", "hour", "city", "payment_method", "product_id", "category").agg(
            F.count_if("new_category").alias("category_orders"),
            F.count_if("new_product").alias("product_orders"),
            F.sum("quantity").alias("units"),
            F.sum("amount").alias("revenue"),
        )
    )
    buyers = keep(purchases.groupBy("date").agg(F.countDistinct("session_id").alias("buying_sessions")))
    # built here, not by the views running side by side
    aggregates = {"orders": orders, "line_cube": line_cube, "buyers": buyers}
    side_by_side(settings.view_jobs, [named(spark, f"load: {label}", df.count) for label, df in aggregates.items()], "load")
    return Day(clicks, purchases, events["inventory"], lines, orders, buyers, line_cube, checked.drop("copies"), tuple(cached))


def _id_hash(topic: str) -> Column:
    """A 64-bit hash of (topic, event_id)."""
    from pyspark.sql import functions as F

    return F.xxhash64(F.lit(TOPICS.index(topic)), F.col("event_id"))


def _without_repeats(df: DataFrame, by: Column, suspects: list[Any], key: list[str], exact: bool = False) -> DataFrame:
    """`df` with one row per `key`, given the values of `by` of the rows that may repeat: those rows are
    deduplicated exactly (the others are unique already), or all rows when `exact`."""
    if not suspects:
        return df
    if exact:
        return df.dropDuplicates(key)
    suspect = by.isin(suspects)
    return df.where(~suspect).unionByName(df.where(suspect).dropDuplicates(key))
