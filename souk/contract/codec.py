"""Events to and from the wire: values are compact UTF-8 JSON objects, keys UTF-8 strings.

Money travels as a decimal string with two places ("245.50"). Optional fields that are None are
left out when encoding; decoding accepts them absent or null. Decoding is strict: a field the
contract does not name is rejected, so a typo in a producer fails loudly instead of being lost.
Every decoder raises ContractError, whose ``reason`` is meant for the DLQ ``error`` field.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Final, NamedTuple, NoReturn

from souk.contract.checks import SCHEMA_VERSION, TEXT_MAX_LEN
from souk.contract.errors import ContractError, plain, shown, type_name
from souk.contract.events import (
    MAX_PURCHASE_LINES,
    Alert,
    Click,
    DeadLetter,
    Event,
    InventoryMove,
    Kpi,
    Purchase,
    PurchaseLine,
    RawEncoding,
)
from souk.contract.money import format_money, parse_money
from souk.contract.topics import ALERTS, CLICKS, DLQ, INVENTORY, KPIS, PURCHASES

__all__ = [
    "dead_letter",
    "decode",
    "decode_alert",
    "decode_click",
    "decode_dead_letter",
    "decode_inventory",
    "decode_kpi",
    "decode_purchase",
    "encode",
    "encode_key",
    "from_dict",
    "to_dict",
]

JsonObject = dict[str, Any]


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not allowed")


_ENCODER: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False, allow_nan=False)
_DECODER: Final = json.JSONDecoder(parse_constant=_reject_constant)
_KPI_VALUE_TEXT: Final = re.compile(r"-?[0-9]{1,18}(?:\.[0-9]{1,12})?").fullmatch


class _Shape(NamedTuple):
    """The fields of one kind of JSON object: all of them in wire order, and which may be absent."""

    where: str | None
    names: tuple[str, ...]
    allowed: frozenset[str]
    optional: frozenset[str]


def _shape(where: str | None, names: str, optional: str = "") -> _Shape:
    return _Shape(where, tuple(names.split()), frozenset(names.split()), frozenset(optional.split()))


_COMMON: Final = "event_id event_time_ms schema_version "
_CLICK: Final = _shape(None, _COMMON + "session_id user_id city page action product_id category", "product_id category")
_PURCHASE: Final = _shape(None, _COMMON + "order_id session_id user_id city payment_method lines total")
_LINE: Final = _shape("purchase.line", "product_id category quantity unit_price")
_INVENTORY: Final = _shape(None, _COMMON + "product_id category delta reason stock_level")
_KPI: Final = _shape(None, _COMMON + "name value window_start_ms window_end_ms labels", "window_start_ms window_end_ms")
_ALERT: Final = _shape(
    None,
    _COMMON + "kind message product_id order_id city amount stock_level threshold",
    "product_id order_id city amount stock_level threshold",
)
_DEAD_LETTER: Final = _shape(None, "error origin_topic origin_partition origin_offset raw raw_encoding service failed_at_ms")


def _check_fields(d: JsonObject, shape: _Shape) -> None:
    # An object with no optional fields and the right number of keys is checked by the decoder's
    # d[name] lookups: a wrong name among them raises KeyError, which _fields_error explains.
    if len(d) != len(shape.names) or shape.optional:
        _explain_fields(d, shape)


def _explain_fields(d: JsonObject, shape: _Shape) -> None:
    """Raise for the first unexpected, then the first missing field; return if there is none."""
    if not shape.allowed.issuperset(d):
        unexpected = sorted((name for name in d if name not in shape.allowed), key=str)
        raise ContractError(f"unexpected field: {plain(str(unexpected[0]))}", field=shape.where)
    if len(d) != len(shape.names):
        for name in shape.names:
            if name not in d and name not in shape.optional:
                raise ContractError(f"missing field: {name}", field=shape.where)


def _fields_error(d: JsonObject, shape: _Shape) -> ContractError:
    try:
        _explain_fields(d, shape)
    except ContractError as error:
        return error
    raise AssertionError(f"a lookup failed, yet {sorted(d)} fit {shape.names}")


def _check_version(d: JsonObject) -> None:
    # Checked before the field names: another version may name its fields differently.
    version = d.get("schema_version")
    if type(version) is int and version == SCHEMA_VERSION:
        return
    if "schema_version" not in d:
        raise ContractError("missing field: schema_version")
    if type(version) is not int:
        raise ContractError(f"must be an int, got {type_name(version)}", field="schema_version")
    raise ContractError(f"schema_version {version} not supported")


def _load(raw: bytes) -> JsonObject:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ContractError(f"invalid UTF-8 at byte {error.start}") from None
    except AttributeError:
        raise ContractError(f"value must be bytes, got {type_name(raw)}") from None
    try:
        value = _DECODER.decode(text)
    except json.JSONDecodeError as error:
        raise ContractError(f"invalid JSON: {error.msg} at line {error.lineno} column {error.colno}") from None
    except RecursionError:
        raise ContractError("invalid JSON: nested too deeply") from None
    except ValueError as error:
        raise ContractError(f"invalid JSON: {plain(str(error), 80)}") from None
    if type(value) is not dict:
        raise ContractError("not a JSON object")
    return value


def _object(d: object) -> JsonObject:
    if not isinstance(d, dict):
        raise ContractError("not a JSON object")
    return d


def _click_from_dict(d: JsonObject) -> Click:
    _check_version(d)
    _check_fields(d, _CLICK)
    return Click(
        event_id=d["event_id"],
        event_time_ms=d["event_time_ms"],
        schema_version=d["schema_version"],
        session_id=d["session_id"],
        user_id=d["user_id"],
        city=d["city"],
        page=d["page"],
        action=d["action"],
        product_id=d.get("product_id"),
        category=d.get("category"),
    )


def _line_from_dict(d: object) -> PurchaseLine:
    if type(d) is not dict:
        raise ContractError(f"must be an object, got {type_name(d)}", field="purchase.line")
    _check_fields(d, _LINE)
    try:
        return PurchaseLine(
            product_id=d["product_id"],
            category=d["category"],
            quantity=d["quantity"],
            unit_price=parse_money(d["unit_price"], "purchase.line.unit_price"),
        )
    except KeyError:
        raise _fields_error(d, _LINE) from None


def _lines_from_list(items: object) -> tuple[PurchaseLine, ...]:
    if type(items) is not list:
        raise ContractError(f"must be a list, got {type_name(items)}", field="purchase.lines")
    if not items:
        raise ContractError("must not be empty", field="purchase.lines")
    if len(items) > MAX_PURCHASE_LINES:
        raise ContractError(f"at most {MAX_PURCHASE_LINES} lines, got {len(items)}", field="purchase.lines")
    lines = []
    for index, item in enumerate(items):
        try:
            lines.append(_line_from_dict(item))
        except ContractError as error:
            # A line does not know its index; name it here, where the index is known.
            field = error.field or "purchase.line"
            raise error.relocated(f"purchase.lines[{index}]" + field.removeprefix("purchase.line")) from None
    return tuple(lines)


def _purchase_from_dict(d: JsonObject) -> Purchase:
    _check_version(d)
    _check_fields(d, _PURCHASE)
    try:
        return Purchase(
            event_id=d["event_id"],
            event_time_ms=d["event_time_ms"],
            schema_version=d["schema_version"],
            order_id=d["order_id"],
            session_id=d["session_id"],
            user_id=d["user_id"],
            city=d["city"],
            payment_method=d["payment_method"],
            lines=_lines_from_list(d["lines"]),
            total=parse_money(d["total"], "purchase.total"),
        )
    except KeyError:
        raise _fields_error(d, _PURCHASE) from None


def _inventory_from_dict(d: JsonObject) -> InventoryMove:
    _check_version(d)
    _check_fields(d, _INVENTORY)
    try:
        return InventoryMove(
            event_id=d["event_id"],
            event_time_ms=d["event_time_ms"],
            schema_version=d["schema_version"],
            product_id=d["product_id"],
            category=d["category"],
            delta=d["delta"],
            reason=d["reason"],
            stock_level=d["stock_level"],
        )
    except KeyError:
        raise _fields_error(d, _INVENTORY) from None


def _kpi_value(value: object) -> Decimal:
    if type(value) is str and _KPI_VALUE_TEXT(value) is not None:
        return Decimal(value)
    got = shown(value) if type(value) is str else type_name(value)
    raise ContractError(f"must be a decimal string, got {got}", field="kpi.value")


def _kpi_from_dict(d: JsonObject) -> Kpi:
    _check_version(d)
    _check_fields(d, _KPI)
    labels = d["labels"]
    if type(labels) is not dict:
        raise ContractError(f"must be an object, got {type_name(labels)}", field="kpi.labels")
    return Kpi(
        event_id=d["event_id"],
        event_time_ms=d["event_time_ms"],
        schema_version=d["schema_version"],
        name=d["name"],
        value=_kpi_value(d["value"]),
        window_start_ms=d.get("window_start_ms"),
        window_end_ms=d.get("window_end_ms"),
        labels=tuple(labels.items()),
    )


def _alert_from_dict(d: JsonObject) -> Alert:
    _check_version(d)
    _check_fields(d, _ALERT)
    amount = d.get("amount")
    threshold = d.get("threshold")
    # A high_ticket threshold is money, a low_stock one a number of units; Alert checks the rest.
    if threshold is not None and d.get("kind") == "high_ticket":
        threshold = parse_money(threshold, "alert.threshold")
    return Alert(
        event_id=d["event_id"],
        event_time_ms=d["event_time_ms"],
        schema_version=d["schema_version"],
        kind=d["kind"],
        message=d["message"],
        product_id=d.get("product_id"),
        order_id=d.get("order_id"),
        city=d.get("city"),
        amount=None if amount is None else parse_money(amount, "alert.amount"),
        stock_level=d.get("stock_level"),
        threshold=threshold,
    )


def _dead_letter_from_dict(d: JsonObject) -> DeadLetter:
    _check_fields(d, _DEAD_LETTER)
    try:
        return DeadLetter(
            error=d["error"],
            origin_topic=d["origin_topic"],
            origin_partition=d["origin_partition"],
            origin_offset=d["origin_offset"],
            raw=d["raw"],
            raw_encoding=d["raw_encoding"],
            service=d["service"],
            failed_at_ms=d["failed_at_ms"],
        )
    except KeyError:
        raise _fields_error(d, _DEAD_LETTER) from None


_FROM_DICT: Final[dict[str, Callable[[JsonObject], Event]]] = {
    CLICKS.base: _click_from_dict,
    PURCHASES.base: _purchase_from_dict,
    INVENTORY.base: _inventory_from_dict,
    KPIS.base: _kpi_from_dict,
    ALERTS.base: _alert_from_dict,
    DLQ.base: _dead_letter_from_dict,
}


def from_dict(topic_base: str, d: object) -> Event:
    """The event an already parsed JSON value holds, validated as ``decode`` would."""
    parse = _FROM_DICT.get(topic_base)
    if parse is None:
        raise ContractError(f"unknown topic {shown(topic_base)}")
    return parse(_object(d))


def decode(topic_base: str, raw: bytes) -> Event:
    """The event a message value on topic ``topic_base`` (the name without prefix) holds."""
    parse = _FROM_DICT.get(topic_base)
    if parse is None:
        raise ContractError(f"unknown topic {shown(topic_base)}")
    return parse(_load(raw))


def decode_click(raw: bytes) -> Click:
    """The Click a ``clicks`` message value holds."""
    return _click_from_dict(_load(raw))


def decode_purchase(raw: bytes) -> Purchase:
    """The Purchase a ``purchases`` message value holds."""
    return _purchase_from_dict(_load(raw))


def decode_inventory(raw: bytes) -> InventoryMove:
    """The InventoryMove an ``inventory`` message value holds."""
    return _inventory_from_dict(_load(raw))


def decode_kpi(raw: bytes) -> Kpi:
    """The Kpi a ``kpis`` message value holds."""
    return _kpi_from_dict(_load(raw))


def decode_alert(raw: bytes) -> Alert:
    """The Alert an ``alerts`` message value holds."""
    return _alert_from_dict(_load(raw))


def decode_dead_letter(raw: bytes) -> DeadLetter:
    """The DeadLetter a ``dlq`` message value holds."""
    return _dead_letter_from_dict(_load(raw))


def _common(event: Click | Purchase | InventoryMove | Kpi | Alert) -> JsonObject:
    return {"event_id": event.event_id, "event_time_ms": event.event_time_ms, "schema_version": event.schema_version}


def _click_to_dict(event: Click) -> JsonObject:
    d = _common(event)
    d["session_id"] = event.session_id
    d["user_id"] = event.user_id
    d["city"] = event.city
    d["page"] = event.page
    d["action"] = event.action
    if event.product_id is not None:
        d["product_id"] = event.product_id
    if event.category is not None:
        d["category"] = event.category
    return d


def _purchase_to_dict(event: Purchase) -> JsonObject:
    d = _common(event)
    d["order_id"] = event.order_id
    d["session_id"] = event.session_id
    d["user_id"] = event.user_id
    d["city"] = event.city
    d["payment_method"] = event.payment_method
    d["lines"] = [
        {
            "product_id": line.product_id,
            "category": line.category,
            "quantity": line.quantity,
            "unit_price": format_money(line.unit_price),
        }
        for line in event.lines
    ]
    d["total"] = format_money(event.total)
    return d


def _inventory_to_dict(event: InventoryMove) -> JsonObject:
    d = _common(event)
    d["product_id"] = event.product_id
    d["category"] = event.category
    d["delta"] = event.delta
    d["reason"] = event.reason
    d["stock_level"] = event.stock_level
    return d


def _kpi_to_dict(event: Kpi) -> JsonObject:
    d = _common(event)
    d["name"] = event.name
    d["value"] = f"{event.value:f}"
    if event.window_start_ms is not None:
        d["window_start_ms"] = event.window_start_ms
    if event.window_end_ms is not None:
        d["window_end_ms"] = event.window_end_ms
    d["labels"] = dict(event.labels)
    return d


def _alert_to_dict(event: Alert) -> JsonObject:
    d = _common(event)
    d["kind"] = event.kind
    d["message"] = event.message
    if event.product_id is not None:
        d["product_id"] = event.product_id
    if event.order_id is not None:
        d["order_id"] = event.order_id
    if event.city is not None:
        d["city"] = event.city
    if event.amount is not None:
        d["amount"] = format_money(event.amount)
    if event.stock_level is not None:
        d["stock_level"] = event.stock_level
    if isinstance(event.threshold, Decimal):
        d["threshold"] = format_money(event.threshold)
    elif event.threshold is not None:
        d["threshold"] = event.threshold
    return d


def _dead_letter_to_dict(event: DeadLetter) -> JsonObject:
    return {
        "error": event.error,
        "origin_topic": event.origin_topic,
        "origin_partition": event.origin_partition,
        "origin_offset": event.origin_offset,
        "raw": event.raw,
        "raw_encoding": event.raw_encoding,
        "service": event.service,
        "failed_at_ms": event.failed_at_ms,
    }


_TO_DICT: Final[dict[type, Callable[[Any], JsonObject]]] = {
    Click: _click_to_dict,
    Purchase: _purchase_to_dict,
    InventoryMove: _inventory_to_dict,
    Kpi: _kpi_to_dict,
    Alert: _alert_to_dict,
    DeadLetter: _dead_letter_to_dict,
}


def to_dict(event: Event) -> JsonObject:
    """The JSON object ``event`` is written as (money as strings, None fields left out)."""
    write = _TO_DICT.get(type(event))
    if write is None:
        raise ContractError(f"not a souk event: {type_name(event)}")
    return write(event)


def encode(event: Event) -> bytes:
    """The message value for ``event``: compact JSON, UTF-8, non-ASCII kept as is ("Fès")."""
    return _ENCODER.encode(to_dict(event)).encode("utf-8")


def encode_key(event: Event) -> bytes:
    """The message key for ``event``, as its topic's DESIGN.md row says."""
    return event.key().encode("utf-8")


def dead_letter(
    raw: bytes | None,
    error: str,
    topic: str,
    partition: int,
    offset: int,
    service: str,
    now_ms: int,
) -> DeadLetter:
    """The DLQ record for a message that ``service`` could not accept.

    ``raw`` is kept as text when it is valid UTF-8 and as base64 otherwise; a null value (a
    tombstone) becomes "". ``error`` is folded onto one line and cut to the length the contract
    allows, so that building the record cannot fail on a long exception text.
    """
    value = b"" if raw is None else bytes(raw)
    encoding: RawEncoding
    try:
        text = value.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError:
        text = base64.b64encode(value).decode("ascii")
        encoding = "base64"
    one_line = " ".join(error.split()) or "unknown error"
    if len(one_line) > TEXT_MAX_LEN:
        one_line = one_line[: TEXT_MAX_LEN - 3] + "..."
    return DeadLetter(
        error=one_line,
        origin_topic=topic,
        origin_partition=partition,
        origin_offset=offset,
        raw=text,
        raw_encoding=encoding,
        service=service,
        failed_at_ms=now_ms,
    )
