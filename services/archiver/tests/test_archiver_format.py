"""The Parquet format and the lake's names, without any server."""

from __future__ import annotations

import random
from decimal import Decimal

import pyarrow as pa
from archiver.formats import FORMATS, from_parquet, to_parquet
from archiver.layout import FileName, Hour, Layout, manifest_offset
from archiver.testing import T0, random_event

from souk.contract import Purchase


def test_purchase_columns_are_typed_from_the_contract() -> None:
    rng = random.Random(1)
    rows = FORMATS["purchases"].new_rows()
    events = [random_event("purchases", T0 + i, rng) for i in range(5)]
    for offset, event in enumerate(events):
        rows.append(event, 3, 100 + offset)
    table = from_parquet(to_parquet(rows.to_table()))
    schema = table.schema
    assert schema.field("total").type == pa.decimal128(18, 2)
    assert schema.field("event_time").type == pa.timestamp("ms", tz="UTC")
    assert schema.field("lines").type.value_type.field("unit_price").type == pa.decimal128(18, 2)
    first = table.to_pylist()[0]
    event = events[0]
    assert isinstance(event, Purchase)
    assert first["total"] == event.total and isinstance(first["total"], Decimal)
    assert first["event_time_ms"] == T0 and first["event_time"].timestamp() * 1000 == T0
    assert [line["unit_price"] for line in first["lines"]] == [line.unit_price for line in event.lines]
    assert first["kafka_partition"] == 3 and table.column("kafka_offset").to_pylist() == [100, 101, 102, 103, 104]


def test_clicks_keep_absent_product_as_null() -> None:
    rng = random.Random(2)
    rows = FORMATS["clicks"].new_rows()
    events = [random_event("clicks", T0, rng) for _ in range(20)]
    for offset, event in enumerate(events):
        rows.append(event, 0, offset)
    table = from_parquet(to_parquet(rows.to_table()))
    assert table.column("product_id").to_pylist() == [getattr(e, "product_id", None) for e in events]
    assert None in table.column("product_id").to_pylist()


def test_file_names_sort_by_offset_and_parse_back() -> None:
    names = [FileName("p.clicks", 2, first, first + 9) for first in (5, 100, 20)]
    assert [FileName.parse(str(n)) for n in names] == names
    assert sorted(str(n) for n in names) == [str(n) for n in sorted(names, key=lambda n: n.first)]
    assert str(names[0]) == "p.clicks+2+00000000000000000005+00000000000000000014.parquet"
    assert FileName.parse("_SUCCESS") is None and FileName.parse("x+1+2+3.parquet") is None


def test_hour_directories_come_from_event_time_in_utc() -> None:
    hour = Hour.of(T0 + 5 * 3_600_000 + 59 * 60_000)
    assert hour.dir_part() == "date=2026-01-01/hour=05"
    assert Hour.parse("2026-01-01", "05") == hour
    assert Layout("/lake").final_path("clicks", hour, FileName("clicks", 0, 1, 2)).startswith("/lake/clicks/date=2026-01-01/hour=05/")
    assert manifest_offset("00000000000000000042.json") == 42 and manifest_offset("x.json") is None
