"""The event contract: round trips, wire format, topics, keys, money and dead letters."""

from __future__ import annotations

import base64
import dataclasses
import json
import uuid
from decimal import Decimal, Rounded, localcontext

import pytest

from souk.contract import (
    ALERTS,
    CATEGORIES,
    CITIES,
    CLICKS,
    DLQ,
    HIGH_TICKET_THRESHOLD,
    INVENTORY,
    KPIS,
    PURCHASES,
    SOURCE_TOPICS,
    TOPICS,
    Alert,
    Click,
    ContractError,
    DeadLetter,
    Event,
    InventoryMove,
    Kpi,
    Purchase,
    PurchaseLine,
    dead_letter,
    decode,
    decode_alert,
    decode_click,
    decode_dead_letter,
    decode_inventory,
    decode_kpi,
    decode_purchase,
    encode,
    encode_key,
    format_money,
    from_cents,
    from_dict,
    new_event_id,
    parse_money,
    to_cents,
    to_dict,
    topic_spec,
)
from souk.contract.checks import check_event_id

T0 = 1_764_000_000_000  # 2025-11-24T16:00:00Z
EVENT_ID = "6f1c1d2e-8b7a-4c3d-9e0f-112233445566"


def click(**changes: object) -> Click:
    fields: dict[str, object] = {
        "event_id": EVENT_ID,
        "event_time_ms": T0,
        "session_id": "s-42",
        "user_id": "u-7",
        "city": "Fès",
        "page": "product",
        "action": "add_to_cart",
        "product_id": "P0001",
        "category": "Home & Garden",
    }
    return Click(**{**fields, **changes})  # type: ignore[arg-type]


def purchase() -> Purchase:
    return Purchase(
        event_id=EVENT_ID,
        event_time_ms=T0,
        order_id="O-1001",
        session_id="s-42",
        user_id="u-7",
        city="Fès",
        payment_method="Cash on Delivery",
        lines=(
            PurchaseLine(product_id="P0001", category="Home & Garden", quantity=2, unit_price=Decimal("100.25")),
            PurchaseLine(product_id="P0002", category="Electronics", quantity=1, unit_price=Decimal("45.00")),
        ),
        total=Decimal("245.50"),
    )


def inventory_move() -> InventoryMove:
    return InventoryMove(
        event_id=EVENT_ID,
        event_time_ms=T0,
        product_id="P0001",
        category="Home & Garden",
        delta=-2,
        reason="sale",
        stock_level=18,
    )


def kpi() -> Kpi:
    return Kpi(
        event_id=EVENT_ID,
        event_time_ms=T0,
        name="revenue_60s",
        value=Decimal("1234.56"),
        window_start_ms=T0 - 60_000,
        window_end_ms=T0,
        labels=(("city", "Fès"), ("category", "Home & Garden")),
    )


def low_stock_alert() -> Alert:
    return Alert(
        event_id=EVENT_ID,
        event_time_ms=T0,
        kind="low_stock",
        message="P0001 is down to 3 units",
        product_id="P0001",
        stock_level=3,
        threshold=5,
    )


def high_ticket_alert() -> Alert:
    return Alert(
        event_id=EVENT_ID,
        event_time_ms=T0,
        kind="high_ticket",
        message="order O-1001 of 1500.00 MAD in Fès",
        order_id="O-1001",
        city="Fès",
        amount=Decimal("1500.00"),
        threshold=HIGH_TICKET_THRESHOLD,
    )


def utf8_dead_letter() -> DeadLetter:
    return dead_letter(b'{"city": "F\xc3\xa8s"', "invalid JSON: x", "clicks", 3, 1200, "processor", T0)


EVENTS: dict[str, Event] = {
    "click": click(),
    "click-home": click(page="home", action="view", product_id=None, category=None),
    "purchase": purchase(),
    "inventory": inventory_move(),
    "kpi": kpi(),
    "kpi-since-start": Kpi(event_id=EVENT_ID, event_time_ms=T0, name="orders_total", value=Decimal(42)),
    "alert-low-stock": low_stock_alert(),
    "alert-high-ticket": high_ticket_alert(),
    "dead-letter": utf8_dead_letter(),
}


