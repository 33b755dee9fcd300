"""The columnar decode path is the contract decoder, only faster: same rows, same rejects, same files, same DLQ."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

import pytest
from archiver.columnar import DECODERS, ColumnarDecoder, Decoded
from archiver.destinations import LocalDestination
from archiver.formats import FORMATS, from_parquet
from archiver.layout import HOUR_MS, Layout
from archiver.testing import BASE, INVALID_VALUES, T0, TOPICS, ListDeadLetters, make_archiver, random_event, recover_all
from archiver.writer import Archiver, RollPolicy

from souk.contract import ContractError, decode, encode
from souk.contract.checks import EVENT_TIME_END_MS, EVENT_TIME_MIN_MS

Mutation = Callable[[dict[str, Any]], object]


def _set(**changes: object) -> Mutation:
    def mutate(d: dict[str, Any]) -> dict[str, Any]:
        d.update(changes)
        return d

    return mutate


def _drop(name: str) -> Mutation:
    def mutate(d: dict[str, Any]) -> dict[str, Any]:
        del d[name]
        return d

    return mutate


def _line(**changes: object) -> Mutation:
    def mutate(d: dict[str, Any]) -> dict[str, Any]:
        d["lines"][0].update(changes)
        return d

    return mutate


def _extra_line(**changes: object) -> Mutation:
    """Append a copy of the first line, changed so that it adds nothing to the total."""

    def mutate(d: dict[str, Any]) -> dict[str, Any]:
        d["lines"].append({**d["lines"][0], **changes})
        return d

    return mutate


def _raw(text: str) -> Mutation:
    """Replace the value by a text in which {json} is the event's own compact JSON."""

    def mutate(d: dict[str, Any]) -> bytes:
        return text.replace("{json}", json.dumps(d, separators=(",", ":"), ensure_ascii=False)).encode("utf-8", "surrogatepass")

    return mutate


COMMON: list[Mutation] = [
    _set(event_time_ms="1767225600000"),
    _set(event_time_ms=1767225600000.0),
    _set(event_time_ms=True),
    _set(event_time_ms=1_767_225_600),  # seconds, not ms
    _set(event_time_ms=EVENT_TIME_MIN_MS),  # valid: the first ms allowed
    _set(event_time_ms=EVENT_TIME_END_MS),
    _set(event_time_ms=2**63),
    _set(event_time_ms=None),
    _set(schema_version=2),
    _set(schema_version="1"),
    _set(schema_version=True),
    _drop("schema_version"),
    _set(event_id="not-a-uuid"),
    _set(event_id="0F8FAD5B-D9CB-469F-A165-70867728950E"),
    _set(event_id=42),
    _drop("event_id"),
    _set(unexpected=1),
    _set(session_id=""),
    _set(session_id="S" * 64),  # valid: the longest id
    _set(session_id="S" * 65),
    _set(session_id="Sé-ünïcode-日本"),  # valid
    _set(session_id="S\ud800"),  # a lone surrogate, as raw (invalid UTF-8) bytes
    lambda d: json.dumps({**d, "user_id": "U\ud800"}).encode(),  # ... and as its \u escape
    lambda d: json.dumps({**d, "user_id": "Ué"}, ensure_ascii=False).encode().replace("Ué".encode(), b"U\xe9"),  # not UTF-8
    lambda d: json.dumps(d).encode(),  # valid: non-ASCII as \u escapes, spaces after separators
    _set(session_id="S\x00\x7f"),  # valid: escaped control characters are text like any other
    _set(session_id=None),
    _set(session_id=7),
    _set(city="Paris"),
    _set(city="Fès"),  # valid
    _set(city="fès"),
    _set(city=None),
    _raw(" {json} "),  # valid: JSON allows whitespace around the object
    _raw("{json}\n"),  # valid too, but a newline: the whole batch goes one by one
    _raw("\t{json}\r"),  # valid: tab and CR are whitespace
    _raw("{json}\x01"),
    _raw("\ufeff{json}"),  # a UTF-8 byte order mark
    lambda d: json.dumps(d).encode().replace(b'":"', b'":"\t', 1),  # a tab inside a string
    _raw("{json}{json}"),
    _raw("{json}}"),
    _raw("[{json}]"),
    _raw('{json},{"__i":1,"v":{json}}'),
    _raw('{"__i":0,"v":{json}}'),
    _raw("{json}".replace("{json}", '{"a":1}')),
]
CLICK: list[Mutation] = [
    _set(page="search"),
    _set(action="buy"),
    _set(category="Toys"),
    _set(category=None),  # product page: required
    _set(product_id=None),
    _drop("product_id"),
    _set(page="home", action="view", product_id=None, category=None),  # valid: optional fields null
    _set(page="home", action="view", product_id="P1", category=None),  # valid
    _set(page="home", action="remove_from_cart", category=None),
    _set(product_id=""),
    _set(city="F\u00e8s"),  # valid
    _raw("{json}".replace("{json}", '{"event_id":"x","event_id":"y"}')),
]
PURCHASE: list[Mutation] = [
    _set(total="1.5"),
    _set(total=12.5),
    _set(total="12.500"),
    _set(total="-5.00"),
    _set(total="0.00"),
    _set(total="-0.00"),
    _set(total="1" * 17 + ".00"),
    _set(total="0.01"),  # total ≠ sum of lines
    _set(lines=[]),
    _set(lines=None),
    _set(lines="x"),
    _set(lines=[None]),
    _line(extra=1),
    _line(quantity=0),
    _extra_line(quantity=0),
    _extra_line(unit_price="0.00"),
    _extra_line(unit_price="-0.00"),
    _extra_line(quantity=-1, unit_price="0.01", product_id="P2"),
    _extra_line(quantity=1, unit_price="0.01"),  # the total is then off by a cent
    _line(quantity=-1),
    _line(quantity=True),
    _line(quantity=2.0),
    _line(quantity=2**62),  # the amount overflows int64
    _line(unit_price="1.5"),
    _line(unit_price="0.00"),
    _line(unit_price=None),
    _line(category="Toys"),
    _line(product_id="P" * 65),
    _drop("lines"),
    _set(payment_method="Bitcoin"),
    lambda d: json.dumps({**d, "payment_method": "Cash on Delivery"}).encode().replace(b"Cash", b"\\u0043ash"),  # valid
    _set(order_id=""),
]
INVENTORY: list[Mutation] = [
    _set(delta=0),
    _set(reason="sale", delta=3),
    _set(reason="restock", delta=-3),
    _set(reason="return", delta=-3),  # valid
    _set(reason="theft"),
    _set(stock_level=-1),
    _set(stock_level=0),  # valid
    _set(delta=1.5),
    _set(delta=-(2**63)),  # valid: int64's smallest
    _set(delta=2**63),
    _set(category="Toys"),
]
BY_TOPIC = {"clicks": CLICK, "purchases": PURCHASE, "inventory": INVENTORY}
RAW_INVALID = [*INVALID_VALUES, b"", b"null", b'"x"', b"\xff" + b"{}", b"NaN", None]


