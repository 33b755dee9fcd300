"""The events on souk's topics, as frozen dataclasses that cannot hold an invalid value.

Every event validates itself on construction (``__post_init__``), so a decoded event, one a
producer builds and one made with ``dataclasses.replace`` obey the same rules. Reasons name the
field as ``<event>.<field>``; a purchase line's fields read ``purchase.line.<field>`` until the
decoder, which knows the line's index, reports ``purchase.lines[<i>].<field>``.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import uuid
from dataclasses import dataclass
from decimal import Decimal, DecimalException, getcontext
from typing import ClassVar, Final, Literal, TypeAlias

from souk.contract.checks import (
    SCHEMA_VERSION,
    check_choice,
    check_event_id,
    check_id,
    check_int,
    check_raw_text,
    check_schema_version,
    check_text,
    check_time_ms,
)
from souk.contract.errors import ContractError, shown, type_name
from souk.contract.money import MONEY_CONTEXT, check_money, format_money
from souk.contract.topics import ALERTS, CLICKS, DLQ, INVENTORY, KPIS, PURCHASES, TopicSpec
from souk.contract.vocabulary import (
    ACTIONS,
    ALERT_KINDS,
    CATEGORIES,
    CITIES,
    INVENTORY_REASONS,
    PAGES,
    PAYMENT_METHODS,
    PRODUCT_ACTIONS,
)

__all__ = [
    "MAX_PURCHASE_LINES",
    "SCHEMA_VERSION",
    "Alert",
    "Click",
    "DeadLetter",
    "Event",
    "InventoryMove",
    "Kpi",
    "Purchase",
    "PurchaseLine",
    "RawEncoding",
    "new_event_id",
]

MAX_PURCHASE_LINES: Final = 100
_KAFKA_TOPIC_MAX_LEN: Final = 249

RawEncoding: TypeAlias = Literal["utf-8", "base64"]
_RAW_ENCODINGS: Final = ("utf-8", "base64")


def new_event_id() -> str:
    """A fresh event_id in its canonical spelling."""
    return str(uuid.uuid4())


@dataclass(frozen=True, slots=True, kw_only=True)
class Click:
    """A page view or cart action in a shopping session; keyed by session_id.

    ``product_id`` and ``category`` are required on the product page and for cart actions,
    optional elsewhere.
    """

    topic: ClassVar[TopicSpec] = CLICKS

    event_id: str
    event_time_ms: int
    schema_version: int = SCHEMA_VERSION
    session_id: str
    user_id: str
    city: str
    page: str
    action: str
    product_id: str | None = None
    category: str | None = None

    def __post_init__(self) -> None:
        check_event_id(self.event_id, "click.event_id")
        check_time_ms(self.event_time_ms, "click.event_time_ms")
        check_schema_version(self.schema_version)
        check_id(self.session_id, "click.session_id")
        check_id(self.user_id, "click.user_id")
        check_choice(self.city, "click.city", CITIES, "city")
        check_choice(self.page, "click.page", PAGES, "page")
        check_choice(self.action, "click.action", ACTIONS, "action")
        if self.product_id is not None:
            check_id(self.product_id, "click.product_id")
        if self.category is not None:
            check_choice(self.category, "click.category", CATEGORIES, "category")
        if self.page == "product" or self.action in PRODUCT_ACTIONS:
            when = "page 'product'" if self.page == "product" else f"action {self.action!r}"
            if self.product_id is None:
                raise ContractError(f"required for {when}", field="click.product_id")
            if self.category is None:
                raise ContractError(f"required for {when}", field="click.category")

    def key(self) -> str:
        """The Kafka key: the session, so a session's events stay in order on one partition."""
        return self.session_id


@dataclass(frozen=True, slots=True, kw_only=True)
class PurchaseLine:
    """One product of an order: ``quantity`` units at ``unit_price`` each."""

    product_id: str
    category: str
    quantity: int
    unit_price: Decimal

    def __post_init__(self) -> None:
        check_id(self.product_id, "purchase.line.product_id")
        check_choice(self.category, "purchase.line.category", CATEGORIES, "category")
        check_int(self.quantity, "purchase.line.quantity", 1)
        check_money(self.unit_price, "purchase.line.unit_price", positive=True)

    @property
    def amount(self) -> Decimal:
        """quantity × unit_price, exact."""
        return MONEY_CONTEXT.multiply(self.unit_price, self.quantity)