@pytest.mark.parametrize("event", EVENTS.values(), ids=EVENTS.keys())
def test_encode_then_decode_gives_the_same_event(event: Event) -> None:
    raw = encode(event)

    assert decode(event.topic.base, raw) == event
    assert from_dict(event.topic.base, json.loads(raw)) == event
    assert from_dict(event.topic.base, to_dict(event)) == event


def test_each_decoder_returns_its_own_type() -> None:
    assert type(decode_click(encode(click()))) is Click
    assert type(decode_purchase(encode(purchase()))) is Purchase
    assert type(decode_inventory(encode(inventory_move()))) is InventoryMove
    assert type(decode_kpi(encode(kpi()))) is Kpi
    assert type(decode_alert(encode(low_stock_alert()))) is Alert
    assert type(decode_dead_letter(encode(utf8_dead_letter()))) is DeadLetter


def test_a_purchase_is_written_as_compact_utf8_json_with_money_as_strings() -> None:
    expected = (
        '{"event_id":"6f1c1d2e-8b7a-4c3d-9e0f-112233445566","event_time_ms":1764000000000,"schema_version":1,'
        '"order_id":"O-1001","session_id":"s-42","user_id":"u-7","city":"Fès","payment_method":"Cash on Delivery",'
        '"lines":[{"product_id":"P0001","category":"Home & Garden","quantity":2,"unit_price":"100.25"},'
        '{"product_id":"P0002","category":"Electronics","quantity":1,"unit_price":"45.00"}],"total":"245.50"}'
    )

    assert encode(purchase()) == expected.encode("utf-8")
    assert b"F\xc3\xa8s" in encode(purchase())


def test_decoded_money_is_decimal_with_two_places() -> None:
    decoded = decode_purchase(encode(purchase()))

    assert decoded.total == Decimal("245.50")
    assert str(decoded.total) == "245.50"
    assert [line.amount for line in decoded.lines] == [Decimal("200.50"), Decimal("45.00")]


def test_none_fields_are_left_out_and_null_reads_as_absent() -> None:
    home = click(page="home", action="view", product_id=None, category=None)
    written = json.loads(encode(home))
    with_nulls = json.dumps({**written, "product_id": None, "category": None}).encode()

    assert "product_id" not in written
    assert "category" not in written
    assert decode_click(with_nulls) == home
    assert "window_start_ms" not in json.loads(encode(EVENTS["kpi-since-start"]))
    assert set(json.loads(encode(low_stock_alert()))) == {
        "event_id",
        "event_time_ms",
        "schema_version",
        "kind",
        "message",
        "product_id",
        "stock_level",
        "threshold",
    }


def test_a_click_off_product_pages_may_name_a_category() -> None:
    browsing = click(page="category", action="view", product_id=None, category="Sports")

    assert decode_click(encode(browsing)).category == "Sports"


def test_kpi_labels_are_an_object_on_the_wire_and_sorted_pairs_in_python() -> None:
    value = kpi()
    reordered = dataclasses.replace(value, labels=(("category", "Home & Garden"), ("city", "Fès")))

    assert json.loads(encode(value))["labels"] == {"city": "Fès", "category": "Home & Garden"}
    assert value.labels == (("category", "Home & Garden"), ("city", "Fès"))
    assert value == reordered
    assert hash(value) == hash(reordered)
    assert value.label_map == {"category": "Home & Garden", "city": "Fès"}


def test_kpi_value_is_written_in_plain_notation() -> None:
    value = dataclasses.replace(kpi(), value=Decimal("1E+3"))

    assert json.loads(encode(value))["value"] == "1000"
    assert decode_kpi(encode(value)).value == Decimal(1000)


