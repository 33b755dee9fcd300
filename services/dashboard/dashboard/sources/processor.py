"""The processor's HTTP views (DESIGN.md "Processor HTTP views"), read into small typed records.

Shapes assumed (services/processor/processor/queries.py): money is a "123.45" string, counts ints.
  /totals        {orders, revenue, by_category: {name: {revenue, orders, units}}, by_city, by_payment_method, events}
  /revenue       {window, windows: [{start_ms, end_ms, revenue, orders}]}
  /stock(/low)   {count, products: [{product_id, category, stock_level, threshold, updated_ms}]}
  /funnel        {window, windows: [...], all_windows: [{step, sessions, rate_from_first, rate_from_previous}]}
  /top-products  {products: [{product_id, category, units, orders, revenue}]}
  /health        {status, worker, app_id, partitions: [..], busy}
The parsers accept a few neighbouring shapes (lists at top level, cents instead of money) so a
change on the processor's side shows up as missing numbers, not as an error page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from dashboard.sources.base import Cache, Unavailable, get_json, guarded

SOURCE = "processor"
FUNNEL_STEPS = ("home", "category", "product", "cart", "checkout", "purchase")


def to_money(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value is not None else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def _records(payload: Any, *keys: str) -> list[dict[str, Any]]:
    """The list of dicts under the first of ``keys`` present (or the payload itself if it is a list)."""
    if isinstance(payload, list):
        return [r for r in payload if isinstance(r, dict)]
    if isinstance(payload, Mapping):
        for key in keys:
            value = payload.get(key)
            if isinstance(value, list):
                return [r for r in value if isinstance(r, dict)]
    return []


def _revenue_of(entry: Any) -> Decimal:
    if isinstance(entry, Mapping):
        if "revenue" in entry:
            return to_money(entry["revenue"])
        if "cents" in entry:
            return to_money(entry["cents"]) / 100
        return Decimal(0)
    return to_money(entry)


def _breakdown(payload: Any) -> dict[str, tuple[Decimal, int]]:
    """{name: (revenue, orders)} from {name: {revenue, orders}} or {name: "12.00"} or [{name/…, revenue}]."""
    out: dict[str, tuple[Decimal, int]] = {}
    if isinstance(payload, Mapping):
        for name, entry in payload.items():
            orders = int(entry.get("orders", 0)) if isinstance(entry, Mapping) else 0
            out[str(name)] = (_revenue_of(entry), orders)
    elif isinstance(payload, list):
        for entry in payload:
            if isinstance(entry, Mapping):
                name = next((entry[k] for k in ("name", "category", "city", "payment_method") if k in entry), "?")
                out[str(name)] = (_revenue_of(entry), int(entry.get("orders", 0)))
    return out


@dataclass(frozen=True)
class Totals:
    orders: int
    revenue: Decimal
    by_category: dict[str, tuple[Decimal, int]]
    by_city: dict[str, tuple[Decimal, int]]
    by_payment_method: dict[str, tuple[Decimal, int]]
    events: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def average_basket(self) -> Decimal | None:
        return (self.revenue / self.orders).quantize(Decimal("0.01")) if self.orders else None

    @classmethod
    def parse(cls, payload: Any) -> Totals:
        if not isinstance(payload, Mapping):
            raise ValueError("totals: expected a JSON object")
        revenue = _revenue_of(payload) if "revenue" in payload or "cents" in payload else Decimal(0)
        return cls(
            orders=int(payload.get("orders", 0)),
            revenue=revenue,
            by_category=_breakdown(payload.get("by_category")),
            by_city=_breakdown(payload.get("by_city")),
            by_payment_method=_breakdown(payload.get("by_payment_method")),
            events={k: dict(v) for k, v in (payload.get("events") or {}).items() if isinstance(v, Mapping)},
        )


@dataclass(frozen=True)
class RevenueWindow:
    start_ms: int
    end_ms: int
    revenue: Decimal
    orders: int


def parse_revenue(payload: Any) -> list[RevenueWindow]:
    windows = []
    for entry in _records(payload, "windows"):
        start = int(entry.get("start_ms", entry.get("window_start_ms", 0)))
        end = int(entry.get("end_ms", entry.get("window_end_ms", start)))
        windows.append(RevenueWindow(start, end, _revenue_of(entry), int(entry.get("orders", 0))))
    return sorted(windows, key=lambda w: w.start_ms)


@dataclass(frozen=True)
class StockLevel:
    product_id: str
    category: str
    stock_level: int
    threshold: int | None

    @property
    def low(self) -> bool:
        return self.threshold is not None and self.stock_level < self.threshold


def parse_stock(payload: Any) -> list[StockLevel]:
    rows = _records(payload, "products", "stock")
    if not rows and isinstance(payload, Mapping) and all(isinstance(v, int) for v in payload.values()):
        rows = [{"product_id": k, "stock_level": v} for k, v in payload.items()]
    out = []
    for row in rows:
        threshold = row.get("threshold")
        out.append(
            StockLevel(
                product_id=str(row.get("product_id", "?")),
                category=str(row.get("category", "")),
                stock_level=int(row.get("stock_level", row.get("stock", 0))),
                threshold=int(threshold) if threshold is not None else None,
            )
        )
    return out


@dataclass(frozen=True)
class FunnelStep:
    step: str
    sessions: int
    rate_from_first: Decimal | None
    rate_from_previous: Decimal | None


def parse_funnel(payload: Any) -> list[FunnelStep]:
    """The funnel over the windows the processor still holds (``all_windows``), else its latest window."""
    rows = _records(payload, "all_windows", "steps")
    if not rows and isinstance(payload, Mapping):
        latest = _records(payload, "windows")
        rows = _records(latest[-1], "steps") if latest else []
    steps = []
    first = previous = None
    for row in rows:
        sessions = int(row.get("sessions", 0))
        first = sessions if first is None else first

        def rate(key: str, whole: int | None, sessions: int = sessions, row: dict[str, Any] = row) -> Decimal | None:
            if row.get(key) is not None:
                return to_money(row[key])
            return Decimal(sessions) / whole if whole else None

        steps.append(FunnelStep(str(row.get("step", "?")), sessions, rate("rate_from_first", first), rate("rate_from_previous", previous)))
        previous = sessions
    return steps


@dataclass(frozen=True)
class ProductSales:
    product_id: str
    category: str
    units: int
    orders: int
    revenue: Decimal


def parse_top_products(payload: Any) -> list[ProductSales]:
    return [
        ProductSales(
            product_id=str(row.get("product_id", "?")),
            category=str(row.get("category", "")),
            units=int(row.get("units", 0)),
            orders=int(row.get("orders", 0)),
            revenue=_revenue_of(row),
        )
        for row in _records(payload, "products", "top")
    ]


@dataclass(frozen=True)
class WorkerHealth:
    url: str
    status: str
    partitions: list[int]
    busy: Any


class ProcessorClient:
    """Reads one worker's views (any worker answers for all partitions); cached for ``ttl`` seconds."""

    def __init__(self, url: str, timeout: float, cache: Cache, ttl: float = 0.5) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.cache = cache
        self.ttl = ttl

    def _view(self, path: str, parse: Any) -> Any:
        def load() -> Any:
            return guarded(SOURCE, lambda: parse(get_json(self.url + path, self.timeout)))

        return self.cache.get(("processor", self.url, path), self.ttl, load)

    def totals(self) -> Totals | Unavailable:
        return self._view("/totals", Totals.parse)

    def revenue(self, window: str = "60s", last: int = 30) -> list[RevenueWindow] | Unavailable:
        return self._view(f"/revenue?window={window}&last={last}", parse_revenue)

    def stock(self) -> list[StockLevel] | Unavailable:
        return self._view("/stock", parse_stock)

    def funnel(self) -> list[FunnelStep] | Unavailable:
        return self._view("/funnel", parse_funnel)

    def top_products(self, n: int = 10) -> list[ProductSales] | Unavailable:
        return self._view(f"/top-products?n={n}", parse_top_products)


def worker_health(url: str, timeout: float) -> WorkerHealth | Unavailable:
    """One worker's /health: its status and the source partitions it owns."""

    def call() -> WorkerHealth:
        payload = get_json(url.rstrip("/") + "/health", timeout)
        if not isinstance(payload, Mapping):
            raise ValueError("health: expected a JSON object")
        return WorkerHealth(
            url=str(payload.get("worker") or url),
            status=str(payload.get("status", "?")),
            partitions=[int(p) for p in payload.get("partitions") or []],
            busy=payload.get("busy"),
        )

    return guarded(f"processor worker {url}", call)
