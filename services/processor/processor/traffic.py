"""Synthetic shop traffic built with souk.contract, and the ledger of what it holds.

For the processor's own tests and bench: they must not depend on the producer service. The
ledger is computed here from the generated values (Decimal money, Python sets), independently
of the processor's code, so a test can compare /totals and friends against it exactly.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from souk.contract import (
    CATEGORIES,
    CITIES,
    PAYMENT_METHODS,
    Click,
    InventoryMove,
    Purchase,
    PurchaseLine,
    encode,
    encode_key,
    format_money,
)


@dataclass(frozen=True, slots=True)
class Record:
    """One message to send: topic base name, key and value bytes."""

    base: str
    key: bytes
    value: bytes


@dataclass
class Ledger:
    """What a batch of traffic adds up to, as the processor should report it."""

    events: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    duplicates: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    rejected: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    orders: int = 0
    revenue: Decimal = Decimal("0.00")
    by_category: dict[str, list] = field(default_factory=lambda: defaultdict(lambda: [Decimal("0.00"), 0, 0]))
    by_city: dict[str, list] = field(default_factory=lambda: defaultdict(lambda: [Decimal("0.00"), 0]))
    by_payment_method: dict[str, list] = field(default_factory=lambda: defaultdict(lambda: [Decimal("0.00"), 0]))
    category_30s: dict[tuple[int, str], Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    revenue_60s: dict[int, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    funnel: dict[tuple[int, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    product_units: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    product_views: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    stock: dict[str, int] = field(default_factory=dict)
    high_tickets: int = 0

    def add_click(self, click: Click, funnel_window_ms: int) -> None:
        self.events["clicks"] += 1
        self.funnel[click.event_time_ms // funnel_window_ms * funnel_window_ms, click.page].add(click.session_id)
        if click.page == "product" and click.action == "view" and click.product_id:
            self.product_views[click.product_id] += 1

    def add_purchase(self, purchase: Purchase, funnel_window_ms: int) -> None:
        self.events["purchases"] += 1
        self.orders += 1
        self.revenue += purchase.total
        for table, name in ((self.by_city, purchase.city), (self.by_payment_method, purchase.payment_method)):
            table[name][0] += purchase.total
            table[name][1] += 1
        t = purchase.event_time_ms
        self.revenue_60s[t // 60_000 * 60_000] += purchase.total
        for category in {line.category for line in purchase.lines}:
            self.by_category[category][1] += 1
        for line in purchase.lines:
            amount = line.unit_price * line.quantity
            self.by_category[line.category][0] += amount
            self.by_category[line.category][2] += line.quantity
            self.category_30s[t // 30_000 * 30_000, line.category] += amount
            self.product_units[line.product_id] += line.quantity
        self.funnel[t // funnel_window_ms * funnel_window_ms, "purchase"].add(purchase.session_id)
        if purchase.total >= Decimal("1000.00"):
            self.high_tickets += 1

    def add_move(self, move: InventoryMove) -> None:
        self.events["inventory"] += 1
        self.stock[move.product_id] = move.stock_level

    def totals_view(self) -> dict:
        """The parts of GET /totals this traffic determines, in the view's shape."""
        return {
            "orders": self.orders,
            "revenue": format_money(self.revenue),
            "by_category": {c: {"revenue": format_money(v[0]), "orders": v[1], "units": v[2]} for c, v in self.by_category.items()},
            "by_city": {c: {"revenue": format_money(v[0]), "orders": v[1]} for c, v in self.by_city.items()},
            "by_payment_method": {p: {"revenue": format_money(v[0]), "orders": v[1]} for p, v in self.by_payment_method.items()},
            "events": {
                base: {"accepted": self.events[base], "duplicates": self.duplicates[base], "rejected": self.rejected[base]}
                for base in ("clicks", "purchases", "inventory")
            },
        }


@dataclass
class Catalogue:
    products: list[tuple[str, str, Decimal]]  # (product_id, category, unit_price)

    @classmethod
    def make(cls, rng: random.Random, size: int) -> Catalogue:
        products = []
        for i in range(size):
            category = CATEGORIES[i % len(CATEGORIES)]
            cents = rng.choice((rng.randint(500, 9_999), rng.randint(10_000, 150_000)))
            products.append((f"P-{i:04d}", category, Decimal(cents).scaleb(-2)))
        return cls(products)


