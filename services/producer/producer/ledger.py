"""The ledger: what the producer sent and the broker acknowledged, for reconciling any layer against it.

Only acknowledged messages count; a send the broker never confirmed is in ``failed``, malformed
messages (``--inject-bad``) only in ``malformed``: the valid totals are exactly what a correct
consumer of the topics must find. Read the JSON with ``json.load``; no need to import this module.

JSON layout (``format`` = "souk-ledger/1"; money is a decimal string with 2 places, in MAD;
every category, city, payment method, page, action, reason and funnel step of the contract is
present, with zeros when nothing happened)::

    {
      "format": "souk-ledger/1",
      "run": {"seed": 42, "clock": "sim", "start": "2026-01-01T00:00:00Z", "rate": 0.0,
              "topic_prefix": "", "catalogue": "db", "inject_bad": 0.0,
              "started_at": "2026-11-26T12:00:00.000Z", "finished_at": "…", "stopped_by": "events",
              "complete": true, "unresolved": 0, "argv": ["--seed", "42", …]},
      "topics": {                      # base topic name -> valid messages acknowledged
        "clicks":    {"count": 120345, "ids_digest": "<64 hex>"},
        "purchases": {"count": 4478,   "ids_digest": "…"},
        "inventory": {"count": 5822,   "ids_digest": "…"}
      },
      "orders": {"count": 4478, "revenue": "1234567.89", "lines": 5012, "units": 5822},
      "clicks": {"by_page": {"home": n, …}, "by_action": {"view": n, "add_to_cart": n, "remove_from_cart": n}},
      "by_category": {"Electronics": {"clicks": n, "product_views": n, "add_to_cart": n, "remove_from_cart": n,
                                      "orders": n, "lines": n, "units": n, "revenue": "…"}, …},
      "by_city": {"Casablanca": {"clicks": n, "orders": n, "revenue": "…"}, …},
      "by_payment_method": {"Cash on Delivery": {"orders": n, "revenue": "…"}, …},
      "by_hour": {"2026-01-01T19": {"clicks": n, "purchases": n, "inventory": n, "revenue": "…"}, …},
      "by_product": {"EL-0001": {"product_views": n, "orders": n, "units": n, "revenue": "…"}, …},
      "inventory": {"by_reason": {"sale": {"moves": n, "delta": -n}, "restock": {…}, "return": {…}, "adjustment": {…}},
                    "stock_level": {"EL-0001": 37, …}},
      "funnel": {"home": n, "category": n, "product": n, "cart": n, "checkout": n, "purchase": n},
      "malformed": {"count": n, "by_topic": {"clicks": n, …}, "by_kind": {"bad_json": n, …}},
      "failed": {"count": n, "by_topic": {"clicks": n, …}},
      "event_ids": {"clicks": ["…", …], …}          # only when written with --ledger-event-ids
    }

Definitions:

- ``orders``/``by_category``/``by_product``: an order counts once in every category (product) it has a
  line in; ``revenue`` there is the sum of quantity × unit_price of those lines, so the categories'
  revenues add up to ``orders.revenue`` (the sum of the orders' totals), while their order counts may not.
- ``by_city`` and ``by_payment_method``: orders and the sum of their totals; ``by_city.clicks`` counts clicks.
- ``by_hour``: keyed by the event time's UTC hour, ``YYYY-MM-DDTHH``; ``revenue`` is of the purchases.
- ``by_category.clicks``: clicks that name the category (category pages, product pages, cart actions);
  ``product_views``: page "product", action "view".
- ``inventory.by_reason.<reason>.delta``: the sum of the moves' deltas (negative for sales);
  ``inventory.stock_level``: the level after the last acknowledged move of each product that moved.
- ``funnel``: distinct sessions with at least one click on that page (any action); ``purchase``:
  distinct sessions with an order.
- ``ids_digest``: the sum over the topic's event_ids of int(sha256(event_id as UTF-8).hexdigest(), 16),
  modulo 2**256, as 64 lowercase hex digits. Order-free and multiset-exact: the messages read back
  from a topic have the same digest exactly when they are the same event_ids, duplicates included.
- ``run.complete``: true when the run ended as asked (events, duration, or a signal) with every send
  acknowledged; false in a ledger rewritten while running, or after a failure. ``run.unresolved``:
  messages neither acknowledged nor failed when the final flush gave up (they may or may not be in
  Kafka; the ledger does not count them).

``merge`` adds two ledgers (counts, sums, digests); stock levels and run come from the later one.
Sessions cannot be told apart after a save, so a funnel merged from runs that share sessions
counts them twice.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from souk.contract import (
    ACTIONS,
    CATEGORIES,
    CITIES,
    INVENTORY_REASONS,
    PAGES,
    PAYMENT_METHODS,
    SOURCE_TOPICS,
    Click,
    InventoryMove,
    Purchase,
    format_money,
)

FORMAT: Final = "souk-ledger/1"
FUNNEL_STEPS: Final = (*PAGES, "purchase")
DIGEST_MODULUS: Final = 2**256
SOURCE_BASES: Final = tuple(spec.base for spec in SOURCE_TOPICS)
_ZERO: Final = Decimal("0.00")
_HOUR_MS: Final = 3_600_000
_sha256: Final = hashlib.sha256


def id_digest(event_id: str) -> int:
    """One event_id's term of ``ids_digest``: int(sha256(id).hexdigest(), 16), computed from the bytes."""
    return int.from_bytes(_sha256(event_id.encode("utf-8")).digest(), "big")


