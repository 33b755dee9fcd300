"""Contract events for a day, written the way the archiver writes them: for tests and the bench.

`day_events` makes shopping sessions (clicks → cart → checkout → purchase, stock moving with every
sale) from a seed; `write_archive` lays them out as the archiver does (`date=/hour=` directories,
one Snappy Parquet file per topic, hour and Kafka partition named `<topic>+<p>+<first>+<last>`,
`_SUCCESS` per closed hour), so the batch layer can be tested before, and independently of, the
archiver. The Parquet schema mirrors the archiver's (no service imports another).
"""

from __future__ import annotations

import datetime as dt
import random
import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from batch.hdfs import Hdfs
from souk.contract import CATEGORIES, CITIES, PAYMENT_METHODS, Click, InventoryMove, Purchase, PurchaseLine

HOUR_MS: Final = 3_600_000
PARTITIONS: Final = 6
# Traffic weight per hour of day: quiet nights, an evening peak at 20h.
HOUR_WEIGHTS: Final = (1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 7, 6, 5, 5, 6, 7, 9, 11, 14, 12, 8, 4)
CATEGORY_CODES: Final = {"Electronics": "EL", "Fashion": "FA", "Home & Garden": "HG", "Sports": "SP", "Beauty": "BE"}
PRICE_RANGES: Final = {
    "Electronics": (150, 4000),
    "Fashion": (60, 900),
    "Home & Garden": (40, 1500),
    "Sports": (50, 1200),
    "Beauty": (30, 400),
}


@dataclass
class Events:
    """Events of the three source topics."""

    clicks: list[Click] = field(default_factory=list)
    purchases: list[Purchase] = field(default_factory=list)
    inventory: list[InventoryMove] = field(default_factory=list)

    def by_topic(self) -> dict[str, Sequence[Any]]:
        return {"clicks": self.clicks, "purchases": self.purchases, "inventory": self.inventory}


def catalogue(rng: random.Random, per_category: int) -> list[tuple[str, str, Decimal]]:
    products = []
    for category in CATEGORIES:
        low, high = PRICE_RANGES[category]
        for i in range(1, per_category + 1):
            price = Decimal(rng.randint(low * 100, high * 100)).scaleb(-2)
            products.append((f"{CATEGORY_CODES[category]}-{i:04d}", category, price))
    return products


def day_events(date: str, sessions: int, seed: int = 1, products_per_category: int = 8) -> Events:
    """About 8 clicks per session, a purchase in one session out of four, a sale move per line."""
    rng = random.Random(seed)  # noqa: S311 (reproducible test data, not secrets)
    uid = random.Random(seed + 1)  # noqa: S311
    day_ms = int(dt.datetime.strptime(date, "%Y-%m-%d").replace(tzinfo=dt.UTC).timestamp() * 1000)
    products = catalogue(rng, products_per_category)
    stock = {p[0]: rng.randint(50, 200) for p in products}
    out = Events()

    def event_id() -> str:
        return "%08x-%04x-4%03x-8%03x-%012x" % (  # noqa: UP031
            uid.getrandbits(32),
            uid.getrandbits(16),
            uid.getrandbits(12),
            uid.getrandbits(12),
            uid.getrandbits(48),
        )

    for n in range(sessions):
        session_id, user_id, city = f"s-{seed}-{n}", f"u-{rng.randint(1, sessions // 2 + 1)}", rng.choice(CITIES)
        hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
        t = day_ms + hour * HOUR_MS + rng.randint(0, HOUR_MS - 600_000)

        def click(page: str, action: str = "view", product: tuple[str, str, Decimal] | None = None, category: str | None = None) -> None:
            nonlocal t
            t += rng.randint(1_000, 30_000)
            out.clicks.append(
                Click(
                    event_id=event_id(),
                    event_time_ms=t,
                    session_id=session_id,  # noqa: B023 (called within the iteration that defines it)
                    user_id=user_id,  # noqa: B023
                    city=city,  # noqa: B023
                    page=page,
                    action=action,
                    product_id=product[0] if product else None,
                    category=product[1] if product else category,
                )
            )

        if rng.random() < 0.8:
            click("home")
        category = rng.choice(CATEGORIES)
        if rng.random() < 0.85:
            click("category", category=category)
        in_category = [p for p in products if p[1] == category]
        viewed = rng.sample(in_category, rng.randint(1, 3)) if rng.random() < 0.9 else []
        for product in viewed:
            click("product", product=product)
        carted = [p for p in viewed if rng.random() < 0.5]
        for product in carted:
            click("product", "add_to_cart", product)
        if carted and rng.random() < 0.15:
            click("cart", "remove_from_cart", carted.pop())
        if not carted:
            continue
        click("cart")
        if rng.random() < 0.8:
            continue
        click("checkout")
        lines = tuple(PurchaseLine(product_id=p[0], category=p[1], quantity=rng.randint(1, 3), unit_price=p[2]) for p in carted)
        t += rng.randint(1_000, 20_000)
        purchase_time = t
        out.purchases.append(
            Purchase(
                event_id=event_id(),
                event_time_ms=purchase_time,
                order_id=f"o-{seed}-{n}",
                session_id=session_id,
                user_id=user_id,
                city=city,
                payment_method=rng.choice(PAYMENT_METHODS),
                lines=lines,
                total=sum((line.unit_price * line.quantity for line in lines), Decimal("0.00")),
            )
        )
        for line in lines:
            stock[line.product_id] -= line.quantity
            if stock[line.product_id] < 5:
                stock[line.product_id] += 100
                out.inventory.append(
                    _move(event_id(), purchase_time, line.product_id, line.category, 100, "restock", stock[line.product_id])
                )
            level = stock[line.product_id]
            out.inventory.append(_move(event_id(), purchase_time + 1, line.product_id, line.category, -line.quantity, "sale", level))
    for events in (out.clicks, out.purchases, out.inventory):
        events.sort(key=lambda e: e.event_time_ms)
    return out