@dataclass(frozen=True, slots=True, kw_only=True)
class Purchase:
    """An order of one or more lines; ``total`` is exactly the sum of the line amounts."""

    topic: ClassVar[TopicSpec] = PURCHASES

    event_id: str
    event_time_ms: int
    schema_version: int = SCHEMA_VERSION
    order_id: str
    session_id: str
    user_id: str
    city: str
    payment_method: str
    lines: tuple[PurchaseLine, ...]
    total: Decimal

    def __post_init__(self) -> None:
        check_event_id(self.event_id, "purchase.event_id")
        check_time_ms(self.event_time_ms, "purchase.event_time_ms")
        check_schema_version(self.schema_version)
        check_id(self.order_id, "purchase.order_id")
        check_id(self.session_id, "purchase.session_id")
        check_id(self.user_id, "purchase.user_id")
        check_choice(self.city, "purchase.city", CITIES, "city")
        check_choice(self.payment_method, "purchase.payment_method", PAYMENT_METHODS, "payment method")
        check_money(self.total, "purchase.total", positive=True)
        lines = self.lines
        if type(lines) is not tuple:
            raise ContractError(f"must be a tuple, got {type_name(lines)}", field="purchase.lines")
        if not lines:
            raise ContractError("must not be empty", field="purchase.lines")
        if len(lines) > MAX_PURCHASE_LINES:
            problem = f"at most {MAX_PURCHASE_LINES} lines, got {len(lines)}"
            raise ContractError(problem, field="purchase.lines")
        for index, line in enumerate(lines):
            if type(line) is not PurchaseLine:
                problem = f"must be a PurchaseLine, got {type_name(line)}"
                raise ContractError(problem, field=f"purchase.lines[{index}]")
        lines_sum = _lines_sum(lines)
        if lines_sum != self.total:
            problem = f"{format_money(self.total)} != sum of lines {format_money(lines_sum)}"
            raise ContractError(problem, field="purchase.total")

    def key(self) -> str:
        """The Kafka key: the session, the same partition as the clicks that led to the order."""
        return self.session_id


# Operators on the caller's decimal context are 3x faster than MONEY_CONTEXT's methods and still
# exact when its precision is at least 18 digits: a total has at most 16 + 2 digits, so every
# amount and partial sum that could still equal it is exact, and one that rounds was already larger.
_EXACT_ENOUGH_PREC: Final = 18


def _lines_sum(lines: tuple[PurchaseLine, ...]) -> Decimal:
    if getcontext().prec >= _EXACT_ENOUGH_PREC:
        total = Decimal(0)
        try:
            for line in lines:
                total += line.unit_price * line.quantity
            return total
        except DecimalException:
            pass  # the caller's context traps rounding that cannot change the verdict; redo it exactly
    add, multiply = MONEY_CONTEXT.add, MONEY_CONTEXT.multiply
    total = Decimal(0)
    for line in lines:
        total = add(total, multiply(line.unit_price, line.quantity))
    return total


@dataclass(frozen=True, slots=True, kw_only=True)
class InventoryMove:
    """A change of one product's stock; ``stock_level`` is the level after the change."""

    topic: ClassVar[TopicSpec] = INVENTORY

    event_id: str
    event_time_ms: int
    schema_version: int = SCHEMA_VERSION
    product_id: str
    category: str
    delta: int
    reason: str
    stock_level: int

    def __post_init__(self) -> None:
        check_event_id(self.event_id, "inventory.event_id")
        check_time_ms(self.event_time_ms, "inventory.event_time_ms")
        check_schema_version(self.schema_version)
        check_id(self.product_id, "inventory.product_id")
        check_choice(self.category, "inventory.category", CATEGORIES, "category")
        check_int(self.delta, "inventory.delta")
        check_choice(self.reason, "inventory.reason", INVENTORY_REASONS, "reason")
        check_int(self.stock_level, "inventory.stock_level", 0)
        if self.delta == 0:
            raise ContractError("must not be 0", field="inventory.delta")
        if self.reason == "sale" and self.delta > 0:
            problem = f"must be < 0 for reason 'sale', got {self.delta}"
            raise ContractError(problem, field="inventory.delta")
        if self.reason == "restock" and self.delta < 0:
            problem = f"must be > 0 for reason 'restock', got {self.delta}"
            raise ContractError(problem, field="inventory.delta")

    def key(self) -> str:
        """The Kafka key: the product, so its moves stay in order."""
        return self.product_id


