"""Every contract rule rejects what breaks it, with a reason that names the field."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from decimal import Decimal
from typing import Any

import pytest

from souk.contract import (
    Alert,
    ContractError,
    Kpi,
    Purchase,
    PurchaseLine,
    decode,
    decode_alert,
    decode_kpi,
    decode_purchase,
    from_dict,
)

EVENT_ID = "6f1c1d2e-8b7a-4c3d-9e0f-112233445566"
T0 = 1_764_000_000_000
DROP = object()
"""A patch value that removes the field."""

VALID: dict[str, dict[str, Any]] = {
    "clicks": {
        "event_id": EVENT_ID,
        "event_time_ms": T0,
        "schema_version": 1,
        "session_id": "s-42",
        "user_id": "u-7",
        "city": "Fès",
        "page": "product",
        "action": "view",
        "product_id": "P0001",
        "category": "Home & Garden",
    },
    "purchases": {
        "event_id": EVENT_ID,
        "event_time_ms": T0,
        "schema_version": 1,
        "order_id": "O-1001",
        "session_id": "s-42",
        "user_id": "u-7",
        "city": "Rabat",
        "payment_method": "Credit Card",
        "lines": [
            {"product_id": "P0001", "category": "Home & Garden", "quantity": 2, "unit_price": "100.25"},
            {"product_id": "P0002", "category": "Electronics", "quantity": 1, "unit_price": "45.00"},
        ],
        "total": "245.50",
    },
    "inventory": {
        "event_id": EVENT_ID,
        "event_time_ms": T0,
        "schema_version": 1,
        "product_id": "P0001",
        "category": "Sports",
        "delta": -2,
        "reason": "sale",
        "stock_level": 18,
    },
    "kpis": {
        "event_id": EVENT_ID,
        "event_time_ms": T0,
        "schema_version": 1,
        "name": "revenue_60s",
        "value": "1234.56",
        "window_start_ms": T0 - 60_000,
        "window_end_ms": T0,
        "labels": {"city": "Tanger"},
    },
    "alerts": {
        "event_id": EVENT_ID,
        "event_time_ms": T0,
        "schema_version": 1,
        "kind": "high_ticket",
        "message": "order O-1001 of 1500.00 MAD",
        "order_id": "O-1001",
        "amount": "1500.00",
        "threshold": "1000.00",
    },
    "dlq": {
        "error": "invalid JSON: Expecting value at line 1 column 1",
        "origin_topic": "clicks",
        "origin_partition": 0,
        "origin_offset": 7,
        "raw": "",
        "raw_encoding": "utf-8",
        "service": "processor",
        "failed_at_ms": T0,
    },
}

LOW_STOCK = {
    "event_id": EVENT_ID,
    "event_time_ms": T0,
    "schema_version": 1,
    "kind": "low_stock",
    "message": "P0001 is down to 3 units",
    "product_id": "P0001",
    "stock_level": 3,
    "threshold": 5,
}


def patched(d: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of ``d`` with each "a.b[1].c" path set to its value (DROP removes it)."""
    result = copy.deepcopy(d)
    for path, value in patch.items():
        *parents, leaf = re.findall(r"[^.\[\]]+", path)
        target: Any = result
        for step in parents:
            target = target[int(step)] if step.isdigit() else target[step]
        if value is DROP:
            del target[leaf]
        elif isinstance(target, list):
            target[int(leaf)] = value
        else:
            target[leaf] = value
    return result


def test_the_valid_samples_are_valid() -> None:
    for topic, d in [*VALID.items(), ("alerts", LOW_STOCK)]:
        assert from_dict(topic, d) is not None
        assert decode(topic, json.dumps(d).encode()) == from_dict(topic, d)


TOO_LONG_ID = "x" * 65
MANY_LINES = [{"product_id": "P1", "category": "Sports", "quantity": 1, "unit_price": "1.00"}] * 101

