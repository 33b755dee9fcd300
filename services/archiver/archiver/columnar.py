"""A whole poll batch of raw JSON values → Arrow columns, for the values it can prove valid.

The per-event contract decode (JSON → dict → Click/Purchase/InventoryMove → Python lists → Arrow)
was most of the archiver's CPU. Here a batch is parsed at once by pyarrow's JSON reader with an
explicit schema and checked with Arrow compute kernels against the rules of souk.contract
(checks.py, events.py, money.py, codec.py). Whatever it cannot prove valid is left to the contract
decoder, so a rejected record keeps exactly the reason and DLQ letter it had before:
  * the whole batch, when pyarrow refuses it (an unexpected or repeated field, a JSON type the
    schema does not allow, a control character, invalid JSON or UTF-8, an int out of int64 ...):
    pyarrow names no row (Archiver.add_batch then tries each half of the batch again);
  * the rows that parse but break a rule (unknown city, bad money, total ≠ sum of lines, ...).

Each value is wrapped as `{"__i":<index>,"v":<value>}`, one per line. With no newline in any value
and `"__i"` nowhere else in the batch, a parse that yields exactly the indices 0..n-1 proves row i
is value i and nothing else: a value cannot reach into the next line or hide a row. Other control
characters need no guard: pyarrow's parser (RapidJSON), like the contract's, takes tab and CR as
whitespace between tokens and refuses every control character inside a string.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from archiver.formats import CLICK_SCHEMA, EVENT_TIME, INVENTORY_SCHEMA, LINE, MONEY, PURCHASE_SCHEMA
from souk.contract import CATEGORIES, CITIES, CLICKS, INVENTORY, PAYMENT_METHODS, PURCHASES
from souk.contract.checks import EVENT_TIME_END_MS, EVENT_TIME_MIN_MS, ID_MAX_LEN, SCHEMA_VERSION
from souk.contract.events import MAX_PURCHASE_LINES
from souk.contract.money import MONEY_MAX_DIGITS
from souk.contract.vocabulary import ACTIONS, INVENTORY_REASONS, PAGES, PRODUCT_ACTIONS

_INDEX_KEY: Final = b'"__i"'
_UUID: Final = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
_MONEY_TEXT: Final = rf"^-?[0-9]{{1,{MONEY_MAX_DIGITS}}}\.[0-9]{{2}}$"


@dataclass(frozen=True)
class Decoded:
    """The rows of a batch proven valid, as columns in the topic's Parquet schema (without the Kafka columns)."""

    table: pa.Table
    row_of: list[int | None]  # value index → row of `table`, None when the contract decoder must judge it
    times: list[int]  # event_time_ms by row of `table`


def _strings(*names: str) -> list[tuple[str, pa.DataType]]:
    return [(name, pa.string()) for name in names]


_COMMON: Final = [("event_id", pa.string()), ("event_time_ms", pa.int64()), ("schema_version", pa.int64())]
_WIRE_LINE: Final = pa.struct([*_strings("product_id", "category"), ("quantity", pa.int64()), ("unit_price", pa.string())])
_WIRE: Final[dict[str, pa.StructType]] = {
    CLICKS.base: pa.struct([*_COMMON, *_strings("session_id", "user_id", "city", "page", "action", "product_id", "category")]),
    PURCHASES.base: pa.struct(
        [
            *_COMMON,
            *_strings("order_id", "session_id", "user_id", "city", "payment_method"),
            ("lines", pa.list_(_WIRE_LINE)),
            ("total", pa.string()),
        ]
    ),
    INVENTORY.base: pa.struct([*_COMMON, ("product_id", pa.string()), ("category", pa.string()), ("delta", pa.int64()),
                               ("reason", pa.string()), ("stock_level", pa.int64())]),
}  # fmt: skip


def _options(base: str) -> pj.ParseOptions:
    schema = pa.schema([("__i", pa.int64()), ("v", _WIRE[base])])
    return pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="error", newlines_in_values=False)


_OPTIONS: Final = {base: _options(base) for base in _WIRE}


