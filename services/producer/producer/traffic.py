"""The traffic model: shoppers in sessions, a cart, orders and the stock they move. No Kafka here.

``ShopModel.events()`` yields contract events (Click, Purchase, InventoryMove) in event-time
order, forever; the caller decides when to stop. Everything random comes from one
``random.Random(seed)``, so a seed and a catalogue fix the whole sequence, event_ids included.

A session walks the funnel home → category → product → cart → checkout → purchase and may leave
at every step. Quantities are clicks: each ``add_to_cart`` puts one unit in the cart and each
``remove_from_cart`` takes one out, so an order buys exactly what its session carted (less what
was sold out meanwhile) of products it viewed. Every sale lowers the stock with an inventory
``sale`` move; a product at or below its threshold is restocked some simulated minutes later.

Time is simulated: new sessions arrive as a Poisson process whose rate follows the hour-of-day
profile (``producer.profile``), and each session's clicks are spaced by think times. Sessions
interleave through a heap keyed by their next event time. ``stamp`` maps the simulated time to
the event_time_ms written on events (the identity by default; the wall clock for live replays).
"""

from __future__ import annotations

import heapq
import itertools
import random
from bisect import bisect
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from math import log as _log
from typing import Final, TypeAlias

from producer.catalogue import Product
from producer.ids import seeded_uuid
from producer.profile import HOUR_MS, weight_at
from souk.contract import CATEGORIES, CITIES, PAYMENT_METHODS, Click, InventoryMove, Purchase, PurchaseLine

SourceEvent: TypeAlias = Click | Purchase | InventoryMove
# A running session or restock: each step yields an event and the delay (ms) to its next step.
Task: TypeAlias = Iterator[tuple[SourceEvent, int]]

DEFAULT_START_MS: Final = 1_767_225_600_000  # 2026-01-01T00:00:00Z
USERS_SEED: Final = 5_000

CITY_WEIGHTS: Final = {"Casablanca": 0.32, "Rabat": 0.16, "Marrakech": 0.15, "Fès": 0.14, "Tanger": 0.13, "Agadir": 0.10}
CATEGORY_WEIGHTS: Final = {"Fashion": 0.27, "Electronics": 0.23, "Home & Garden": 0.18, "Beauty": 0.17, "Sports": 0.15}
PAYMENT_WEIGHTS: Final = {"Cash on Delivery": 0.52, "Credit Card": 0.31, "Mobile Payment": 0.17}

# The funnel's drop-off, per step.
P_BOUNCE: Final = 0.25  # leave after the home page
P_NO_PRODUCT: Final = 0.20  # look at a category page and open no product
P_ADD: Final = 0.16  # add a viewed product to the cart
P_ONE_MORE: Final = 0.15  # add one more unit of it
P_NEXT_CATEGORY: Final = 0.35  # browse another category
P_OPEN_CART: Final = 0.80  # open the cart, given something is in it
P_REMOVE: Final = 0.10  # take one unit of a line back out
P_CHECKOUT: Final = 0.70  # go to checkout from the cart
P_PAY: Final = 0.85  # complete the order at checkout
MAX_CATEGORIES: Final = 4
MAX_PRODUCT_VIEWS: Final = 6
# Mean think time (ms) per page, on top of 1.5 s to read anything at all.
THINK_MS: Final = {"home": 8_000, "category": 12_000, "product": 25_000, "cart": 10_000, "checkout": 30_000}
RESTOCK_DELAY_MS: Final = (10 * 60_000, 40 * 60_000)


@dataclass(frozen=True)
class TrafficConfig:
    """The shape of the simulated shop, apart from its catalogue and seed."""

    start_ms: int = DEFAULT_START_MS
    sessions_per_hour: float = 3600.0
    users: int = 5000

    def __post_init__(self) -> None:
        if not self.sessions_per_hour > 0:
            raise ValueError(f"sessions_per_hour must be > 0, got {self.sessions_per_hour}")
        if self.users < 1:
            raise ValueError(f"users must be >= 1, got {self.users}")


class _Picker:
    """Weighted choice by one rng.random() and a bisect: 5x faster than rng.choices for one item."""

    __slots__ = ("cumulative", "items", "total")

    def __init__(self, items: Sequence[object], weights: Sequence[float]) -> None:
        self.items = list(items)
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> object:
        return self.items[min(bisect(self.cumulative, rng.random() * self.total), len(self.items) - 1)]


