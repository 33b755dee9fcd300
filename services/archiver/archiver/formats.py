"""The Parquet format of each archived topic: rows of contract events → Snappy Parquet bytes.

Columns are typed from the contract: money as decimal128(18, 2) (the contract allows 16 digits
before the point), times as timestamp[ms, UTC] next to the raw `event_time_ms`, purchase lines as
list<struct<product_id, category, quantity, unit_price>>, plus the Kafka coordinates
`kafka_partition` and `kafka_offset` of every row. Rows are gathered column by column, so a buffer
of 100k events costs lists of plain values, not 100k dicts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import pyarrow as pa
import pyarrow.parquet as pq

from souk.contract import CLICKS, INVENTORY, PURCHASES, Click, Event, InventoryMove, Purchase

MONEY: Final = pa.decimal128(18, 2)
EVENT_TIME: Final = pa.timestamp("ms", tz="UTC")
LINE: Final = pa.struct(
    [
        pa.field("product_id", pa.string(), nullable=False),
        pa.field("category", pa.string(), nullable=False),
        pa.field("quantity", pa.int64(), nullable=False),
        pa.field("unit_price", MONEY, nullable=False),
    ]
)

_COMMON_HEAD: Final = [
    pa.field("event_id", pa.string(), nullable=False),
    pa.field("event_time", EVENT_TIME, nullable=False),
    pa.field("event_time_ms", pa.int64(), nullable=False),
    pa.field("schema_version", pa.int32(), nullable=False),
]
_COMMON_TAIL: Final = [
    pa.field("kafka_partition", pa.int32(), nullable=False),
    pa.field("kafka_offset", pa.int64(), nullable=False),
]


def _schema(*fields: pa.Field) -> pa.Schema:
    return pa.schema([*_COMMON_HEAD, *fields, *_COMMON_TAIL])


CLICK_SCHEMA: Final = _schema(
    pa.field("session_id", pa.string(), nullable=False),
    pa.field("user_id", pa.string(), nullable=False),
    pa.field("city", pa.string(), nullable=False),
    pa.field("page", pa.string(), nullable=False),
    pa.field("action", pa.string(), nullable=False),
    pa.field("product_id", pa.string()),
    pa.field("category", pa.string()),
)
PURCHASE_SCHEMA: Final = _schema(
    pa.field("order_id", pa.string(), nullable=False),
    pa.field("session_id", pa.string(), nullable=False),
    pa.field("user_id", pa.string(), nullable=False),
    pa.field("city", pa.string(), nullable=False),
    pa.field("payment_method", pa.string(), nullable=False),
    pa.field("lines", pa.list_(pa.field("element", LINE, nullable=False)), nullable=False),
    pa.field("total", MONEY, nullable=False),
)
INVENTORY_SCHEMA: Final = _schema(
    pa.field("product_id", pa.string(), nullable=False),
    pa.field("category", pa.string(), nullable=False),
    pa.field("delta", pa.int64(), nullable=False),
    pa.field("reason", pa.string(), nullable=False),
    pa.field("stock_level", pa.int64(), nullable=False),
)


def _click_values(e: Click) -> tuple[Any, ...]:
    return (e.session_id, e.user_id, e.city, e.page, e.action, e.product_id, e.category)


def _purchase_values(e: Purchase) -> tuple[Any, ...]:
    lines = [
        {"product_id": line.product_id, "category": line.category, "quantity": line.quantity, "unit_price": line.unit_price}
        for line in e.lines
    ]
    return (e.order_id, e.session_id, e.user_id, e.city, e.payment_method, lines, e.total)


def _inventory_values(e: InventoryMove) -> tuple[Any, ...]:
    return (e.product_id, e.category, e.delta, e.reason, e.stock_level)


@dataclass(frozen=True)
class TopicFormat:
    """How one topic's events become Parquet: its schema and how to take an event apart."""

    topic_base: str
    schema: pa.Schema
    values: Callable[[Any], tuple[Any, ...]]

    @property
    def body_names(self) -> list[str]:
        return self.schema.names[4:-2]

    def new_rows(self) -> Rows:
        return Rows(self, [[] for _ in self.body_names])


FORMATS: Final[dict[str, TopicFormat]] = {
    CLICKS.base: TopicFormat(CLICKS.base, CLICK_SCHEMA, _click_values),
    PURCHASES.base: TopicFormat(PURCHASES.base, PURCHASE_SCHEMA, _purchase_values),
    INVENTORY.base: TopicFormat(INVENTORY.base, INVENTORY_SCHEMA, _inventory_values),
}