def _parse(base: str, values: Sequence[bytes | None]) -> pa.StructArray | None:
    """The `v` column, row i from values[i]; None when the batch cannot be parsed as a whole."""
    n = len(values)
    try:
        joined = b"\n".join([b'{"__i":%d,"v":%b}' % (i, v) for i, v in enumerate(values)])  # type: ignore[str-format]
    except TypeError:  # a None value (tombstone)
        return None
    if joined.count(b"\n") != n - 1 or joined.count(_INDEX_KEY) != n:
        return None
    try:
        table = pj.read_json(pa.BufferReader(joined), parse_options=_OPTIONS[base])
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    if table.num_rows != n:
        return None
    index = table.column("__i").combine_chunks()
    if index.null_count or not index.equals(pa.array(range(n), pa.int64())):
        return None
    v = table.column("v").combine_chunks()
    assert isinstance(v, pa.StructArray)
    try:  # strings that are not UTF-8 (pyarrow's reader does not check)
        v.validate(full=True)
    except pa.ArrowInvalid:
        return None
    return v


# -- the contract's rules as kernels (a null anywhere makes a rule null, i.e. not proven) ---------


def _is_id(a: pa.Array) -> pa.Array:
    length = pc.utf8_length(a)
    return pc.and_kleene(pc.greater(length, 0), pc.less_equal(length, ID_MAX_LEN))


def _is_in(a: pa.Array, choices: tuple[str, ...]) -> pa.Array:
    return pc.and_kleene(pc.is_valid(a), pc.is_in(a, value_set=pa.array(choices, pa.string())))