class ShopModel:
    """A simulated shop; iterate ``events()`` once per model."""

    def __init__(
        self,
        catalogue: Sequence[Product],
        seed: int,
        config: TrafficConfig | None = None,
        stamp: Callable[[int], int] | None = None,
    ) -> None:
        if not catalogue:
            raise ValueError("the catalogue is empty")
        # The order products were read in must not change the traffic: a seed means the same run.
        catalogue = sorted(catalogue, key=lambda p: p.product_id)
        self.config = config or TrafficConfig()
        self._rng = random.Random(seed)  # noqa: S311 - a simulation, not security
        self._stamp = stamp
        self.products: Mapping[str, Product] = {p.product_id: p for p in catalogue}
        self._stock = {p.product_id: p.stock for p in catalogue}
        self._restock_due: set[str] = set()
        present = [c for c in CATEGORIES if any(p.category == c for p in catalogue)]
        self._categories = _Picker(present, [CATEGORY_WEIGHTS[c] for c in present])
        self._products_in: dict[str, _Picker] = {}
        for category in present:
            # A few products sell most (Zipf-like), the cheaper ones first: the weight falls with the price rank.
            ranked = sorted((p for p in catalogue if p.category == category), key=lambda p: (p.price, p.product_id))
            self._products_in[category] = _Picker(ranked, [1 / (rank + 1) ** 0.8 for rank in range(len(ranked))])
        cities = _Picker(CITIES, [CITY_WEIGHTS[c] for c in CITIES])
        # Where a user lives does not depend on the traffic seed: u-00042 is in the same city in every run.
        residents = random.Random(USERS_SEED)  # noqa: S311 - a simulation, not security
        self._user_city = [str(cities.pick(residents)) for _ in range(self.config.users)]
        self._payments = _Picker(PAYMENT_METHODS, [PAYMENT_WEIGHTS[m] for m in PAYMENT_METHODS])
        self._heap: list[tuple[int, int, Task]] = []
        self._sequence = itertools.count()
        self.now_ms = self.config.start_ms
        self._arrivals_per_ms = self.config.sessions_per_hour / HOUR_MS

    @property
    def stock(self) -> Mapping[str, int]:
        """The current stock level of every product, as the model's inventory events left it."""
        return self._stock

    def events(self) -> Iterator[SourceEvent]:
        """The shop's events in event-time order, without end."""
        heap = self._heap
        next_arrival = self.config.start_ms + self._arrival_gap(self.config.start_ms)
        while True:
            if heap and heap[0][0] <= next_arrival:
                at, _, task = heapq.heappop(heap)
            else:
                at, task = next_arrival, self._session()
                next_arrival = at + self._arrival_gap(at)
            self.now_ms = at
            step = next(task, None)
            if step is None:
                continue
            event, delay = step
            yield event
            heapq.heappush(heap, (at + delay, next(self._sequence), task))

    def _arrival_gap(self, at: int) -> int:
        return 1 + int(self._rng.expovariate(self._arrivals_per_ms * weight_at(at)))

    def _time(self) -> int:
        return self.now_ms if self._stamp is None else self._stamp(self.now_ms)

    def _think(self, page: str) -> int:
        # expovariate(1 / mean), spelled out: this runs for nearly every event.
        return 1_500 + int(-THINK_MS[page] * _log(1.0 - self._rng.random()))

    def _click(self, session: tuple[str, str, str], page: str, action: str, product: Product | None = None) -> Click:
        session_id, user_id, city = session
        return Click(
            event_id=seeded_uuid(self._rng),
            event_time_ms=self.now_ms if self._stamp is None else self._stamp(self.now_ms),
            session_id=session_id,
            user_id=user_id,
            city=city,
            page=page,
            action=action,
            product_id=None if product is None else product.product_id,
            category=None if product is None else product.category,
        )

    def _session(self) -> Task:
        rng = self._rng
        user = int(rng.random() * self.config.users)
        session = (seeded_uuid(rng), f"u-{user:05d}", self._user_city[user])
        stock = self._stock
        yield self._click(session, "home", "view"), self._think("home")
        if rng.random() < P_BOUNCE:
            return
        cart: dict[str, int] = {}
        for _ in range(MAX_CATEGORIES):
            category = str(self._categories.pick(rng))
            category_view = Click(
                event_id=seeded_uuid(rng),
                event_time_ms=self._time(),
                session_id=session[0],
                user_id=session[1],
                city=session[2],
                page="category",
                action="view",
                category=category,
            )
            yield category_view, self._think("category")
            views = 0 if rng.random() < P_NO_PRODUCT else 1
            while 0 < views < MAX_PRODUCT_VIEWS and rng.random() < 0.55:
                views += 1
            for _ in range(views):
                product: Product = self._products_in[category].pick(rng)  # type: ignore[assignment]
                pid = product.product_id
                yield self._click(session, "product", "view", product), self._think("product")
                if stock[pid] > cart.get(pid, 0) and rng.random() < P_ADD:
                    cart[pid] = cart.get(pid, 0) + 1
                    yield self._click(session, "product", "add_to_cart", product), 1_000 + int(rng.expovariate(1 / 4_000))
                    while stock[pid] > cart[pid] and rng.random() < P_ONE_MORE:
                        cart[pid] += 1
                        yield self._click(session, "product", "add_to_cart", product), 1_000 + int(rng.expovariate(1 / 3_000))
            if rng.random() >= P_NEXT_CATEGORY:
                break
        if not cart or rng.random() >= P_OPEN_CART:
            return
        yield self._click(session, "cart", "view"), self._think("cart")
        for pid in list(cart):
            if rng.random() < P_REMOVE:
                cart[pid] -= 1
                if not cart[pid]:
                    del cart[pid]
                yield self._click(session, "cart", "remove_from_cart", self.products[pid]), 2_000 + int(rng.expovariate(1 / 3_000))
        if not cart or rng.random() >= P_CHECKOUT:
            return
        yield self._click(session, "checkout", "view"), self._think("checkout")
        if rng.random() >= P_PAY:
            return
        yield from self._order(session, cart)

    def _order(self, session: tuple[str, str, str], cart: dict[str, int]) -> Task:
        rng = self._rng
        stock = self._stock
        lines = []
        for pid, wanted in cart.items():
            # Others may have bought the last units since this session carted them.
            quantity = min(wanted, stock[pid])
            if quantity > 0:
                product = self.products[pid]
                lines.append(PurchaseLine(product_id=pid, category=product.category, quantity=quantity, unit_price=product.price))
        if not lines:
            return
        total = sum((line.unit_price * line.quantity for line in lines), Decimal(0))
        purchase = Purchase(
            event_id=seeded_uuid(rng),
            event_time_ms=self._time(),
            order_id=seeded_uuid(rng),
            session_id=session[0],
            user_id=session[1],
            city=session[2],
            payment_method=str(self._payments.pick(rng)),
            lines=tuple(lines),
            total=total,
        )
        # The stock moves now, not when the sale events are yielded: other sessions run in between.
        sales = []
        for line in lines:
            pid = line.product_id
            stock[pid] -= line.quantity
            sales.append(
                InventoryMove(
                    event_id=seeded_uuid(rng),
                    event_time_ms=purchase.event_time_ms,
                    product_id=pid,
                    category=line.category,
                    delta=-line.quantity,
                    reason="sale",
                    stock_level=stock[pid],
                )
            )
            product = self.products[pid]
            if stock[pid] <= product.low_stock_threshold and pid not in self._restock_due:
                self._restock_due.add(pid)
                delay = rng.randint(*RESTOCK_DELAY_MS)
                heapq.heappush(self._heap, (self.now_ms + delay, next(self._sequence), self._restock(product)))
        yield purchase, 0
        for sale in sales:
            yield sale, 0

    def _restock(self, product: Product) -> Task:
        pid = product.product_id
        self._restock_due.discard(pid)
        # Back to the catalogue level, and at least a few times the threshold.
        target = max(product.stock, 4 * product.low_stock_threshold, 1)
        delta = target - self._stock[pid]
        if delta <= 0:
            return
        self._stock[pid] = target
        move = InventoryMove(
            event_id=seeded_uuid(self._rng),
            event_time_ms=self._time(),
            product_id=pid,
            category=product.category,
            delta=delta,
            reason="restock",
            stock_level=target,
        )
        yield move, 0