def test_alert_thresholds_are_units_for_low_stock_and_money_for_high_ticket() -> None:
    assert json.loads(encode(low_stock_alert()))["threshold"] == 5
    assert json.loads(encode(high_ticket_alert()))["threshold"] == "1000.00"
    assert decode_alert(encode(high_ticket_alert())).threshold == Decimal("1000.00")


def test_events_are_hashable_and_frozen() -> None:
    event = purchase()

    assert len({event, decode_purchase(encode(event))}) == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.total = Decimal("1.00")  # type: ignore[misc]


def test_a_whole_money_decimal_is_accepted_and_written_with_two_places() -> None:
    line = PurchaseLine(product_id="P9", category="Sports", quantity=3, unit_price=Decimal("5"))
    order = dataclasses.replace(purchase(), lines=(line,), total=Decimal("15"))

    assert json.loads(encode(order))["total"] == "15.00"
    assert decode_purchase(encode(order)) == order


def test_ids_may_be_non_ascii_up_to_64_characters() -> None:
    event = click(session_id="é" * 64)

    assert decode_click(encode(event)).session_id == "é" * 64


def test_event_time_bounds_are_2000_inclusive_to_2100_exclusive() -> None:
    assert click(event_time_ms=946_684_800_000).event_time_ms == 946_684_800_000
    with pytest.raises(ContractError):
        click(event_time_ms=4_102_444_800_000)


def test_the_total_check_does_not_depend_on_the_callers_decimal_context() -> None:
    raw = encode(purchase())
    wrong = json.dumps({**json.loads(raw), "total": "245.00"}).encode()

    with localcontext() as context:
        context.prec = 3
        assert decode_purchase(raw) == purchase()
        with pytest.raises(ContractError) as caught:
            decode_purchase(wrong)
    assert caught.value.reason == "purchase.total: 245.00 != sum of lines 245.50"


def test_the_total_check_survives_a_context_that_traps_rounding() -> None:
    huge = PurchaseLine(product_id="P1", category="Sports", quantity=2**62, unit_price=Decimal("9999999999999999.99"))

    with localcontext() as context:
        context.traps[Rounded] = True
        with pytest.raises(ContractError) as caught:
            dataclasses.replace(purchase(), lines=(huge,), total=Decimal("1.00"))
    assert caught.value.reason == "purchase.total: 1.00 != sum of lines 46116860184273878993883139815726120.96"


def test_new_event_ids_are_canonical() -> None:
    event_id = new_event_id()

    assert str(uuid.UUID(event_id)) == event_id
    assert new_event_id() != event_id


@pytest.mark.parametrize(
    "text",
    [
        str(uuid.uuid4()),
        str(uuid.uuid1()),
        "00000000-0000-0000-0000-000000000000",
        EVENT_ID.upper(),
        EVENT_ID.replace("-", ""),
        "{" + EVENT_ID + "}",
        "urn:uuid:" + EVENT_ID,
        EVENT_ID + "\n",
        EVENT_ID[:-1],
        EVENT_ID[:8] + "-" + EVENT_ID[9:],
        "6f1c1d2e-8b7a-4c3d-9e0f-11223344556g",
    ],
)
def test_event_id_check_agrees_with_the_uuid_module(text: str) -> None:
    try:
        canonical = str(uuid.UUID(text)) == text
    except ValueError:
        canonical = False
    try:
        check_event_id(text, "event_id")
        accepted = True
    except ContractError:
        accepted = False

    assert accepted == canonical


def test_topics_are_the_table_of_design_md() -> None:
    day_ms = 86_400_000
    table = [(t.base, t.key, t.partitions, t.retention_ms, t.written_by) for t in TOPICS]

    assert table == [
        ("clicks", "session_id", 6, 7 * day_ms, "producer"),
        ("purchases", "session_id", 6, 7 * day_ms, "producer"),
        ("inventory", "product_id", 6, 7 * day_ms, "producer"),
        ("kpis", "KPI name", 1, 1 * day_ms, "processor"),
        ("alerts", "alert kind", 1, 7 * day_ms, "processor"),
        ("dlq", "origin topic", 1, 7 * day_ms, "any consumer"),
    ]
    assert SOURCE_TOPICS == (CLICKS, PURCHASES, INVENTORY)
    assert all(t.description for t in TOPICS)