def days_events(dates: Sequence[str], sessions: int, first_seed: int = 1) -> Events:
    """``day_events`` of each date (seeds ``first_seed``, ``first_seed + 1``, …), in one Events."""
    events = Events()
    for seed, date in enumerate(dates, start=first_seed):
        more = day_events(date, sessions=sessions, seed=seed)
        events.clicks += more.clicks
        events.purchases += more.purchases
        events.inventory += more.inventory
    return events


def _move(event_id: str, time_ms: int, product_id: str, category: str, delta: int, reason: str, level: int) -> InventoryMove:
    return InventoryMove(
        event_id=event_id, event_time_ms=time_ms, product_id=product_id, category=category, delta=delta, reason=reason, stock_level=level
    )


def kafka_partition(key: str, partitions: int = PARTITIONS) -> int:
    """A stable stand-in for Kafka's partitioner: what matters is that one key stays on one partition."""
    return zlib.crc32(key.encode("utf-8")) % partitions


def _schemas() -> dict[str, Any]:
    import pyarrow as pa

    money = pa.decimal128(18, 2)
    head = [
        pa.field("event_id", pa.string(), nullable=False),
        pa.field("event_time", pa.timestamp("ms", tz="UTC"), nullable=False),
        pa.field("event_time_ms", pa.int64(), nullable=False),
        pa.field("schema_version", pa.int32(), nullable=False),
    ]
    tail = [pa.field("kafka_partition", pa.int32(), nullable=False), pa.field("kafka_offset", pa.int64(), nullable=False)]
    line = pa.struct([("product_id", pa.string()), ("category", pa.string()), ("quantity", pa.int64()), ("unit_price", money)])
    s = pa.string()
    return {
        "clicks": pa.schema(
            [*head, *[pa.field(n, s) for n in ("session_id", "user_id", "city", "page", "action", "product_id", "category")], *tail]
        ),
        "purchases": pa.schema(
            [
                *head,
                *[pa.field(n, s) for n in ("order_id", "session_id", "user_id", "city", "payment_method")],
                pa.field("lines", pa.list_(line)),
                pa.field("total", money),
                *tail,
            ]
        ),
        "inventory": pa.schema(
            [
                *head,
                pa.field("product_id", s),
                pa.field("category", s),
                pa.field("delta", pa.int64()),
                pa.field("reason", s),
                pa.field("stock_level", pa.int64()),
                *tail,
            ]
        ),
    }


def _row(topic: str, event: Any, partition: int, offset: int) -> dict[str, Any]:
    row: dict[str, Any] = {
        "event_id": event.event_id,
        "event_time": event.event_time_ms,
        "event_time_ms": event.event_time_ms,
        "schema_version": event.schema_version,
        "kafka_partition": partition,
        "kafka_offset": offset,
    }
    if topic == "clicks":
        for name in ("session_id", "user_id", "city", "page", "action", "product_id", "category"):
            row[name] = getattr(event, name)
    elif topic == "purchases":
        for name in ("order_id", "session_id", "user_id", "city", "payment_method", "total"):
            row[name] = getattr(event, name)
        row["lines"] = [
            {"product_id": li.product_id, "category": li.category, "quantity": li.quantity, "unit_price": li.unit_price}
            for li in event.lines
        ]
    else:
        for name in ("product_id", "category", "delta", "reason", "stock_level"):
            row[name] = getattr(event, name)
    return row


