"""The views computed in plain Python from contract events: the independent side of every comparison."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from batch.synthetic import Events

from souk.contract import HIGH_TICKET_THRESHOLD

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
STEPS = ("home", "category", "product", "cart", "checkout", "purchase")


def date_of(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms // 1000, tz=dt.UTC).strftime("%Y-%m-%d")


def hour_of(ms: int) -> int:
    return dt.datetime.fromtimestamp(ms // 1000, tz=dt.UTC).hour


def avg(revenue: Decimal, orders: int) -> Decimal | None:
    if not orders:
        return None
    with localcontext() as ctx:
        ctx.prec = 60
        return (revenue / orders).quantize(CENT, rounding=ROUND_HALF_UP)


def lines(events: Events) -> list[dict[str, Any]]:
    return [
        {
            "date": date_of(p.event_time_ms),
            "hour": hour_of(p.event_time_ms),
            "order_id": p.order_id,
            "session_id": p.session_id,
            "city": p.city,
            "payment_method": p.payment_method,
            "product_id": li.product_id,
            "category": li.category,
            "quantity": li.quantity,
            "amount": li.unit_price * li.quantity,
        }
        for p in events.purchases
        for li in p.lines
    ]


def revenue_daily(events: Events) -> list[tuple[Any, ...]]:
    acc: dict[str, dict[str, Any]] = defaultdict(lambda: {"orders": 0, "revenue": ZERO, "units": 0, "sessions": set()})
    for p in events.purchases:
        a = acc[date_of(p.event_time_ms)]
        a["orders"] += 1
        a["revenue"] += p.total
        a["units"] += sum(li.quantity for li in p.lines)
        a["sessions"].add(p.session_id)
    return sorted((d, a["orders"], a["units"], a["revenue"], avg(a["revenue"], a["orders"]), len(a["sessions"])) for d, a in acc.items())


def revenue_by(events: Events, key: str) -> list[tuple[Any, ...]]:
    """By city or payment method: date, key, orders, revenue, avg_basket (+ units, top_category for city)."""
    acc: dict[tuple[str, str], dict[str, Any]] = defaultdict(
        lambda: {"orders": 0, "revenue": ZERO, "units": 0, "cat": defaultdict(Decimal)}
    )
    for p in events.purchases:
        a = acc[(date_of(p.event_time_ms), getattr(p, key))]
        a["orders"] += 1
        a["revenue"] += p.total
        for li in p.lines:
            a["units"] += li.quantity
            a["cat"][li.category] += li.unit_price * li.quantity
    out = []
    for (d, k), a in sorted(acc.items()):
        if key == "city":
            top = sorted(a["cat"].items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
            out.append((d, k, a["orders"], a["units"], a["revenue"], avg(a["revenue"], a["orders"]), top))
        else:
            out.append((d, k, a["orders"], a["revenue"], avg(a["revenue"], a["orders"])))
    return out


def revenue_by_category(events: Events) -> list[tuple[Any, ...]]:
    acc: dict[tuple[str, str], dict[str, Any]] = defaultdict(lambda: {"orders": set(), "units": 0, "revenue": ZERO})
    for li in lines(events):
        a = acc[(li["date"], li["category"])]
        a["orders"].add(li["order_id"])
        a["units"] += li["quantity"]
        a["revenue"] += li["amount"]
    return sorted((d, c, len(a["orders"]), a["units"], a["revenue"]) for (d, c), a in acc.items())


def revenue_cube(events: Events) -> list[tuple[Any, ...]]:
    acc: dict[tuple[Any, ...], dict[str, Any]] = defaultdict(lambda: {"orders": set(), "units": 0, "revenue": ZERO})
    for li in lines(events):
        a = acc[(li["date"], li["hour"], li["city"], li["category"], li["payment_method"])]
        a["orders"].add(li["order_id"])
        a["units"] += li["quantity"]
        a["revenue"] += li["amount"]
    return sorted((*k, len(a["orders"]), a["units"], a["revenue"]) for k, a in acc.items())


def hourly_profile(events: Events) -> list[tuple[Any, ...]]:
    dates = {date_of(e.event_time_ms) for items in events.by_topic().values() for e in items}
    rows = []
    for d in sorted(dates):
        hours = []
        for h in range(24):
            cs = [c for c in events.clicks if date_of(c.event_time_ms) == d and hour_of(c.event_time_ms) == h]
            ps = [p for p in events.purchases if date_of(p.event_time_ms) == d and hour_of(p.event_time_ms) == h]
            revenue = sum((p.total for p in ps), ZERO)
            units = sum(li.quantity for p in ps for li in p.lines)
            hours.append([d, h, len(cs), len({c.session_id for c in cs}), len(ps), units, revenue, False])
        best = sorted(hours, key=lambda r: (-r[6], r[1]))[0]
        if best[6] > 0:
            best[7] = True
        rows.extend(tuple(r) for r in hours)
    return rows


def funnel(events: Events) -> list[tuple[Any, ...]]:
    reached: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for c in events.clicks:
        reached[date_of(c.event_time_ms)][c.page].add(c.session_id)
    for p in events.purchases:
        reached[date_of(p.event_time_ms)]["purchase"].add(p.session_id)
    rows = []
    for d in sorted(reached):
        counts = [len(reached[d][s]) for s in STEPS]
        for i, (step, n) in enumerate(zip(STEPS, counts, strict=True)):
            prev = counts[i - 1] if i else None
            rows.append((d, i + 1, step, n, (n / prev) if prev else None, (n / counts[0]) if counts[0] else None))
    return rows


def affinity(events: Events, by_product: bool) -> list[tuple[Any, ...]]:
    acc: dict[tuple[Any, ...], dict[str, Any]] = defaultdict(
        lambda: {"views": 0, "viewed": set(), "carts": 0, "bought": set(), "orders": set(), "units": 0, "revenue": ZERO}
    )

    def key(d: str, product_id: str | None, category: str) -> tuple[Any, ...]:
        return (d, product_id, category) if by_product else (d, category)

    for c in events.clicks:
        if c.category is None or (by_product and c.product_id is None):
            continue
        a = acc[key(date_of(c.event_time_ms), c.product_id, c.category)]
        if c.page == "product" and c.action == "view":
            a["views"] += 1
            a["viewed"].add(c.session_id)
        if c.action == "add_to_cart":
            a["carts"] += 1
    for li in lines(events):
        a = acc[key(li["date"], li["product_id"], li["category"])]
        a["bought"].add(li["session_id"])
        a["orders"].add(li["order_id"])
        a["units"] += li["quantity"]
        a["revenue"] += li["amount"]
    rows = []
    for k, a in sorted(acc.items(), key=lambda kv: tuple(str(x) for x in kv[0])):
        viewed, bought, orders = len(a["viewed"]), len(a["bought"]), len(a["orders"])
        rows.append(
            (
                *k,
                a["views"],
                viewed,
                a["carts"],
                bought,
                orders,
                a["units"],
                a["revenue"],
                bought / viewed if viewed else None,
                orders / a["views"] if a["views"] else None,
            )
        )
    return rows


def top_products(events: Events, n: int) -> list[tuple[Any, ...]]:
    acc: dict[tuple[str, str, str], dict[str, Any]] = defaultdict(lambda: {"orders": set(), "units": 0, "revenue": ZERO})
    for li in lines(events):
        a = acc[(li["date"], li["product_id"], li["category"])]
        a["orders"].add(li["order_id"])
        a["units"] += li["quantity"]
        a["revenue"] += li["amount"]
    rows = []
    for d in sorted({k[0] for k in acc}):
        ranked = sorted(((k, a) for k, a in acc.items() if k[0] == d), key=lambda kv: (-kv[1]["units"], -kv[1]["revenue"], kv[0][1]))
        for rank, (k, a) in enumerate(ranked[:n], start=1):
            rows.append((d, rank, k[1], k[2], len(a["orders"]), a["units"], a["revenue"]))
    return rows


def high_ticket_orders(events: Events) -> list[tuple[Any, ...]]:
    return sorted(
        (date_of(p.event_time_ms), p.order_id, p.city, p.payment_method, len(p.lines), sum(li.quantity for li in p.lines), p.total)
        for p in events.purchases
        if p.total >= HIGH_TICKET_THRESHOLD
    )


def stock_history(events: Events) -> list[tuple[Any, ...]]:
    acc: dict[tuple[str, int, str, str], list[Any]] = defaultdict(list)
    for m in events.inventory:
        acc[(date_of(m.event_time_ms), hour_of(m.event_time_ms), m.product_id, m.category)].append(m)
    rows = []
    for k, moves in sorted(acc.items()):
        # moves are in offset order (a product's moves share a partition), so the last of equal times is the latest
        last = max(enumerate(moves), key=lambda im: (im[1].event_time_ms, im[0]))[1]

        def by(reason: str, sign: int = 1, moves: list[Any] = moves) -> int:
            return sum(m.delta * sign for m in moves if m.reason == reason)

        levels = [m.stock_level for m in moves]
        rows.append(
            (
                *k,
                len(moves),
                sum(m.delta for m in moves),
                by("sale", -1),
                by("restock"),
                by("return"),
                by("adjustment"),
                last.stock_level,
                min(levels),
                max(levels),
            )
        )
    return rows