@dataclass
class Rows:
    """Rows of one topic with their Kafka coordinates, in offset order.

    Rows come one by one as events (gathered column by column: a buffer of 100k events costs lists
    of plain values, not 100k dicts) or as rows of an already columnar batch (archiver.columnar),
    taken by index; a run of either kind becomes one piece of the table when the kind changes.
    """

    format: TopicFormat
    body: list[list[Any]]
    event_ids: list[str] = field(default_factory=list)
    event_times_ms: list[int] = field(default_factory=list)
    schema_versions: list[int] = field(default_factory=list)
    partitions: list[int] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)
    pieces: list[pa.Table] = field(default_factory=list)
    batch: pa.Table | None = None
    taken: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.offsets)

    def append(self, event: Event, partition: int, offset: int) -> None:
        assert isinstance(event, Click | Purchase | InventoryMove)
        if self.taken:
            self._seal_taken()
        self.event_ids.append(event.event_id)
        self.event_times_ms.append(event.event_time_ms)
        self.schema_versions.append(event.schema_version)
        for column, value in zip(self.body, self.format.values(event), strict=True):
            column.append(value)
        self.partitions.append(partition)
        self.offsets.append(offset)

    def append_row(self, batch: pa.Table, row: int, partition: int, offset: int) -> None:
        """Append row `row` of `batch`, a table in the topic's schema without the Kafka columns."""
        if batch is not self.batch:
            self._seal_taken()
            self.batch = batch
        if self.event_ids:
            self._seal_events()
        self.taken.append(row)
        self.partitions.append(partition)
        self.offsets.append(offset)

    def append_table(self, table: pa.Table, partition: int, offsets: Sequence[int]) -> None:
        """Append every row of `table` (the topic's schema without the Kafka columns), at `offsets`."""
        self._seal_taken()
        if self.event_ids:
            self._seal_events()
        self.pieces.append(table)
        self.partitions.extend([partition] * len(offsets))
        self.offsets.extend(offsets)

    def _seal_taken(self) -> None:
        if self.taken:
            assert self.batch is not None
            self.pieces.append(self.batch.take(self.taken))
            self.taken = []

    def _seal_events(self) -> None:
        schema = self.format.schema
        times = pa.array(self.event_times_ms, pa.int64())
        arrays = [
            pa.array(self.event_ids, pa.string()),
            times.cast(EVENT_TIME),
            times,
            pa.array(self.schema_versions, pa.int32()),
            *(pa.array(column, schema.field(name).type) for name, column in zip(self.format.body_names, self.body, strict=True)),
        ]
        self.pieces.append(pa.Table.from_arrays(arrays, schema=pa.schema(list(schema)[:-2])))
        self.event_ids, self.event_times_ms, self.schema_versions = [], [], []
        self.body = [[] for _ in self.body]

    def to_table(self) -> pa.Table:
        if self.event_ids:
            self._seal_events()
        self._seal_taken()
        self.batch = None
        schema = self.format.schema
        table = self.pieces[0] if len(self.pieces) == 1 else pa.concat_tables(self.pieces).combine_chunks()
        self.pieces = [table]
        table = table.append_column(schema.field("kafka_partition"), pa.array(self.partitions, pa.int32()))
        return table.append_column(schema.field("kafka_offset"), pa.array(self.offsets, pa.int64()))


# Columns whose values are (nearly) all distinct: dictionary encoding them cost a third of the
# write time on random ids and made files larger, so they are written plain (bench/lake.py).
UNIQUE_COLUMNS: Final = frozenset({"event_id", "order_id", "event_time", "event_time_ms", "kafka_offset"})


def _leaf_paths(name: str, type_: pa.DataType) -> list[str]:
    """The Parquet column paths of one Arrow field (a list<struct> field has one per struct field)."""
    if pa.types.is_list(type_):
        return _leaf_paths(f"{name}.list.element", type_.value_type)
    if pa.types.is_struct(type_):
        return [path for child in type_ for path in _leaf_paths(f"{name}.{child.name}", child.type)]
    return [name]


def _dictionary_columns(schema: pa.Schema) -> list[str]:
    return [path for f in schema if f.name not in UNIQUE_COLUMNS for path in _leaf_paths(f.name, f.type)]


def to_parquet(table: pa.Table) -> bytes:
    """`table` as one Snappy-compressed Parquet file."""
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="snappy", use_dictionary=_dictionary_columns(table.schema))
    return bytes(sink.getvalue().to_pybytes())


def from_parquet(data: bytes) -> pa.Table:
    return pq.read_table(pa.BufferReader(data))