def _seed_dict(base: str, rng: random.Random) -> dict[str, Any]:
    while True:
        d = json.loads(encode(random_event(base, T0 + rng.randrange(3 * HOUR_MS), rng)))
        if base != "clicks" or d.get("product_id"):
            return d


def mutated_values(base: str, rng: random.Random) -> list[bytes | None]:
    """One value per mutation of a valid event of `base`, plus some that are not events at all."""
    values: list[bytes | None] = []
    for mutate in [*COMMON, *BY_TOPIC[base]]:
        value = mutate(_seed_dict(base, rng))
        if not isinstance(value, bytes):
            value = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass")
        values.append(value)
    values.extend(RAW_INVALID)
    if base == "purchases":
        d = _seed_dict(base, rng)
        d["lines"] = d["lines"][:1] * 101
        values.append(json.dumps(d).encode())
        d = _seed_dict(base, rng)
        d["lines"] = [{**d["lines"][0], "quantity": 1, "unit_price": "0012.50"}]
        d["total"] = "12.50"  # valid: leading zeros are still money
        values.append(json.dumps(d).encode())
    return values


def valid_values(base: str, count: int, rng: random.Random, hours: range = range(3)) -> list[bytes | None]:
    """Valid values with event times in `hours` (hours after T0)."""
    return [encode(random_event(base, T0 + HOUR_MS * rng.choice(hours) + rng.randrange(HOUR_MS), rng)) for _ in range(count)]


def contract_rows(base: str, values: list[bytes | None]) -> tuple[list[int], Any]:
    """The per-event path: the indices the contract accepts, and their rows as a table."""
    rows = FORMATS[base].new_rows()
    accepted = []
    for index, value in enumerate(values):
        try:
            event = decode(base, value)  # type: ignore[arg-type]
        except ContractError:
            continue
        rows.append(event, 0, index)
        accepted.append(index)
    return accepted, rows.to_table().drop_columns(["kafka_partition", "kafka_offset"])


@pytest.mark.parametrize("base", sorted(BY_TOPIC))
def test_valid_batches_decode_to_the_contract_decoders_table(base: str) -> None:
    values = valid_values(base, 300, random.Random(base))
    decoded = DECODERS[base].decode(values)
    assert decoded is not None
    accepted, expected = contract_rows(base, values)
    assert accepted == list(range(len(values)))
    assert decoded.row_of == accepted
    assert decoded.table.equals(expected)
    assert decoded.times == expected.column("event_time_ms").to_pylist()