# (topic, patch, reason); the patch turns a valid sample into one that breaks one rule.
WIRE_REJECTIONS: list[tuple[str, dict[str, Any], str]] = [
    # every event
    ("clicks", {"event_id": "not-a-uuid"}, "click.event_id: not a canonical UUID: 'not-a-uuid'"),
    ("clicks", {"event_id": EVENT_ID.upper()}, f"click.event_id: not a canonical UUID: '{EVENT_ID.upper()}'"),
    ("clicks", {"event_id": EVENT_ID.replace("-", "")}, "click.event_id: not a canonical UUID: '6f1c1d2e8b7a4c3d9e0f112233445566'"),
    ("clicks", {"event_id": 42}, "click.event_id: must be a UUID string, got int"),
    ("purchases", {"event_id": ""}, "purchase.event_id: not a canonical UUID: ''"),
    ("inventory", {"event_id": None}, "inventory.event_id: must be a UUID string, got null"),
    ("kpis", {"event_id": "x"}, "kpi.event_id: not a canonical UUID: 'x'"),
    ("alerts", {"event_id": "x"}, "alert.event_id: not a canonical UUID: 'x'"),
    ("clicks", {"event_time_ms": 1.764e12}, "click.event_time_ms: must be an int, got float"),
    ("clicks", {"event_time_ms": True}, "click.event_time_ms: must be an int, got bool"),
    ("clicks", {"event_time_ms": "1764000000000"}, "click.event_time_ms: must be an int, got str"),
    ("clicks", {"event_time_ms": 1_764_000_000}, "click.event_time_ms: 1764000000 is not epoch ms in [2000-01-01, 2100-01-01)"),
    (
        "purchases",
        {"event_time_ms": 4_102_444_800_000},
        "purchase.event_time_ms: 4102444800000 is not epoch ms in [2000-01-01, 2100-01-01)",
    ),
    ("inventory", {"event_time_ms": -1}, "inventory.event_time_ms: -1 is not epoch ms in [2000-01-01, 2100-01-01)"),
    ("clicks", {"schema_version": 2}, "schema_version 2 not supported"),
    ("clicks", {"schema_version": 0}, "schema_version 0 not supported"),
    ("clicks", {"schema_version": 2, "referrer": "ad"}, "schema_version 2 not supported"),
    ("clicks", {"schema_version": "1"}, "schema_version: must be an int, got str"),
    ("clicks", {"schema_version": True}, "schema_version: must be an int, got bool"),
    ("clicks", {"schema_version": 1.0}, "schema_version: must be an int, got float"),
    ("purchases", {"schema_version": DROP}, "missing field: schema_version"),
    ("clicks", {"event_id": DROP}, "missing field: event_id"),
    ("clicks", {"session_id": DROP}, "missing field: session_id"),
    ("clicks", {"foo": 1}, "unexpected field: foo"),
    ("clicks", {"product_id": DROP, "productId": "P0001"}, "unexpected field: productId"),
    ("purchases", {"total": DROP}, "missing field: total"),
    ("purchases", {"coupon": "X"}, "unexpected field: coupon"),
    ("purchases", {"total": DROP, "totl": "245.50"}, "unexpected field: totl"),
    ("inventory", {"delta": DROP, "change": -2}, "unexpected field: change"),
    ("inventory", {"stock_level": DROP}, "missing field: stock_level"),
    ("kpis", {"labels": DROP}, "missing field: labels"),
    ("kpis", {"unit": "MAD"}, "unexpected field: unit"),
    ("alerts", {"severity": "high"}, "unexpected field: severity"),
    ("alerts", {"message": DROP}, "missing field: message"),
    ("dlq", {"raw": DROP, "value": ""}, "unexpected field: value"),
    ("dlq", {"service": DROP}, "missing field: service"),
    # identifiers and text
    ("clicks", {"session_id": ""}, "click.session_id: must not be empty"),
    ("clicks", {"session_id": TOO_LONG_ID}, "click.session_id: longer than 64 characters"),
    ("clicks", {"user_id": None}, "click.user_id: must be a string, got null"),
    ("clicks", {"user_id": 7}, "click.user_id: must be a string, got int"),
    ("clicks", {"product_id": "P\ud800"}, "click.product_id: contains a lone surrogate"),
    ("purchases", {"order_id": ""}, "purchase.order_id: must not be empty"),
    ("purchases", {"session_id": ["s"]}, "purchase.session_id: must be a string, got list"),
    ("inventory", {"product_id": TOO_LONG_ID}, "inventory.product_id: longer than 64 characters"),
    # vocabularies
    ("clicks", {"city": "Paris"}, "click.city: unknown city 'Paris'"),
    ("clicks", {"city": "Fes"}, "click.city: unknown city 'Fes'"),
    ("clicks", {"city": "fès"}, "click.city: unknown city 'fès'"),
    ("clicks", {"city": 3}, "click.city: must be a string, got int"),
    ("clicks", {"city": {"name": "Rabat"}}, "click.city: must be a string, got dict"),
    ("clicks", {"page": "about"}, "click.page: unknown page 'about'"),
    ("clicks", {"action": "buy"}, "click.action: unknown action 'buy'"),
    ("clicks", {"category": "Toys"}, "click.category: unknown category 'Toys'"),
    ("clicks", {"page": "home", "product_id": DROP, "category": "home & garden"}, "click.category: unknown category 'home & garden'"),
    ("purchases", {"city": "Paris"}, "purchase.city: unknown city 'Paris'"),
    ("purchases", {"payment_method": "Bitcoin"}, "purchase.payment_method: unknown payment method 'Bitcoin'"),
    ("inventory", {"category": "Toys"}, "inventory.category: unknown category 'Toys'"),
    ("inventory", {"reason": "theft"}, "inventory.reason: unknown reason 'theft'"),
    ("alerts", {"kind": "fraud"}, "alert.kind: unknown alert kind 'fraud'"),
    ("alerts", {"city": "Paris"}, "alert.city: unknown city 'Paris'"),
    ("dlq", {"raw_encoding": "hex"}, "dlq.raw_encoding: unknown raw encoding 'hex'"),
    # click: a product page or a cart action names the product
    ("clicks", {"product_id": DROP}, "click.product_id: required for page 'product'"),
    ("clicks", {"product_id": None}, "click.product_id: required for page 'product'"),
    ("clicks", {"category": DROP}, "click.category: required for page 'product'"),
    (
        "clicks",
        {"page": "cart", "action": "remove_from_cart", "product_id": DROP},
        "click.product_id: required for action 'remove_from_cart'",
    ),
    ("clicks", {"page": "category", "action": "add_to_cart", "category": None}, "click.category: required for action 'add_to_cart'"),
    # purchase: money, lines, total
    ("purchases", {"total": 245.5}, "purchase.total: money must be a decimal string with 2 places, got float"),
    ("purchases", {"total": 245}, "purchase.total: money must be a decimal string with 2 places, got int"),
    ("purchases", {"total": "245.5"}, "purchase.total: money must be a decimal string with 2 places, got '245.5'"),
    ("purchases", {"total": "245.500"}, "purchase.total: money must be a decimal string with 2 places, got '245.500'"),
    ("purchases", {"total": "12345678901234567.00"}, "purchase.total: money out of range (at most 16 digits before the point)"),
    ("purchases", {"total": "100.00"}, "purchase.total: 100.00 != sum of lines 245.50"),
    ("purchases", {"total": "245.51"}, "purchase.total: 245.51 != sum of lines 245.50"),
    ("purchases", {"total": "0.00"}, "purchase.total: must be > 0, got 0.00"),
    ("purchases", {"total": "-245.50"}, "purchase.total: must be > 0, got -245.50"),
    ("purchases", {"lines": []}, "purchase.lines: must not be empty"),
    ("purchases", {"lines": {"P0001": 2}}, "purchase.lines: must be a list, got dict"),
    ("purchases", {"lines": None}, "purchase.lines: must be a list, got null"),
    ("purchases", {"lines": MANY_LINES, "total": "101.00"}, "purchase.lines: at most 100 lines, got 101"),
    ("purchases", {"lines[1]": "P0002"}, "purchase.lines[1]: must be an object, got str"),
    ("purchases", {"lines[1].quantity": 0}, "purchase.lines[1].quantity: must be > 0, got 0"),
    ("purchases", {"lines[1].quantity": -1}, "purchase.lines[1].quantity: must be > 0, got -1"),
    ("purchases", {"lines[0].quantity": True}, "purchase.lines[0].quantity: must be an int, got bool"),
    ("purchases", {"lines[0].quantity": 2.0}, "purchase.lines[0].quantity: must be an int, got float"),
    ("purchases", {"lines[0].quantity": 2**63}, "purchase.lines[0].quantity: out of int64 range"),
    ("purchases", {"lines[0].unit_price": 100.25}, "purchase.lines[0].unit_price: money must be a decimal string with 2 places, got float"),
    (
        "purchases",
        {"lines[0].unit_price": "100.250"},
        "purchase.lines[0].unit_price: money must be a decimal string with 2 places, got '100.250'",
    ),
    ("purchases", {"lines[0].unit_price": "0.00"}, "purchase.lines[0].unit_price: must be > 0, got 0.00"),
    ("purchases", {"lines[0].unit_price": "-1.00"}, "purchase.lines[0].unit_price: must be > 0, got -1.00"),
    ("purchases", {"lines[0].category": "Toys"}, "purchase.lines[0].category: unknown category 'Toys'"),
    ("purchases", {"lines[0].product_id": ""}, "purchase.lines[0].product_id: must not be empty"),
    ("purchases", {"lines[0].unit_price": DROP}, "purchase.lines[0]: missing field: unit_price"),
    ("purchases", {"lines[0].discount": "1.00"}, "purchase.lines[0]: unexpected field: discount"),
    ("purchases", {"lines[1].unit_price": DROP, "lines[1].price": "45.00"}, "purchase.lines[1]: unexpected field: price"),
    # inventory
    ("inventory", {"delta": 0}, "inventory.delta: must not be 0"),
    ("inventory", {"delta": 3}, "inventory.delta: must be < 0 for reason 'sale', got 3"),
    ("inventory", {"reason": "restock", "delta": -3}, "inventory.delta: must be > 0 for reason 'restock', got -3"),
    ("inventory", {"delta": -1.5}, "inventory.delta: must be an int, got float"),
    ("inventory", {"delta": False}, "inventory.delta: must be an int, got bool"),
    ("inventory", {"delta": -(2**63) - 1}, "inventory.delta: out of int64 range"),
    ("inventory", {"stock_level": -1}, "inventory.stock_level: must be >= 0, got -1"),
    ("inventory", {"stock_level": True}, "inventory.stock_level: must be an int, got bool"),
    # kpi
    ("kpis", {"name": ""}, "kpi.name: must not be empty"),
    ("kpis", {"value": 1234.56}, "kpi.value: must be a decimal string, got float"),
    ("kpis", {"value": 12}, "kpi.value: must be a decimal string, got int"),
    ("kpis", {"value": "1e3"}, "kpi.value: must be a decimal string, got '1e3'"),
    ("kpis", {"value": "NaN"}, "kpi.value: must be a decimal string, got 'NaN'"),
    ("kpis", {"window_end_ms": DROP}, "kpi.window_end_ms: required with window_start_ms"),
    ("kpis", {"window_start_ms": None}, "kpi.window_start_ms: required with window_end_ms"),
    ("kpis", {"window_end_ms": T0 - 60_000}, f"kpi.window_end_ms: must be > window_start_ms {T0 - 60_000}, got {T0 - 60_000}"),
    ("kpis", {"window_start_ms": 60.0}, "kpi.window_start_ms: must be an int, got float"),
    ("kpis", {"labels": [["city", "Tanger"]]}, "kpi.labels: must be an object, got list"),
    ("kpis", {"labels": {"city": 1}}, "kpi.labels.city: must be a string, got int"),
    ("kpis", {"labels": {"": "x"}}, "kpi.labels: must not be empty"),
    # alert
    ("alerts", {"message": ""}, "alert.message: must not be empty"),
    ("alerts", {"order_id": DROP}, "alert.order_id: required for kind 'high_ticket'"),
    ("alerts", {"amount": None}, "alert.amount: required for kind 'high_ticket'"),
    ("alerts", {"amount": 1500.0}, "alert.amount: money must be a decimal string with 2 places, got float"),
    ("alerts", {"amount": "0.00"}, "alert.amount: must be > 0, got 0.00"),
    ("alerts", {"threshold": 1000}, "alert.threshold: money must be a decimal string with 2 places, got int"),
    ("alerts", {"kind": "low_stock"}, "alert.product_id: required for kind 'low_stock'"),
    ("alerts", {"kind": "low_stock", "product_id": "P1", "threshold": 5}, "alert.stock_level: required for kind 'low_stock'"),
    (
        "alerts",
        {"kind": "low_stock", "product_id": "P1", "stock_level": 3},
        "alert.threshold: must be an int for kind 'low_stock', got str",
    ),
    ("alerts", {"kind": "low_stock", "product_id": "P1", "stock_level": -3, "threshold": 5}, "alert.stock_level: must be >= 0, got -3"),
    (
        "alerts",
        {"kind": "low_stock", "product_id": "P1", "stock_level": 3, "threshold": True},
        "alert.threshold: must be an int for kind 'low_stock', got bool",
    ),
    # dead letter
    ("dlq", {"error": ""}, "dlq.error: must not be empty"),
    ("dlq", {"origin_topic": ""}, "dlq.origin_topic: must not be empty"),
    ("dlq", {"origin_partition": -1}, "dlq.origin_partition: must be >= 0, got -1"),
    ("dlq", {"origin_offset": -1}, "dlq.origin_offset: must be >= 0, got -1"),
    ("dlq", {"origin_offset": "7"}, "dlq.origin_offset: must be an int, got str"),
    ("dlq", {"raw": None}, "dlq.raw: must be a string, got null"),
    ("dlq", {"raw_encoding": "base64", "raw": "!!!"}, "dlq.raw: not valid base64"),
    ("dlq", {"raw_encoding": "base64", "raw": "abc"}, "dlq.raw: not valid base64"),
    ("dlq", {"service": ""}, "dlq.service: must not be empty"),
    ("dlq", {"failed_at_ms": 0}, "dlq.failed_at_ms: 0 is not epoch ms in [2000-01-01, 2100-01-01)"),
]