class Traffic:
    """Deterministic sessions (home → category → product → cart → checkout → purchase) with drop-off."""

    def __init__(self, seed: int, now_ms: int, *, products: int = 60, spread_ms: int = 120_000, funnel_window_s: int = 60) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - reproducible test traffic, not secrets
        self.now_ms = now_ms
        self.spread_ms = spread_ms
        self.funnel_window_ms = funnel_window_s * 1000
        self.catalogue = Catalogue.make(self.rng, products)
        self.stock = {pid: self.rng.randint(15, 40) for pid, _, _ in self.catalogue.products}
        self.ledger = Ledger()
        self.sessions = 0

    def _event_id(self) -> str:
        # Seeded, canonical UUID4 text (uuid.uuid4 would not follow the seed).
        n = self.rng.getrandbits(128)
        n = (n & ~(0xF000 << 64) | (0x4000 << 64)) & ~(0xC000 << 48) | (0x8000 << 48)
        h = f"{n:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def session(self) -> Iterator[Record]:
        rng = self.rng
        self.sessions += 1
        session_id, user_id = f"S-{self.sessions:07d}-{rng.randint(0, 9999):04d}", f"U-{rng.randint(1, 5000):05d}"
        city = rng.choice(CITIES)
        t = self.now_ms - rng.randint(0, self.spread_ms)

        def click(page: str, action: str = "view", product: tuple[str, str, Decimal] | None = None) -> Record:
            nonlocal t
            t += rng.randint(200, 4_000)
            event = Click(
                event_id=self._event_id(),
                event_time_ms=t,
                session_id=session_id,
                user_id=user_id,
                city=city,
                page=page,
                action=action,
                product_id=product[0] if product else None,
                category=product[1] if product else None,
            )
            self.ledger.add_click(event, self.funnel_window_ms)
            return Record("clicks", encode_key(event), encode(event))

        yield click("home")
        if rng.random() < 0.25:
            return
        yield click("category")
        carted = []
        for _ in range(rng.randint(1, 3)):
            product = rng.choice(self.catalogue.products)
            yield click("product", "view", product)
            if rng.random() < 0.5:
                yield click("product", "add_to_cart", product)
                carted.append(product)
        if not carted or rng.random() < 0.2:
            return
        yield click("cart")
        if rng.random() < 0.25:
            return
        yield click("checkout")
        if rng.random() < 0.2:
            return
        t += rng.randint(500, 3_000)
        lines: dict[str, PurchaseLine] = {}
        for pid, category, price in carted:
            quantity = rng.randint(1, 3) + (lines[pid].quantity if pid in lines else 0)
            lines[pid] = PurchaseLine(product_id=pid, category=category, quantity=quantity, unit_price=price)
        total = sum((line.unit_price * line.quantity for line in lines.values()), Decimal("0.00"))
        purchase = Purchase(
            event_id=self._event_id(),
            event_time_ms=t,
            order_id=f"O-{self.sessions:07d}",
            session_id=session_id,
            user_id=user_id,
            city=city,
            payment_method=rng.choice(PAYMENT_METHODS),
            lines=tuple(lines.values()),
            total=total,
        )
        self.ledger.add_purchase(purchase, self.funnel_window_ms)
        yield Record("purchases", encode_key(purchase), encode(purchase))
        for line in lines.values():
            yield from self._move(line.product_id, line.category, -line.quantity, "sale", t)

    def _move(self, product_id: str, category: str, delta: int, reason: str, t: int) -> Iterator[Record]:
        if self.stock[product_id] + delta < 0:
            yield from self._move(product_id, category, 50, "restock", t)
        self.stock[product_id] += delta
        move = InventoryMove(
            event_id=self._event_id(),
            event_time_ms=t,
            product_id=product_id,
            category=category,
            delta=delta,
            reason=reason,
            stock_level=self.stock[product_id],
        )
        self.ledger.add_move(move)
        yield Record("inventory", encode_key(move), encode(move))

    def records(self, count: int) -> list[Record]:
        """At least ``count`` valid records (whole sessions)."""
        out: list[Record] = []
        while len(out) < count:
            out.extend(self.session())
        return out

    def duplicates(self, records: list[Record], fraction: float) -> list[Record]:
        """Copies of a random ``fraction`` of ``records`` (same key and bytes: a producer retry)."""
        picked = [r for r in records if self.rng.random() < fraction]
        for record in picked:
            self.ledger.duplicates[record.base] += 1
        return picked

    def malformed(self, count: int) -> list[Record]:
        """``count`` records that break the contract, one kind after another."""
        out = []
        for i in range(count):
            base, value = self._corrupt(i)
            self.ledger.rejected[base] += 1
            out.append(Record(base, f"bad-{i}".encode(), value))
        return out

    def _corrupt(self, i: int) -> tuple[str, bytes]:
        click = {
            "event_id": self._event_id(),
            "event_time_ms": self.now_ms,
            "schema_version": 1,
            "session_id": f"S-BAD-{i}",
            "user_id": "U-00001",
            "city": "Rabat",
            "page": "home",
            "action": "view",
        }
        kind = i % 7
        if kind == 0:
            return "clicks", b"{not json"
        if kind == 1:
            return "clicks", json.dumps({k: v for k, v in click.items() if k != "city"}).encode()
        if kind == 2:
            return "clicks", json.dumps({**click, "event_time_ms": "yesterday"}).encode()
        if kind == 3:
            return "inventory", b"\xff\xfe binary"
        product = self.catalogue.products[i % len(self.catalogue.products)]
        line = {"product_id": product[0], "category": product[1], "quantity": 2, "unit_price": format_money(product[2])}
        purchase = {
            "event_id": self._event_id(),
            "event_time_ms": self.now_ms,
            "schema_version": 1,
            "order_id": f"BAD-{i}",
            "session_id": f"S-BAD-{i}",
            "user_id": "U-00001",
            "city": "Rabat",
            "payment_method": "Credit Card",
            "lines": [line],
            "total": format_money(product[2] * 2),
        }
        if kind == 4:
            purchase["lines"] = [{**line, "quantity": -2}]
            purchase["total"] = format_money(-product[2] * 2)
        elif kind == 5:
            purchase["total"] = format_money(product[2] * 2 + Decimal("0.01"))
        else:
            purchase["lines"] = [{**line, "category": "Toys"}]
        return "purchases", json.dumps(purchase).encode()


def send(bootstrap: str, prefix: str, records: list[Record], *, linger_ms: int = 5) -> None:
    """Produce ``records`` to ``<prefix><base>`` topics, in order, and wait until all are acknowledged."""
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=linger_ms, batch_size=256 * 1024, enable_idempotence=True)
    try:
        for record in records:
            producer.send(prefix + record.base, key=record.key, value=record.value)
        producer.flush(timeout=120)
    finally:
        producer.close(timeout=10)