def hour_dir(base: str, topic: str, time_ms: int) -> str:
    moment = dt.datetime.fromtimestamp(time_ms // 1000, tz=dt.UTC)
    return f"{base}/{topic}/date={moment:%Y-%m-%d}/hour={moment:%H}"


def write_archive(
    hdfs: Hdfs,
    base: str,
    events: Events,
    dates: Iterable[str] = (),
    success: bool = True,
    partitions: int = PARTITIONS,
) -> list[str]:
    """Write `events` under `base` as the archiver would; `_SUCCESS` in all 24 hours of `dates` (and of
    every hour written) when `success`. Returns the Parquet paths written.

    Every file costs ~0.5 s in HDFS on a busy machine (the close waits on the DataNode), so tests
    pass fewer `partitions` than the topics' 6 to keep the number of files down."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schemas = _schemas()
    offsets: dict[tuple[str, int], int] = {}
    groups: dict[tuple[str, str, int], list[dict[str, Any]]] = defaultdict(list)
    for topic, items in events.by_topic().items():
        for event in items:
            partition = kafka_partition(event.key(), partitions)
            offset = offsets.get((topic, partition), 0)
            offsets[(topic, partition)] = offset + 1
            groups[(topic, hour_dir(base, topic, event.event_time_ms), partition)].append(_row(topic, event, partition, offset))
    files: dict[str, bytes] = {}
    for (topic, directory, partition), rows in sorted(groups.items()):
        table = pa.Table.from_pylist(rows, schema=schemas[topic])
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink, compression="snappy")
        first, last = rows[0]["kafka_offset"], rows[-1]["kafka_offset"]
        files[f"{directory}/{topic}+{partition}+{first:020d}+{last:020d}.parquet"] = sink.getvalue().to_pybytes()
    _write_all(hdfs, files)
    if success:
        hours = {(topic, d) for (topic, d, _p) in groups}
        for date in dates:
            for topic in events.by_topic():
                hours.update((topic, f"{base}/{topic}/date={date}/hour={h:02d}") for h in range(24))
        _write_all(hdfs, {f"{directory}/_SUCCESS": b"" for _topic, directory in sorted(hours)})
    return sorted(files)


def _write_all(hdfs: Hdfs, files: dict[str, bytes], threads: int = 8) -> None:
    """Many small WebHDFS writes at once: each is two round trips, mostly waiting."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda item: hdfs.write(*item), files.items()))


def ledger(events: Events) -> dict[str, Any]:
    """The producer's ledger (format souk-ledger/1) of `events`: the parts reconcile reads."""
    from souk.contract import format_money

    zero = Decimal("0.00")
    by_category: dict[str, dict[str, Any]] = {c: {"orders": 0, "units": 0, "revenue": zero, "product_views": 0} for c in CATEGORIES}
    by_city: dict[str, dict[str, Any]] = {c: {"clicks": 0, "orders": 0, "revenue": zero} for c in CITIES}
    by_payment: dict[str, dict[str, Any]] = {p: {"orders": 0, "revenue": zero} for p in PAYMENT_METHODS}
    by_hour: dict[str, dict[str, Any]] = {}
    funnel: dict[str, set[str]] = defaultdict(set)
    orders: dict[str, Any] = {"count": 0, "revenue": zero, "lines": 0, "units": 0}

    def hour(ms: int) -> dict[str, Any]:
        key = dt.datetime.fromtimestamp(ms // 1000, tz=dt.UTC).strftime("%Y-%m-%dT%H")
        return by_hour.setdefault(key, {"clicks": 0, "purchases": 0, "inventory": 0, "revenue": zero})

    for c in events.clicks:
        hour(c.event_time_ms)["clicks"] += 1
        by_city[c.city]["clicks"] += 1
        funnel[c.page].add(c.session_id)
        if c.category and c.page == "product" and c.action == "view":
            by_category[c.category]["product_views"] += 1
    for p in events.purchases:
        h = hour(p.event_time_ms)
        h["purchases"] += 1
        h["revenue"] += p.total
        orders["count"] += 1
        orders["revenue"] += p.total
        orders["lines"] += len(p.lines)
        for table, key in ((by_city, p.city), (by_payment, p.payment_method)):
            table[key]["orders"] += 1
            table[key]["revenue"] += p.total
        funnel["purchase"].add(p.session_id)
        for line in p.lines:
            orders["units"] += line.quantity
            by_category[line.category]["units"] += line.quantity
            by_category[line.category]["revenue"] += line.amount
        for category in {line.category for line in p.lines}:
            by_category[category]["orders"] += 1
    for m in events.inventory:
        hour(m.event_time_ms)["inventory"] += 1

    def money(rows: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        return {k: {f: format_money(v) if isinstance(v, Decimal) else v for f, v in row.items()} for k, row in rows.items()}

    return {
        "format": "souk-ledger/1",
        "run": {"complete": True, "clock": "synthetic"},
        "topics": {topic: {"count": len(items)} for topic, items in events.by_topic().items()},
        "orders": {**orders, "revenue": format_money(orders["revenue"])},
        "by_category": money(by_category),
        "by_city": money(by_city),
        "by_payment_method": money(by_payment),
        "by_hour": money(dict(sorted(by_hour.items()))),
        "funnel": {step: len(funnel[step]) for step in ("home", "category", "product", "cart", "checkout", "purchase")},
    }