def test_topic_names_take_the_prefix() -> None:
    assert CLICKS.name() == "clicks"
    assert CLICKS.name("test-abc.") == "test-abc.clicks"
    assert DLQ.name("t1-") == "t1-dlq"


def test_topic_spec_finds_topics_by_base_name() -> None:
    assert [topic_spec(t.base) for t in TOPICS] == list(TOPICS)
    with pytest.raises(ContractError) as caught:
        topic_spec("orders")
    assert caught.value.reason == "unknown topic 'orders'"


def test_each_event_kind_belongs_to_its_topic() -> None:
    assert (Click.topic, Purchase.topic, InventoryMove.topic) == (CLICKS, PURCHASES, INVENTORY)
    assert (Kpi.topic, Alert.topic, DeadLetter.topic) == (KPIS, ALERTS, DLQ)


@pytest.mark.parametrize(
    ("event", "key"),
    [
        (click(), b"s-42"),
        (purchase(), b"s-42"),
        (inventory_move(), b"P0001"),
        (kpi(), b"revenue_60s"),
        (low_stock_alert(), b"low_stock"),
        (high_ticket_alert(), b"high_ticket"),
        (utf8_dead_letter(), b"clicks"),
        (click(session_id="sé"), "sé".encode()),
    ],
    ids=["click", "purchase", "inventory", "kpi", "alert-low-stock", "alert-high-ticket", "dlq", "utf-8"],
)
def test_keys_are_what_design_md_says(event: Event, key: bytes) -> None:
    assert encode_key(event) == key
    assert event.key() == key.decode()


def test_vocabulary_is_the_one_of_design_md() -> None:
    assert CITIES == ("Casablanca", "Rabat", "Marrakech", "Fès", "Tanger", "Agadir")
    assert CATEGORIES == ("Electronics", "Fashion", "Home & Garden", "Sports", "Beauty")


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("245.5"), "245.50"),
        (Decimal("245.50"), "245.50"),
        (Decimal("1E+3"), "1000.00"),
        (Decimal("1E-7"), "0.00"),
        (Decimal("-0"), "0.00"),
        (Decimal("-0.001"), "0.00"),
        (Decimal("2.345"), "2.34"),
        (Decimal("2.355"), "2.36"),
        (Decimal("-12.5"), "-12.50"),
        (Decimal("9999999999999999.99"), "9999999999999999.99"),
    ],
)
def test_format_money_rounds_half_even_to_the_cent_in_plain_notation(amount: Decimal, text: str) -> None:
    assert format_money(amount) == text


@pytest.mark.parametrize("amount", [Decimal("NaN"), Decimal("Infinity"), 1.5])
def test_format_money_refuses_what_is_not_a_finite_decimal(amount: Decimal) -> None:
    with pytest.raises(ContractError) as caught:
        format_money(amount)
    assert caught.value.reason.startswith("money must be a finite Decimal, got ")