@dataclass(frozen=True, slots=True, kw_only=True)
class Kpi:
    """A key figure computed by the processor, over an event-time window or since start.

    ``labels`` is a tuple of (name, value) pairs rather than a dict so that a Kpi stays hashable;
    construction sorts it by name, so the order the caller gives does not matter for equality.
    On the wire it is a JSON object. ``value`` is any finite Decimal with at most 18 digits before
    the point and 12 after (counts, money, ratios).
    """

    topic: ClassVar[TopicSpec] = KPIS

    event_id: str
    event_time_ms: int
    schema_version: int = SCHEMA_VERSION
    name: str
    value: Decimal
    window_start_ms: int | None = None
    window_end_ms: int | None = None
    labels: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        check_event_id(self.event_id, "kpi.event_id")
        check_time_ms(self.event_time_ms, "kpi.event_time_ms")
        check_schema_version(self.schema_version)
        check_id(self.name, "kpi.name")
        _check_kpi_value(self.value)
        start, end = self.window_start_ms, self.window_end_ms
        if start is None and end is not None:
            raise ContractError("required with window_end_ms", field="kpi.window_start_ms")
        if end is None and start is not None:
            raise ContractError("required with window_start_ms", field="kpi.window_end_ms")
        if start is not None and end is not None:
            check_time_ms(start, "kpi.window_start_ms")
            check_time_ms(end, "kpi.window_end_ms")
            if start >= end:
                problem = f"must be > window_start_ms {start}, got {end}"
                raise ContractError(problem, field="kpi.window_end_ms")
        object.__setattr__(self, "labels", _sorted_labels(self.labels))

    def key(self) -> str:
        """The Kafka key: the KPI name."""
        return self.name

    @property
    def label_map(self) -> dict[str, str]:
        """The labels as a fresh dict."""
        return dict(self.labels)


_KPI_VALUE_INTEGER_DIGITS: Final = 18
_KPI_VALUE_PLACES: Final = 12


def _check_kpi_value(value: object) -> None:
    if type(value) is not Decimal:
        raise ContractError(f"must be a Decimal, got {type_name(value)}", field="kpi.value")
    if not value.is_finite():
        raise ContractError(f"must be finite, got {value}", field="kpi.value")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -_KPI_VALUE_PLACES:
        problem = f"more than {_KPI_VALUE_PLACES} decimal places"
        raise ContractError(problem, field="kpi.value")
    if value and value.adjusted() >= _KPI_VALUE_INTEGER_DIGITS:
        problem = f"more than {_KPI_VALUE_INTEGER_DIGITS} digits before the point"
        raise ContractError(problem, field="kpi.value")


def _sorted_labels(labels: object) -> tuple[tuple[str, str], ...]:
    if type(labels) is not tuple:
        raise ContractError(f"must be a tuple of pairs, got {type_name(labels)}", field="kpi.labels")
    pairs: list[tuple[str, str]] = []
    for pair in labels:
        if type(pair) is not tuple or len(pair) != 2:
            raise ContractError(f"not a (name, value) pair: {shown(pair)}", field="kpi.labels")
        name, value = pair
        check_id(name, "kpi.labels")
        check_raw_text(value, f"kpi.labels.{name}")
        pairs.append((name, value))
    pairs.sort()
    for (name, _), (next_name, _) in itertools.pairwise(pairs):
        if name == next_name:
            raise ContractError(f"label {name!r} given twice", field="kpi.labels")
    return tuple(pairs)