def ids_digest(event_ids: Iterable[str]) -> str:
    """The ``ids_digest`` of a multiset of event_ids (what a consumer recomputes to compare)."""
    return f"{sum(map(id_digest, event_ids)) % DIGEST_MODULUS:064x}"


def _hour_key(hour_index: int) -> str:
    import time

    return time.strftime("%Y-%m-%dT%H", time.gmtime(hour_index * 3600))


def _money_table(keys: Iterable[str], *counts: str) -> dict[str, dict[str, Any]]:
    return {key: {**dict.fromkeys(counts, 0), "revenue": _ZERO} for key in keys}


@dataclass
class Ledger:
    """Counts and sums of acknowledged events; ``add`` one event at a time, ``save`` as JSON."""

    run: dict[str, Any] = field(default_factory=dict)
    topic_counts: Counter[str] = field(default_factory=Counter)
    topic_digests: dict[str, int] = field(default_factory=dict)
    orders: dict[str, Any] = field(default_factory=lambda: {"count": 0, "revenue": _ZERO, "lines": 0, "units": 0})
    clicks_by_page: Counter[str] = field(default_factory=Counter)
    clicks_by_action: Counter[str] = field(default_factory=Counter)
    by_category: dict[str, dict[str, Any]] = field(
        default_factory=lambda: _money_table(
            CATEGORIES, "clicks", "product_views", "add_to_cart", "remove_from_cart", "orders", "lines", "units"
        )
    )
    by_city: dict[str, dict[str, Any]] = field(default_factory=lambda: _money_table(CITIES, "clicks", "orders"))
    by_payment_method: dict[str, dict[str, Any]] = field(default_factory=lambda: _money_table(PAYMENT_METHODS, "orders"))
    by_hour: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_product: dict[str, dict[str, Any]] = field(default_factory=dict)
    inventory_moves: Counter[str] = field(default_factory=Counter)
    inventory_delta: Counter[str] = field(default_factory=Counter)
    stock_level: dict[str, int] = field(default_factory=dict)
    funnel: Counter[str] = field(default_factory=Counter)
    malformed_by_topic: Counter[str] = field(default_factory=Counter)
    malformed_by_kind: Counter[str] = field(default_factory=Counter)
    failed_by_topic: Counter[str] = field(default_factory=Counter)
    event_ids: dict[str, list[str]] | None = None
    _sessions_at: dict[str, set[str]] = field(default_factory=lambda: {step: set() for step in FUNNEL_STEPS}, repr=False)
    _hour_keys: dict[int, str] = field(default_factory=dict, repr=False)

    def keep_event_ids(self) -> None:
        """Also record every event_id (for ``--ledger-event-ids``)."""
        if self.event_ids is None:
            self.event_ids = {base: [] for base in SOURCE_BASES}

    def add(self, event: Click | Purchase | InventoryMove) -> None:
        """Count one acknowledged valid event."""
        base = event.topic.base
        self.topic_counts[base] += 1
        # Reduced modulo 2**256 when written: a sum of a billion terms is still a small int.
        self.topic_digests[base] = self.topic_digests.get(base, 0) + id_digest(event.event_id)
        if self.event_ids is not None:
            self.event_ids[base].append(event.event_id)
        hour = self._hour(event.event_time_ms)
        hour[base] += 1
        if type(event) is Click:
            self._add_click(event)
        elif type(event) is Purchase:
            self._add_purchase(event, hour)
        elif type(event) is InventoryMove:
            self.inventory_moves[event.reason] += 1
            self.inventory_delta[event.reason] += event.delta
            self.stock_level[event.product_id] = event.stock_level

    def add_malformed(self, topic_base: str, kind: str) -> None:
        """Count one acknowledged malformed message."""
        self.malformed_by_topic[topic_base] += 1
        self.malformed_by_kind[kind] += 1

    def add_failed(self, topic_base: str) -> None:
        """Count one send the broker did not acknowledge."""
        self.failed_by_topic[topic_base] += 1

    @property
    def valid_count(self) -> int:
        return sum(self.topic_counts.values())

    def _hour(self, time_ms: int) -> dict[str, Any]:
        index = time_ms // _HOUR_MS
        key = self._hour_keys.get(index)
        if key is None:
            key = self._hour_keys[index] = _hour_key(index)
        hour = self.by_hour.get(key)
        if hour is None:
            hour = self.by_hour[key] = {"clicks": 0, "purchases": 0, "inventory": 0, "revenue": _ZERO}
        return hour

    def _reach(self, step: str, session_id: str) -> None:
        seen = self._sessions_at[step]
        if session_id not in seen:
            seen.add(session_id)
            self.funnel[step] += 1

    def _product(self, product_id: str) -> dict[str, Any]:
        row = self.by_product.get(product_id)
        if row is None:
            row = self.by_product[product_id] = {"product_views": 0, "orders": 0, "units": 0, "revenue": _ZERO}
        return row

    def _add_click(self, click: Click) -> None:
        self.clicks_by_page[click.page] += 1
        self.clicks_by_action[click.action] += 1
        self.by_city[click.city]["clicks"] += 1
        self._reach(click.page, click.session_id)
        if click.category is not None:
            row = self.by_category[click.category]
            row["clicks"] += 1
            if click.action != "view":
                row[click.action] += 1
            elif click.page == "product":
                row["product_views"] += 1
        if click.product_id is not None and click.page == "product" and click.action == "view":
            self._product(click.product_id)["product_views"] += 1

    def _add_purchase(self, purchase: Purchase, hour: dict[str, Any]) -> None:
        total = purchase.total
        orders = self.orders
        orders["count"] += 1
        orders["revenue"] += total
        orders["lines"] += len(purchase.lines)
        hour["revenue"] += total
        for table, key in ((self.by_city, purchase.city), (self.by_payment_method, purchase.payment_method)):
            table[key]["orders"] += 1
            table[key]["revenue"] += total
        self._reach("purchase", purchase.session_id)
        categories: set[str] = set()
        products: set[str] = set()
        for line in purchase.lines:
            amount = line.unit_price * line.quantity
            orders["units"] += line.quantity
            row = self.by_category[line.category]
            row["lines"] += 1
            row["units"] += line.quantity
            row["revenue"] += amount
            product = self._product(line.product_id)
            product["units"] += line.quantity
            product["revenue"] += amount
            categories.add(line.category)
            products.add(line.product_id)
        for category in categories:
            self.by_category[category]["orders"] += 1
        for product_id in products:
            self.by_product[product_id]["orders"] += 1

    def to_json(self) -> dict[str, Any]:
        """The ledger as the JSON object the module docstring describes."""
        out: dict[str, Any] = {
            "format": FORMAT,
            "run": dict(self.run),
            "topics": {
                base: {"count": self.topic_counts[base], "ids_digest": f"{self.topic_digests.get(base, 0) % DIGEST_MODULUS:064x}"}
                for base in SOURCE_BASES
            },
            "orders": _money_row(self.orders),
            "clicks": {
                "by_page": {page: self.clicks_by_page[page] for page in PAGES},
                "by_action": {action: self.clicks_by_action[action] for action in ACTIONS},
            },
            "by_category": {k: _money_row(v) for k, v in self.by_category.items()},
            "by_city": {k: _money_row(v) for k, v in self.by_city.items()},
            "by_payment_method": {k: _money_row(v) for k, v in self.by_payment_method.items()},
            "by_hour": {k: _money_row(self.by_hour[k]) for k in sorted(self.by_hour)},
            "by_product": {k: _money_row(self.by_product[k]) for k in sorted(self.by_product)},
            "inventory": {
                "by_reason": {r: {"moves": self.inventory_moves[r], "delta": self.inventory_delta[r]} for r in INVENTORY_REASONS},
                "stock_level": dict(sorted(self.stock_level.items())),
            },
            "funnel": {step: self.funnel[step] for step in FUNNEL_STEPS},
            "malformed": {
                "count": sum(self.malformed_by_topic.values()),
                "by_topic": {base: self.malformed_by_topic[base] for base in SOURCE_BASES},
                "by_kind": dict(sorted(self.malformed_by_kind.items())),
            },
            "failed": {
                "count": sum(self.failed_by_topic.values()),
                "by_topic": {base: self.failed_by_topic[base] for base in SOURCE_BASES},
            },
        }
        if self.event_ids is not None:
            out["event_ids"] = {base: list(ids) for base, ids in self.event_ids.items()}
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Ledger:
        """The ledger a ``to_json`` object describes; ValueError if it is not one."""
        if data.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} ledger (format {data.get('format')!r})")
        ledger = cls(run=dict(data["run"]))
        for base, topic in data["topics"].items():
            ledger.topic_counts[base] = topic["count"]
            ledger.topic_digests[base] = int(topic["ids_digest"], 16)
        ledger.orders = _parse_money_row(data["orders"])
        ledger.clicks_by_page.update(data["clicks"]["by_page"])
        ledger.clicks_by_action.update(data["clicks"]["by_action"])
        ledger.by_category = {k: _parse_money_row(v) for k, v in data["by_category"].items()}
        ledger.by_city = {k: _parse_money_row(v) for k, v in data["by_city"].items()}
        ledger.by_payment_method = {k: _parse_money_row(v) for k, v in data["by_payment_method"].items()}
        ledger.by_hour = {k: _parse_money_row(v) for k, v in data["by_hour"].items()}
        ledger.by_product = {k: _parse_money_row(v) for k, v in data["by_product"].items()}
        for reason, row in data["inventory"]["by_reason"].items():
            ledger.inventory_moves[reason] = row["moves"]
            ledger.inventory_delta[reason] = row["delta"]
        ledger.stock_level = dict(data["inventory"]["stock_level"])
        ledger.funnel.update(data["funnel"])
        ledger.malformed_by_topic.update(data["malformed"]["by_topic"])
        ledger.malformed_by_kind.update(data["malformed"]["by_kind"])
        ledger.failed_by_topic.update(data["failed"]["by_topic"])
        if "event_ids" in data:
            ledger.event_ids = {base: list(ids) for base, ids in data["event_ids"].items()}
        return ledger

    def merge(self, later: Ledger) -> Ledger:
        """A new ledger with both ledgers' counts and sums; run and stock levels from ``later``."""
        merged = Ledger.from_json(self.to_json())
        merged.run = dict(later.run)
        merged.topic_counts.update(later.topic_counts)
        for base, digest in later.topic_digests.items():
            merged.topic_digests[base] = (merged.topic_digests.get(base, 0) + digest) % DIGEST_MODULUS
        _add_row(merged.orders, later.orders)
        merged.clicks_by_page.update(later.clicks_by_page)
        merged.clicks_by_action.update(later.clicks_by_action)
        for mine, theirs in (
            (merged.by_category, later.by_category),
            (merged.by_city, later.by_city),
            (merged.by_payment_method, later.by_payment_method),
            (merged.by_hour, later.by_hour),
            (merged.by_product, later.by_product),
        ):
            for key, row in theirs.items():
                if key in mine:
                    _add_row(mine[key], row)
                else:
                    mine[key] = dict(row)
        merged.by_hour = dict(sorted(merged.by_hour.items()))
        merged.inventory_moves.update(later.inventory_moves)
        merged.inventory_delta.update(later.inventory_delta)
        merged.stock_level.update(later.stock_level)
        merged.funnel.update(later.funnel)
        merged.malformed_by_topic.update(later.malformed_by_topic)
        merged.malformed_by_kind.update(later.malformed_by_kind)
        merged.failed_by_topic.update(later.failed_by_topic)
        if merged.event_ids is not None or later.event_ids is not None:
            ids = {base: list((merged.event_ids or {}).get(base, [])) for base in SOURCE_BASES}
            for base, more in (later.event_ids or {}).items():
                ids.setdefault(base, []).extend(more)
            merged.event_ids = ids
        return merged

    def save(self, path: Path) -> None:
        """Write the JSON atomically: a reader sees the previous ledger or this one, never half."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(self.to_json(), f, ensure_ascii=False, indent=1)
                f.write("\n")
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def load(path: Path) -> Ledger:
    """The ledger saved at ``path``."""
    with path.open(encoding="utf-8") as f:
        return Ledger.from_json(json.load(f))


def _money_row(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: format_money(v) if isinstance(v, Decimal) else v for k, v in row.items()}


def _parse_money_row(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: Decimal(v) if k == "revenue" else v for k, v in row.items()}


def _add_row(mine: dict[str, Any], theirs: Mapping[str, Any]) -> None:
    for key, value in theirs.items():
        mine[key] = mine.get(key, 0) + value