@pytest.mark.parametrize(("topic", "patch", "reason"), WIRE_REJECTIONS, ids=[reason for _, _, reason in WIRE_REJECTIONS])
def test_decoding_rejects_a_broken_rule_with_its_reason(topic: str, patch: dict[str, Any], reason: str) -> None:
    broken = patched(VALID[topic], patch)
    # ASCII-only JSON, so that a lone surrogate travels as the "\ud800" escape it would arrive as.
    raw = json.dumps(broken).encode("ascii")

    with pytest.raises(ContractError) as from_raw:
        decode(topic, raw)
    with pytest.raises(ContractError) as from_parsed:
        from_dict(topic, broken)

    assert from_raw.value.reason == reason
    assert from_parsed.value.reason == reason


RAW_REJECTIONS: list[tuple[object, str]] = [
    (b"", "invalid JSON: Expecting value at line 1 column 1"),
    (b"{", "invalid JSON: Expecting property name enclosed in double quotes at line 1 column 2"),
    (b'{"a": 1}\n{"a": 2}', "invalid JSON: Extra data at line 2 column 1"),
    (b'{"total": NaN}', "invalid JSON: NaN is not allowed"),
    (b'{"total": -Infinity}', "invalid JSON: -Infinity is not allowed"),
    (b"[" * 100_000 + b"]" * 100_000, "invalid JSON: nested too deeply"),
    (b"\xff\xfe{\x00}\x00", "invalid UTF-8 at byte 0"),
    (b'{"city": "F\xe8s"}', "invalid UTF-8 at byte 11"),
    (b"[]", "not a JSON object"),
    (b'"clicks"', "not a JSON object"),
    (b"null", "not a JSON object"),
    (None, "value must be bytes, got null"),
    ('{"a": 1}', "value must be bytes, got str"),
]


