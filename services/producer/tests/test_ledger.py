"""The ledger counts what it is given, survives a round trip through JSON, and merges."""

from __future__ import annotations

import hashlib
import itertools
import json
from collections import defaultdict
from decimal import Decimal

from producer.catalogue import generate
from producer.ledger import FORMAT, Ledger, ids_digest, load
from producer.traffic import ShopModel

from souk.contract import Click, InventoryMove, Purchase

CATALOGUE = generate()


def events(seed: int, n: int) -> list[Click | Purchase | InventoryMove]:
    return list(itertools.islice(ShopModel(CATALOGUE, seed=seed).events(), n))


def ledger_of(evs, *, ids: bool = False) -> Ledger:
    ledger = Ledger(run={"seed": 1})
    if ids:
        ledger.keep_event_ids()
    for event in evs:
        ledger.add(event)
    return ledger


def test_counts_and_sums_match_a_plain_recount():
    evs = events(1, 20_000)
    data = ledger_of(evs).to_json()
    purchases = [e for e in evs if isinstance(e, Purchase)]
    clicks = [e for e in evs if isinstance(e, Click)]
    assert data["format"] == FORMAT
    assert data["topics"]["clicks"]["count"] == len(clicks)
    assert data["topics"]["purchases"]["count"] == len(purchases)
    assert data["orders"]["count"] == len(purchases)
    assert Decimal(data["orders"]["revenue"]) == sum(p.total for p in purchases)
    by_category: dict[str, Decimal] = defaultdict(Decimal)
    for p in purchases:
        for line in p.lines:
            by_category[line.category] += line.unit_price * line.quantity
    assert {k: Decimal(v["revenue"]) for k, v in data["by_category"].items()} == {
        k: by_category.get(k, Decimal(0)) for k in data["by_category"]
    }
    assert sum(Decimal(v["revenue"]) for v in data["by_category"].values()) == Decimal(data["orders"]["revenue"])
    assert sum(Decimal(v["revenue"]) for v in data["by_city"].values()) == Decimal(data["orders"]["revenue"])
    assert sum(Decimal(v["revenue"]) for v in data["by_hour"].values()) == Decimal(data["orders"]["revenue"])
    assert sum(v["clicks"] for v in data["by_hour"].values()) == len(clicks)
    assert data["funnel"]["home"] == len({c.session_id for c in clicks if c.page == "home"})
    assert data["funnel"]["purchase"] == len({p.session_id for p in purchases})
    assert data["topics"]["clicks"]["ids_digest"] == ids_digest(c.event_id for c in clicks)
    assert all(isinstance(v["revenue"], str) for v in data["by_payment_method"].values())
    assert all(len(hour) == 13 and hour[10] == "T" for hour in data["by_hour"])


def test_ids_digest_is_order_free_and_counts_duplicates():
    ids = ["a", "b", "c"]
    assert ids_digest(ids) == ids_digest(reversed(ids))
    assert ids_digest(ids) != ids_digest([*ids, "a"])
    expected = sum(int(hashlib.sha256(i.encode()).hexdigest(), 16) for i in ids) % 2**256
    assert ids_digest(ids) == f"{expected:064x}"


def test_round_trip_through_a_file(tmp_path):
    ledger = ledger_of(events(2, 5_000), ids=True)
    ledger.add_malformed("clicks", "bad_json")
    ledger.add_failed("purchases")
    path = tmp_path / "sub" / "ledger.json"
    ledger.save(path)
    again = load(path)
    assert again.to_json() == ledger.to_json()
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["malformed"] == {
        "count": 1,
        "by_topic": {"clicks": 1, "purchases": 0, "inventory": 0},
        "by_kind": {"bad_json": 1},
    }
    assert data["failed"]["count"] == 1
    assert len(data["event_ids"]["clicks"]) == data["topics"]["clicks"]["count"]
    assert [p.name for p in path.parent.iterdir()] == ["ledger.json"]


def test_merge_equals_one_ledger_of_both_runs():
    first, second = events(3, 6_000), events(4, 6_000)
    merged = ledger_of(first, ids=True).merge(ledger_of(second, ids=True))
    together = ledger_of(first + second, ids=True)
    assert merged.to_json()["funnel"] == together.to_json()["funnel"]
    mine, theirs = merged.to_json(), together.to_json()
    # Stock levels come from the later ledger; everything else adds up.
    mine["inventory"].pop("stock_level")
    theirs["inventory"].pop("stock_level")
    assert mine == theirs