@pytest.mark.parametrize("base", sorted(BY_TOPIC))
def test_each_odd_value_is_judged_as_the_contract_judges_it(base: str) -> None:
    """Every odd value alone among valid ones: proven valid only if the contract accepts it, with the same row."""
    rng = random.Random(f"odd-{base}")
    odd = mutated_values(base, rng)
    contract_valid = 0
    for value in odd:
        values = [*valid_values(base, 20, rng), value, *valid_values(base, 20, rng)]
        accepted, expected = contract_rows(base, values)
        contract_valid += 20 in accepted
        decoded = DECODERS[base].decode(values)
        if decoded is None:  # the batch goes to the contract decoder as a whole
            continue
        proven = [i for i, row in enumerate(decoded.row_of) if row is not None]
        assert set(proven) <= set(accepted), value
        assert decoded.table.equals(expected.take([accepted.index(i) for i in proven])), value
    assert contract_valid >= 3  # the set holds valid oddities too (null optionals, unicode, limits)


@pytest.mark.parametrize("base", sorted(BY_TOPIC))
def test_rows_that_break_a_rule_are_left_to_the_contract_one_by_one(base: str) -> None:
    """Values pyarrow parses but the contract rejects are singled out; the batch's other rows stay columnar."""
    rng = random.Random(f"rule-{base}")
    broken = {"clicks": _set(city="Paris"), "purchases": _set(total="0.01"), "inventory": _set(delta=0)}[base]
    bad = json.dumps(broken(_seed_dict(base, rng))).encode()
    values = [*valid_values(base, 30, rng), bad, *valid_values(base, 30, rng)]
    decoded = DECODERS[base].decode(values)
    assert decoded is not None
    assert [i for i, row in enumerate(decoded.row_of) if row is None] == [30]


def _lake(dest: LocalDestination) -> dict[str, list[dict[str, Any]]]:
    layout = Layout(BASE)
    files: dict[str, list[dict[str, Any]]] = {}
    root = dest._local(layout.base)
    for path in sorted(root.rglob("*.parquet")):
        if "_archiver" not in path.parts:
            files[str(path.relative_to(root))] = from_parquet(path.read_bytes()).to_pylist()
    return files


@pytest.mark.parametrize("batch", [16, 37, 150])
def test_the_archiver_writes_the_same_files_and_letters_batch_by_batch(tmp_path: Any, batch: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Odd and valid values shuffled over 2 partitions of each topic: add_batch ≡ add, record by record."""
    columnar: list[int] = []
    decode_batch = ColumnarDecoder.decode

    def counted(self: ColumnarDecoder, values: list[bytes | None]) -> Decoded | None:
        decoded = decode_batch(self, values)
        columnar.append(0 if decoded is None else decoded.table.num_rows)
        return decoded

    monkeypatch.setattr(ColumnarDecoder, "decode", counted)
    whole: list[bool] = []
    add_whole = Archiver._add_whole

    def counted_whole(self: Archiver, *args: Any) -> bool:
        whole.append(add_whole(self, *args))
        return whole[-1]

    monkeypatch.setattr(Archiver, "_add_whole", counted_whole)
    rng = random.Random(batch)
    log: dict[tuple[str, int], list[bytes | None]] = {}
    for topic, base in TOPICS.items():
        for partition in range(2):
            odd = mutated_values(base, rng)
            values = valid_values(base, 600, rng)
            for value in odd:  # in the first third: the rest has whole batches of valid values
                values.insert(rng.randrange(len(values) // 3), value)
            values += valid_values(base, 600, rng, hours=range(2, 3))  # ... and of one hour (taken in one step)
            log[(topic, partition)] = values
    policy = RollPolicy(records=200, span_ms=10 * HOUR_MS)
    results = []
    for mode in ("one", "batch"):
        dest = LocalDestination(tmp_path / mode)
        dlq = ListDeadLetters()
        archiver = make_archiver(dest, dlq, policy, wall_clock=lambda: 1_800_000_000.0)
        recover_all(archiver)
        for (topic, partition), values in log.items():
            if mode == "one":
                for offset, value in enumerate(values):
                    archiver.add(topic, partition, offset, value)
            else:
                for start in range(0, len(values), batch):
                    archiver.add_batch(
                        topic, partition, range(start, start + len(values[start : start + batch])), values[start : start + batch]
                    )
        archiver.flush_all()
        results.append((_lake(dest), dlq.sent, archiver.stats))
    (lake_one, letters_one, stats_one), (lake_batch, letters_batch, stats_batch) = results
    assert sum(columnar) > 4500  # half the records or more took the columnar path
    assert whole.count(True) >= 3 and whole.count(False) >= 3  # batches taken in one step, and rolls inside batches
    assert lake_batch == lake_one
    assert letters_batch == letters_one
    assert stats_batch == stats_one
    assert stats_one.dead_letters > 100 and stats_one.records > 7200
