"""The HTTP views' answers, in two steps so that any worker can answer for all partitions.

``partial_<view>(tables, partitions, …)`` sums what one worker's tables hold for the source
partitions it owns into a ``Partial`` (a dict of string keys to lists of ints); partials of all
workers are merged by adding them up (``merge``), and ``render_<view>`` turns the merged sums
into the JSON the view returns. Money stays integer cents until rendering, as "123.45" strings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from processor.tables import LAST_5M, REVENUE_30S, REVENUE_60S, Tables
from processor.tally import partition_of
from souk.contract import CATEGORIES, CURRENCY, PAGES, SOURCE_TOPICS, format_money, from_cents

Partial = dict[str, list[int]]
FUNNEL_STEPS = (*PAGES, "purchase")
REVENUE_WINDOWS = {"30s": REVENUE_30S, "60s": REVENUE_60S, "5m": LAST_5M}
RATE_PLACES = Decimal("0.0001")


class QueryError(ValueError):
    """A bad query parameter; the view answers 400 with this message."""


def money(cents: int) -> str:
    return format_money(from_cents(cents))


def rate(part: int, whole: int) -> str | None:
    return None if not whole else str((Decimal(part) / Decimal(whole)).quantize(RATE_PLACES))


def merge(partials: Iterable[Mapping[str, list[int]]]) -> Partial:
    total: Partial = {}
    for partial in partials:
        for key, values in partial.items():
            have = total.get(key)
            total[key] = list(values) if have is None else [a + b for a, b in zip(have, values, strict=True)]
    return total


def _rows(table: Any, partitions: frozenset[int]) -> Iterator[tuple[str, list[int]]]:
    """(key without its partition, sums without the watermark) of a plain table."""
    for key, value in table.data.items():
        if partition_of(key) in partitions and value:
            yield key.partition("|")[2], value[:-1]


def _window_rows(wrapper: Any, partitions: frozenset[int]) -> Iterator[tuple[str, int, Any]]:
    """(key without partition, window start in ms, value) of a windowed table."""
    for (key, (start, _end)), value in wrapper.table.data.items():
        if partition_of(key) in partitions and value:
            yield key.partition("|")[2], round(start * 1000), value


def _add(into: Partial, key: str, values: list[int]) -> None:
    have = into.get(key)
    into[key] = list(values) if have is None else [a + b for a, b in zip(have, values, strict=True)]


def partial_totals(tables: Tables, partitions: frozenset[int]) -> Partial:
    out: Partial = {}
    for prefix, table in (
        ("category", tables.category_to_totals),
        ("city", tables.city_to_totals),
        ("payment_method", tables.payment_method_to_totals),
        ("events", tables.topic_to_counts),
    ):
        for key, values in _rows(table, partitions):
            _add(out, f"{prefix}|{key}", values)
    return out


def render_totals(merged: Partial) -> dict[str, Any]:
    groups: dict[str, dict[str, list[int]]] = defaultdict(dict)
    for key, values in merged.items():
        group, _, name = key.partition("|")
        groups[group][name] = values
    cities = groups["city"]
    revenue = sum(v[0] for v in cities.values())

    def sums(group: str, order: Iterable[str] | None = None) -> dict[str, Any]:
        names = [n for n in order if n in groups[group]] if order else sorted(groups[group])
        return {n: {"revenue": money(groups[group][n][0]), "orders": groups[group][n][1]} for n in names}

    by_category = sums("category", CATEGORIES)
    for name, entry in by_category.items():
        entry["units"] = groups["category"][name][2]
    events = {
        spec.base: dict(zip(("accepted", "duplicates", "rejected"), groups["events"].get(spec.base, [0, 0, 0]), strict=True))
        for spec in SOURCE_TOPICS
    }
    return {
        "currency": CURRENCY,
        "orders": sum(v[1] for v in cities.values()),
        "revenue": money(revenue),
        "by_category": by_category,
        "by_city": sums("city"),
        "by_payment_method": sums("payment_method"),
        "events": events,
    }


def window_size(window: str) -> int:
    try:
        return REVENUE_WINDOWS[window]
    except KeyError:
        raise QueryError(f"window must be one of {', '.join(REVENUE_WINDOWS)}, got {window!r}") from None


def partial_revenue(tables: Tables, partitions: frozenset[int], window: str) -> Partial:
    size = window_size(window)
    out: Partial = {}
    if size == REVENUE_30S:
        for category, start, value in _window_rows(tables.category_to_revenue_30s, partitions):
            _add(out, f"{start}|{category}", value[:-1])
    else:
        wrapper = tables.shop_to_revenue_60s if size == REVENUE_60S else tables.shop_to_revenue_5m
        for _shop, start, value in _window_rows(wrapper, partitions):
            _add(out, str(start), value[:-1])
    return out


def render_revenue(merged: Partial, window: str, last: int) -> dict[str, Any]:
    size_ms = window_size(window) * 1000
    windows: dict[int, dict[str, Any]] = {}
    for key, values in merged.items():
        start_text, _, category = key.partition("|")
        start = int(start_text)
        entry = windows.setdefault(start, {"start_ms": start, "end_ms": start + size_ms, "cents": 0, "orders": 0})
        entry["cents"] += values[0]
        if category:
            entry.setdefault("by_category", {})[category] = {"revenue": money(values[0]), "orders": values[1], "units": values[2]}
        else:
            entry["orders"] += values[1]
    chosen = sorted(windows)[-last:] if last > 0 else []
    rendered = []
    for start in chosen:
        entry = windows[start]
        cents = entry.pop("cents")
        if "by_category" in entry:
            # An order with lines in two categories counts once per category, not once overall.
            entry.pop("orders")
            entry["by_category"] = {c: entry["by_category"][c] for c in CATEGORIES if c in entry["by_category"]}
        rendered.append({**entry, "revenue": money(cents)})
    return {"window": window, "currency": CURRENCY, "windows": rendered}


def partial_stock(tables: Tables, partitions: frozenset[int]) -> Partial:
    return {key: values[:2] for key, values in _rows(tables.product_to_stock, partitions)}


def render_stock(merged: Partial, thresholds: Mapping[str, int], default: int, low_only: bool) -> dict[str, Any]:
    products = []
    for key, (level, updated_ms) in sorted(merged.items(), key=lambda item: item[0].partition("|")[2]):
        category, _, product_id = key.partition("|")
        threshold = thresholds.get(product_id, default)
        if low_only and level >= threshold:
            continue
        products.append(
            {"product_id": product_id, "category": category, "stock_level": level, "threshold": threshold, "updated_ms": updated_ms}
        )
    return {"count": len(products), "products": products}


def partial_funnel(tables: Tables, partitions: frozenset[int]) -> Partial:
    out: Partial = {}
    for page, start, value in _window_rows(tables.page_to_sessions, partitions):
        _add(out, f"{start}|{page}", value[:-1])
    for _, start, value in _window_rows(tables.purchase_to_sessions, partitions):
        _add(out, f"{start}|purchase", value[:-1])
    return out


def render_funnel(merged: Partial, window_s: int, last: int) -> dict[str, Any]:
    windows: dict[int, dict[str, int]] = defaultdict(dict)
    for key, (sessions,) in merged.items():
        start, _, step = key.partition("|")
        windows[int(start)][step] = sessions

    def steps(counts: Mapping[str, int]) -> list[dict[str, Any]]:
        first = counts.get(FUNNEL_STEPS[0], 0)
        rows, previous = [], None
        for step in FUNNEL_STEPS:
            sessions = counts.get(step, 0)
            rows.append(
                {
                    "step": step,
                    "sessions": sessions,
                    "rate_from_first": rate(sessions, first),
                    "rate_from_previous": None if previous is None else rate(sessions, previous),
                }
            )
            previous = sessions
        return rows

    chosen = sorted(windows)[-last:] if last > 0 else []
    total: dict[str, int] = defaultdict(int)
    for counts in windows.values():
        for step, sessions in counts.items():
            total[step] += sessions
    return {
        "window": f"{window_s}s",
        "windows": [{"start_ms": s, "end_ms": s + window_s * 1000, "steps": steps(windows[s])} for s in chosen],
        "all_windows": steps(total),
    }


def partial_affinity(tables: Tables, partitions: frozenset[int]) -> Partial:
    out: Partial = {}
    for key, (views,) in _rows(tables.product_to_views, partitions):
        _add(out, key, [views, 0, 0, 0])
    for key, (units, cents, orders) in _rows(tables.product_to_sales, partitions):
        _add(out, key, [0, units, cents, orders])
    # A category's orders are distinct orders (an order of two of its products counts once), as
    # in the totals and the batch views; the key with no product carries them.
    for category, (_cents, orders, _units) in _rows(tables.category_to_totals, partitions):
        _add(out, f"{category}|", [0, 0, 0, orders])
    return out


def render_affinity(merged: Partial, n: int) -> dict[str, Any]:
    categories: dict[str, list[int]] = {}
    products: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for key, (views, units, cents, orders) in merged.items():
        category, _, product_id = key.partition("|")
        if not product_id:
            _add(categories, category, [0, 0, 0, orders])
            continue
        _add(categories, category, [views, units, cents, 0])
        products[category].append(
            {
                "product_id": product_id,
                "views": views,
                "orders": orders,
                "units": units,
                "revenue": money(cents),
                "view_to_order": rate(orders, views),
            }
        )
    out = {}
    for category in (c for c in CATEGORIES if c in categories):
        views, units, cents, orders = categories[category]
        ranked = sorted(products[category], key=lambda p: (-p["views"], -p["orders"], p["product_id"]))
        out[category] = {
            "views": views,
            "orders": orders,
            "units": units,
            "revenue": money(cents),
            "view_to_order": rate(orders, views),
            "products": ranked[:n],
        }
    return {"by_category": out}


def partial_top_products(tables: Tables, partitions: frozenset[int]) -> Partial:
    out: Partial = {}
    for key, values in _rows(tables.product_to_sales, partitions):
        _add(out, key, values)
    return out


def render_top_products(merged: Partial, n: int) -> dict[str, Any]:
    ranked = sorted(merged.items(), key=lambda item: (-item[1][0], -item[1][1], item[0].partition("|")[2]))
    rows = []
    for key, (units, cents, orders) in ranked[:n]:
        category, _, product_id = key.partition("|")
        rows.append({"product_id": product_id, "category": category, "units": units, "orders": orders, "revenue": money(cents)})
    return {"currency": CURRENCY, "products": rows}