@pytest.mark.parametrize(("raw", "reason"), RAW_REJECTIONS, ids=[reason for _, reason in RAW_REJECTIONS])
def test_decoding_rejects_what_is_not_a_utf8_json_object(raw: bytes, reason: str) -> None:
    for topic in VALID:
        with pytest.raises(ContractError) as caught:
            decode(topic, raw)
        assert caught.value.reason == reason


def test_an_unknown_topic_is_rejected() -> None:
    with pytest.raises(ContractError) as raw:
        decode("orders", b"{}")
    with pytest.raises(ContractError) as parsed:
        from_dict("test.clicks", {})

    assert raw.value.reason == "unknown topic 'orders'"
    assert parsed.value.reason == "unknown topic 'test.clicks'"


def test_from_dict_rejects_what_is_not_a_dict() -> None:
    with pytest.raises(ContractError) as caught:
        from_dict("clicks", [("event_id", EVENT_ID)])

    assert caught.value.reason == "not a JSON object"


def line(**changes: object) -> PurchaseLine:
    fields: dict[str, object] = {"product_id": "P1", "category": "Sports", "quantity": 1, "unit_price": Decimal("10.00")}
    return PurchaseLine(**{**fields, **changes})  # type: ignore[arg-type]


def order(**changes: object) -> Purchase:
    parsed = decode_purchase(json.dumps(VALID["purchases"]).encode())
    return dataclasses.replace(parsed, **changes)  # type: ignore[arg-type]