def _cents(text: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(is wire money, its value in cents) — cents is 0 where it is not money."""
    ok = pc.fill_null(pc.match_substring_regex(text, _MONEY_TEXT), False)
    digits = pc.replace_substring(pc.if_else(ok, text, "0.00"), ".", "")
    return ok, pc.cast(digits, pa.int64())


def _all(*rules: pa.Array) -> pa.Array:
    mask = rules[0]
    for rule in rules[1:]:
        mask = pc.and_kleene(mask, rule)
    return pc.fill_null(mask, False)


def _common_rules(v: dict[str, pa.Array]) -> list[pa.Array]:
    t = v["event_time_ms"]
    return [
        pc.fill_null(pc.match_substring_regex(v["event_id"], _UUID), False),
        pc.and_kleene(pc.greater_equal(t, EVENT_TIME_MIN_MS), pc.less(t, EVENT_TIME_END_MS)),
        pc.equal(v["schema_version"], SCHEMA_VERSION),
    ]


def _click_rules(v: dict[str, pa.Array], _: pa.StructArray) -> list[pa.Array]:
    product, category = v["product_id"], v["category"]
    needs_product = pc.or_kleene(pc.equal(v["page"], "product"), pc.is_in(v["action"], value_set=pa.array(PRODUCT_ACTIONS)))
    return [
        _is_id(v["session_id"]),
        _is_id(v["user_id"]),
        _is_in(v["city"], CITIES),
        _is_in(v["page"], PAGES),
        _is_in(v["action"], ACTIONS),
        pc.or_kleene(pc.is_null(product), _is_id(product)),
        pc.or_kleene(pc.is_null(category), _is_in(category, CATEGORIES)),
        pc.or_kleene(pc.invert(needs_product), pc.and_kleene(pc.is_valid(product), pc.is_valid(category))),
    ]


def _per_row(lines: pa.ListArray, per_element: pa.Array) -> pa.Array:
    """The sum of an int64 per-element array over each row's list (checked: overflow raises ArrowInvalid)."""
    running = pc.cumulative_sum_checked(per_element)
    ends = pa.concat_arrays([pa.array([0], pa.int64()), running])
    offsets = lines.offsets
    return pc.subtract_checked(pc.take(ends, offsets[1:]), pc.take(ends, offsets[:-1]))


def _purchase_rules(v: dict[str, pa.Array], struct: pa.StructArray) -> list[pa.Array]:
    lines = struct.field("lines")
    assert isinstance(lines, pa.ListArray)
    count = pc.list_value_length(lines)
    items = lines.values  # every element, indexed by lines.offsets
    unit_ok, unit_cents = _cents(items.field("unit_price"))
    quantity = items.field("quantity")
    item_ok = _all(
        pc.is_valid(items),
        _is_id(items.field("product_id")),
        _is_in(items.field("category"), CATEGORIES),
        pc.greater_equal(quantity, 1),
        unit_ok,
        pc.greater(unit_cents, 0),
    )
    amounts = pc.multiply_checked(pc.if_else(item_ok, quantity, 0), pc.if_else(item_ok, unit_cents, 0))
    bad_items = _per_row(lines, pc.cast(pc.invert(item_ok), pa.int64()))
    total_ok, total_cents = _cents(v["total"])
    return [
        _is_id(v["order_id"]),
        _is_id(v["session_id"]),
        _is_id(v["user_id"]),
        _is_in(v["city"], CITIES),
        _is_in(v["payment_method"], PAYMENT_METHODS),
        pc.is_valid(lines),
        pc.greater_equal(count, 1),
        pc.less_equal(count, MAX_PURCHASE_LINES),
        pc.equal(bad_items, 0),
        total_ok,
        pc.greater(total_cents, 0),
        pc.equal(_per_row(lines, amounts), total_cents),
    ]


def _inventory_rules(v: dict[str, pa.Array], _: pa.StructArray) -> list[pa.Array]:
    delta, reason = v["delta"], v["reason"]
    return [
        _is_id(v["product_id"]),
        _is_in(v["category"], CATEGORIES),
        pc.not_equal(delta, 0),
        _is_in(reason, INVENTORY_REASONS),
        pc.greater_equal(v["stock_level"], 0),
        pc.invert(pc.and_kleene(pc.equal(reason, "sale"), pc.greater(delta, 0))),
        pc.invert(pc.and_kleene(pc.equal(reason, "restock"), pc.less(delta, 0))),
    ]


# -- the valid rows as the Parquet columns --------------------------------------------------------


def _purchase_lines(lines: pa.ListArray) -> pa.ListArray:
    items = lines.flatten()
    struct = pa.StructArray.from_arrays(
        [items.field("product_id"), items.field("category"), items.field("quantity"), pc.cast(items.field("unit_price"), MONEY)],
        fields=list(LINE),
    )
    offsets = pc.subtract(lines.offsets, lines.offsets[0])
    return pa.ListArray.from_arrays(offsets, struct, type=PURCHASE_SCHEMA.field("lines").type)


def _body_column(base: str, name: str, column: pa.Array) -> pa.Array:
    if base == PURCHASES.base and name == "lines":
        assert isinstance(column, pa.ListArray)
        return _purchase_lines(column)
    if base == PURCHASES.base and name == "total":
        return pc.cast(column, MONEY)
    return column


@dataclass(frozen=True)
class ColumnarDecoder:
    """Decodes the values of one topic, a batch at a time."""

    base: str
    schema: pa.Schema  # the Parquet schema without the Kafka columns
    rules: Callable[[dict[str, pa.Array], pa.StructArray], list[pa.Array]]

    def decode(self, values: Sequence[bytes | None]) -> Decoded | None:
        """The rows of `values` proven valid; None when the batch cannot be parsed as a whole."""
        if not values:
            return None
        struct = _parse(self.base, values)
        if struct is None:
            return None
        names = [f.name for f in _WIRE[self.base]]
        v = dict(zip(names, struct.flatten(), strict=True))
        try:
            mask = _all(*_common_rules(v), *self.rules(v, struct))
            valid = pc.indices_nonzero(mask)
            rows = struct.take(valid)
            w = dict(zip(names, rows.flatten(), strict=True))
            times = w["event_time_ms"]
            arrays = [w["event_id"], times.cast(EVENT_TIME), times, w["schema_version"].cast(pa.int32())]
            arrays += [_body_column(self.base, name, w[name]) for name in self.schema.names[4:]]
        except pa.ArrowInvalid:  # an int64 overflow in a purchase's sums: not provable here
            return None
        table = pa.Table.from_arrays(arrays, schema=self.schema)
        row_of: list[int | None] = [None] * len(values)
        for row, index in enumerate(valid.to_pylist()):
            row_of[index] = row
        return Decoded(table, row_of, times.to_pylist())


def _without_kafka(schema: pa.Schema) -> pa.Schema:
    return pa.schema(list(schema)[:-2])


DECODERS: Final[dict[str, ColumnarDecoder]] = {
    CLICKS.base: ColumnarDecoder(CLICKS.base, _without_kafka(CLICK_SCHEMA), _click_rules),
    PURCHASES.base: ColumnarDecoder(PURCHASES.base, _without_kafka(PURCHASE_SCHEMA), _purchase_rules),
    INVENTORY.base: ColumnarDecoder(INVENTORY.base, _without_kafka(INVENTORY_SCHEMA), _inventory_rules),
}