@dataclass(frozen=True, slots=True, kw_only=True)
class Alert:
    """Something an operator should look at, raised by the processor.

    ``low_stock`` needs ``product_id`` and ``stock_level``, its ``threshold`` is an int (units);
    ``high_ticket`` needs ``order_id`` and ``amount``, its ``threshold`` is money (a Decimal).
    """

    topic: ClassVar[TopicSpec] = ALERTS

    event_id: str
    event_time_ms: int
    schema_version: int = SCHEMA_VERSION
    kind: str
    message: str
    product_id: str | None = None
    order_id: str | None = None
    city: str | None = None
    amount: Decimal | None = None
    stock_level: int | None = None
    threshold: int | Decimal | None = None

    def __post_init__(self) -> None:
        check_event_id(self.event_id, "alert.event_id")
        check_time_ms(self.event_time_ms, "alert.event_time_ms")
        check_schema_version(self.schema_version)
        check_choice(self.kind, "alert.kind", ALERT_KINDS, "alert kind")
        check_text(self.message, "alert.message")
        if self.product_id is not None:
            check_id(self.product_id, "alert.product_id")
        if self.order_id is not None:
            check_id(self.order_id, "alert.order_id")
        if self.city is not None:
            check_choice(self.city, "alert.city", CITIES, "city")
        if self.amount is not None:
            check_money(self.amount, "alert.amount", positive=True)
        if self.stock_level is not None:
            check_int(self.stock_level, "alert.stock_level", 0)
        if self.kind == "low_stock":
            self._require("product_id", "stock_level")
            if self.threshold is not None:
                if type(self.threshold) is not int:
                    problem = f"must be an int for kind 'low_stock', got {type_name(self.threshold)}"
                    raise ContractError(problem, field="alert.threshold")
                check_int(self.threshold, "alert.threshold", 0)
        else:
            self._require("order_id", "amount")
            if self.threshold is not None:
                if type(self.threshold) is not Decimal:
                    problem = f"must be money for kind 'high_ticket', got {type_name(self.threshold)}"
                    raise ContractError(problem, field="alert.threshold")
                check_money(self.threshold, "alert.threshold", positive=True)

    def _require(self, *fields: str) -> None:
        for field in fields:
            if getattr(self, field) is None:
                raise ContractError(f"required for kind {self.kind!r}", field=f"alert.{field}")

    def key(self) -> str:
        """The Kafka key: the alert kind."""
        return self.kind


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadLetter:
    """A message a consumer could not accept, as written to the ``dlq`` topic.

    ``raw`` is the original value: as text when it was valid UTF-8 (``raw_encoding`` "utf-8"),
    otherwise base64 (``raw_encoding`` "base64"). ``origin_topic`` is the full topic name,
    prefix included. Build one with ``souk.contract.dead_letter``.
    """

    topic: ClassVar[TopicSpec] = DLQ

    error: str
    origin_topic: str
    origin_partition: int
    origin_offset: int
    raw: str
    raw_encoding: RawEncoding
    service: str
    failed_at_ms: int

    def __post_init__(self) -> None:
        check_text(self.error, "dlq.error")
        check_text(self.origin_topic, "dlq.origin_topic", _KAFKA_TOPIC_MAX_LEN)
        check_int(self.origin_partition, "dlq.origin_partition", 0)
        check_int(self.origin_offset, "dlq.origin_offset", 0)
        check_raw_text(self.raw, "dlq.raw")
        check_choice(self.raw_encoding, "dlq.raw_encoding", _RAW_ENCODINGS, "raw encoding")
        check_id(self.service, "dlq.service")
        check_time_ms(self.failed_at_ms, "dlq.failed_at_ms")
        if self.raw_encoding == "base64":
            try:
                base64.b64decode(self.raw, validate=True)
            except (binascii.Error, ValueError):
                raise ContractError("not valid base64", field="dlq.raw") from None

    def key(self) -> str:
        """The Kafka key: the topic the message came from."""
        return self.origin_topic

    def raw_bytes(self) -> bytes:
        """The original message value, byte for byte."""
        if self.raw_encoding == "base64":
            return base64.b64decode(self.raw, validate=True)
        return self.raw.encode("utf-8")


Event: TypeAlias = Click | Purchase | InventoryMove | Kpi | Alert | DeadLetter
"""Anything that travels on a souk topic."""