def test_parse_money_reads_two_place_strings() -> None:
    assert parse_money("245.50", "total") == Decimal("245.50")
    assert parse_money("-0.01", "total") == Decimal("-0.01")
    assert parse_money("9999999999999999.99", "total") == Decimal("9999999999999999.99")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (245.5, "total: money must be a decimal string with 2 places, got float"),
        (245, "total: money must be a decimal string with 2 places, got int"),
        (True, "total: money must be a decimal string with 2 places, got bool"),
        (None, "total: money must be a decimal string with 2 places, got null"),
        (Decimal("245.50"), "total: money must be a decimal string with 2 places, got Decimal"),
        ("245.5", "total: money must be a decimal string with 2 places, got '245.5'"),
        ("245.500", "total: money must be a decimal string with 2 places, got '245.500'"),
        ("245", "total: money must be a decimal string with 2 places, got '245'"),
        ("2.4550E+2", "total: money must be a decimal string with 2 places, got '2.4550E+2'"),
        (" 245.50", "total: money must be a decimal string with 2 places, got ' 245.50'"),
        ("245.50\n", "total: money must be a decimal string with 2 places, got '245.50\\n'"),
        ("+245.50", "total: money must be a decimal string with 2 places, got '+245.50'"),
        ("٢٤٥.٥٠", "total: money must be a decimal string with 2 places, got '٢٤٥.٥٠'"),
        ("NaN", "total: money must be a decimal string with 2 places, got 'NaN'"),
        ("12345678901234567.00", "total: money out of range (at most 16 digits before the point)"),
    ],
)
def test_parse_money_refuses_anything_but_a_two_place_string(value: object, reason: str) -> None:
    with pytest.raises(ContractError) as caught:
        parse_money(value, "total")
    assert caught.value.reason == reason
    assert caught.value.field == "total"


def test_cents_convert_both_ways() -> None:
    assert to_cents(Decimal("245.50")) == 24550
    assert to_cents(Decimal("-0.01")) == -1
    assert to_cents(Decimal("2.345")) == 234
    assert from_cents(24550) == Decimal("245.50")
    assert str(from_cents(24550)) == "245.50"
    assert str(from_cents(0)) == "0.00"
    assert all(to_cents(from_cents(c)) == c for c in (-101, 0, 1, 99, 100, 10**17))
    with pytest.raises(ContractError):
        from_cents(True)


def test_a_value_that_is_not_utf8_becomes_a_base64_dead_letter_that_round_trips() -> None:
    raw = b'\xff\xfe{"city": "F\xe8s"}'

    letter = dead_letter(raw, "invalid UTF-8 at byte 0", "test-x.clicks", 2, 17, "processor", T0)

    assert letter.raw_encoding == "base64"
    assert letter.raw == base64.b64encode(raw).decode()
    assert letter.raw_bytes() == raw
    assert decode_dead_letter(encode(letter)) == letter
    assert decode_dead_letter(encode(letter)).raw_bytes() == raw
    assert encode_key(letter) == b"test-x.clicks"


def test_a_utf8_value_is_kept_as_text_in_its_dead_letter() -> None:
    letter = utf8_dead_letter()

    assert letter.raw_encoding == "utf-8"
    assert letter.raw == '{"city": "Fès"'
    assert letter.raw_bytes() == b'{"city": "F\xc3\xa8s"'
    assert json.loads(encode(letter)) == {
        "error": "invalid JSON: x",
        "origin_topic": "clicks",
        "origin_partition": 3,
        "origin_offset": 1200,
        "raw": '{"city": "Fès"',
        "raw_encoding": "utf-8",
        "service": "processor",
        "failed_at_ms": T0,
    }


def test_a_dead_letter_error_is_folded_to_one_bounded_line() -> None:
    letter = dead_letter(b"x", "Traceback:\n  line 1\n\n" + "y" * 2000, "clicks", 0, 0, "processor", T0)

    assert letter.error.startswith("Traceback: line 1 yyy")
    assert letter.error.endswith("...")
    assert len(letter.error) == 1000
    assert "\n" not in letter.error


def test_a_tombstone_and_an_empty_value_become_empty_text() -> None:
    assert dead_letter(None, "null value", "clicks", 0, 5, "archiver", T0).raw == ""
    assert dead_letter(b"", "invalid JSON", "clicks", 0, 5, "archiver", T0).raw_bytes() == b""


def test_a_contract_error_reason_is_one_line_for_the_dlq() -> None:
    with pytest.raises(ContractError) as caught:
        decode_click(b'{"schema_version": 1, "city\\n": 1}')

    assert caught.value.reason == "unexpected field: 'city\\n'"
    assert str(caught.value) == caught.value.reason
    assert dead_letter(b"{}", caught.value.reason, "clicks", 0, 1, "processor", T0).error == caught.value.reason
    assert issubclass(ContractError, ValueError)