def high_ticket(**changes: object) -> Alert:
    parsed = decode_alert(json.dumps(VALID["alerts"]).encode())
    return dataclasses.replace(parsed, **changes)  # type: ignore[arg-type]


def revenue(**changes: object) -> Kpi:
    parsed = decode_kpi(json.dumps(VALID["kpis"]).encode())
    return dataclasses.replace(parsed, **changes)  # type: ignore[arg-type]


CONSTRUCTOR_REJECTIONS: list[tuple[str, Any, str]] = [
    ("float price", lambda: line(unit_price=10.0), "purchase.line.unit_price: must be a Decimal, got float"),
    ("str price", lambda: line(unit_price="10.00"), "purchase.line.unit_price: must be a Decimal, got str"),
    ("3 places", lambda: line(unit_price=Decimal("10.005")), "purchase.line.unit_price: more than 2 decimal places: 10.005"),
    ("NaN price", lambda: line(unit_price=Decimal("NaN")), "purchase.line.unit_price: must be finite, got NaN"),
    (
        "huge price",
        lambda: line(unit_price=Decimal("1E+16")),
        "purchase.line.unit_price: money out of range (at most 16 digits before the point)",
    ),
    ("bool quantity", lambda: line(quantity=True), "purchase.line.quantity: must be an int, got bool"),
    ("list of lines", lambda: order(lines=[line()], total=Decimal("10.00")), "purchase.lines: must be a tuple, got list"),
    ("dict line", lambda: order(lines=({"product_id": "P1"},)), "purchase.lines[0]: must be a PurchaseLine, got dict"),
    ("wrong total", lambda: order(lines=(line(), line(quantity=2)), total=Decimal("20.00")), "purchase.total: 20.00 != sum of lines 30.00"),
    ("float total", lambda: order(total=245.5), "purchase.total: must be a Decimal, got float"),
    ("replace city", lambda: order(city="Paris"), "purchase.city: unknown city 'Paris'"),
    ("float kpi", lambda: revenue(value=1.5), "kpi.value: must be a Decimal, got float"),
    ("infinite kpi", lambda: revenue(value=Decimal("Infinity")), "kpi.value: must be finite, got Infinity"),
    ("huge kpi", lambda: revenue(value=Decimal("1E+18")), "kpi.value: more than 18 digits before the point"),
    ("tiny kpi", lambda: revenue(value=Decimal("1E-13")), "kpi.value: more than 12 decimal places"),
    ("dict labels", lambda: revenue(labels={"city": "Rabat"}), "kpi.labels: must be a tuple of pairs, got dict"),
    ("triple label", lambda: revenue(labels=(("a", "b", "c"),)), "kpi.labels: not a (name, value) pair: ('a', 'b', 'c')"),
    ("label twice", lambda: revenue(labels=(("city", "Rabat"), ("city", "Fès"))), "kpi.labels: label 'city' given twice"),
    ("int threshold", lambda: high_ticket(threshold=1000), "alert.threshold: must be money for kind 'high_ticket', got int"),
    ("low threshold", lambda: high_ticket(threshold=Decimal("0.00")), "alert.threshold: must be > 0, got 0.00"),
]


@pytest.mark.parametrize(("build", "reason"), [c[1:] for c in CONSTRUCTOR_REJECTIONS], ids=[c[0] for c in CONSTRUCTOR_REJECTIONS])
def test_an_invalid_event_cannot_be_built(build: Any, reason: str) -> None:
    with pytest.raises(ContractError) as caught:
        build()

    assert caught.value.reason == reason
