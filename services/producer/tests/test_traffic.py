"""The traffic model on its own: deterministic, funnel-shaped, and consistent about carts and stock."""

from __future__ import annotations

import itertools
import random
import uuid
from collections import Counter, defaultdict
from dataclasses import replace
from decimal import Decimal

import pytest
from producer.catalogue import generate
from producer.ids import seeded_uuid
from producer.profile import DAY_MS, HOUR_MS, HOUR_WEIGHTS, PEAK_HOUR_UTC, parse_start, weight_at
from producer.traffic import DEFAULT_START_MS, ShopModel, TrafficConfig

from souk.contract import CATEGORIES, CITIES, PAYMENT_METHODS, Click, InventoryMove, Purchase, decode, encode, encode_key

FUNNEL = ("home", "category", "product", "cart", "checkout", "purchase")
CATALOGUE = generate()


def take(model: ShopModel, n: int) -> list[Click | Purchase | InventoryMove]:
    return list(itertools.islice(model.events(), n))


@pytest.fixture(scope="module")
def events() -> list[Click | Purchase | InventoryMove]:
    return take(ShopModel(CATALOGUE, seed=11), 60_000)


def test_same_seed_same_events_different_seed_different():
    first = [(encode_key(e), encode(e)) for e in take(ShopModel(CATALOGUE, seed=5), 5_000)]
    again = [(encode_key(e), encode(e)) for e in take(ShopModel(CATALOGUE, seed=5), 5_000)]
    other = [(encode_key(e), encode(e)) for e in take(ShopModel(CATALOGUE, seed=6), 5_000)]
    assert first == again
    assert len({value for _, value in first} & {value for _, value in other}) == 0


def test_seeded_uuid_is_the_canonical_version_4_uuid_of_the_draw():
    a, b = random.Random(3), random.Random(3)
    for _ in range(2_000):
        assert seeded_uuid(a) == str(uuid.UUID(int=b.getrandbits(128), version=4))


def test_event_ids_are_unique_and_every_event_survives_the_wire(events):
    assert len({e.event_id for e in events}) == len(events)
    for event in events[:5_000]:
        assert decode(event.topic.base, encode(event)) == event


def test_events_come_in_event_time_order_from_the_start(events):
    times = [e.event_time_ms for e in events]
    assert times == sorted(times)
    assert times[0] >= DEFAULT_START_MS


def test_every_session_walks_the_funnel_in_order(events):
    first_seen: dict[str, dict[str, int]] = defaultdict(dict)
    for index, event in enumerate(events):
        if isinstance(event, Click):
            first_seen[event.session_id].setdefault(event.page, index)
        elif isinstance(event, Purchase):
            first_seen[event.session_id].setdefault("purchase", index)
    reached: Counter[str] = Counter()
    for steps in first_seen.values():
        if "home" not in steps:  # a session that began before the first event taken: none, the model starts empty
            pytest.fail("a session without a home page view")
        depth = max(FUNNEL.index(step) for step in steps)
        # Reaching a step means having reached every earlier one, earlier.
        assert [step for step in FUNNEL[: depth + 1]] == sorted(steps, key=steps.__getitem__)
        for step in steps:
            reached[step] += 1
    counts = [reached[step] for step in FUNNEL]
    assert counts == sorted(counts, reverse=True)
    # Believable drop-off: most sessions leave before paying, yet thousands pay.
    assert counts[-1] < counts[0] * 0.3
    assert counts[-1] > 1_000


def test_an_order_buys_only_what_its_session_viewed_and_carted(events):
    viewed: dict[str, set[str]] = defaultdict(set)
    carted: dict[str, Counter[str]] = defaultdict(Counter)
    orders = 0
    for event in events:
        if isinstance(event, Click):
            sid, pid = event.session_id, str(event.product_id)
            if event.page == "product" and event.action == "view":
                viewed[sid].add(pid)
            elif event.action == "add_to_cart":
                assert pid in viewed[sid], "added a product the session never viewed"
                carted[sid][pid] += 1
            elif event.action == "remove_from_cart":
                assert carted[sid][pid] > 0, "removed a product that was not in the cart"
                carted[sid][pid] -= 1
        elif isinstance(event, Purchase):
            orders += 1
            for line in event.lines:
                assert line.product_id in viewed[event.session_id]
                assert 1 <= line.quantity <= carted[event.session_id][line.product_id]
                assert line.unit_price == CATALOGUE_BY_ID[line.product_id].price
                assert line.category == CATALOGUE_BY_ID[line.product_id].category
            assert event.total == sum((line.unit_price * line.quantity for line in event.lines), Decimal(0))
            assert event.total.as_tuple().exponent == -2
    assert orders > 1_000


CATALOGUE_BY_ID = {p.product_id: p for p in CATALOGUE}


def test_every_sale_moves_the_stock_which_never_goes_negative(events):
    level = {p.product_id: p.stock for p in CATALOGUE}
    expected_sales: list[tuple[str, int]] = []
    sales: list[tuple[str, int]] = []
    for event in events:
        if isinstance(event, Purchase):
            expected_sales.extend((line.product_id, -line.quantity) for line in event.lines)
        elif isinstance(event, InventoryMove):
            assert event.stock_level == level[event.product_id] + event.delta
            assert event.stock_level >= 0
            assert event.category == CATALOGUE_BY_ID[event.product_id].category
            level[event.product_id] = event.stock_level
            if event.reason == "sale":
                sales.append((event.product_id, event.delta))
            else:
                assert event.reason == "restock" and event.delta > 0
    assert sorted(sales) == sorted(expected_sales)


def test_low_stock_is_restocked_and_sold_out_products_are_not_oversold():
    scarce = [replace(p, stock=3, low_stock_threshold=1) for p in CATALOGUE[:: len(CATALOGUE) // 10]]
    model = ShopModel(scarce, seed=2)
    moves = [e for e in take(model, 40_000) if isinstance(e, InventoryMove)]
    restocks = [m for m in moves if m.reason == "restock"]
    assert restocks, "nothing was restocked"
    assert all(m.stock_level >= 0 for m in moves)
    assert all(m.stock_level == max(3, 4 * 1) for m in restocks)
    assert all(level >= 0 for level in model.stock.values())


def test_all_cities_categories_and_payment_methods_occur(events):
    assert {e.city for e in events if isinstance(e, Click)} == set(CITIES)
    assert {e.category for e in events if isinstance(e, Click) and e.category} == set(CATEGORIES)
    assert {e.payment_method for e in events if isinstance(e, Purchase)} == set(PAYMENT_METHODS)


def test_hour_profile_peaks_in_the_evening():
    assert PEAK_HOUR_UTC in range(18, 23)
    assert sum(HOUR_WEIGHTS) == pytest.approx(24)
    assert weight_at(DEFAULT_START_MS + 20 * HOUR_MS) > 4 * weight_at(DEFAULT_START_MS + 4 * HOUR_MS)


def test_sessions_follow_the_hour_profile_over_simulated_days():
    model = ShopModel(CATALOGUE, seed=3, config=TrafficConfig(sessions_per_hour=150))
    sessions_by_hour: Counter[int] = Counter()
    for event in model.events():
        if event.event_time_ms >= DEFAULT_START_MS + 2 * DAY_MS:
            break
        if isinstance(event, Click) and event.page == "home":
            sessions_by_hour[(event.event_time_ms % DAY_MS) // HOUR_MS] += 1
    busiest = max(range(24), key=sessions_by_hour.__getitem__)
    assert busiest in range(18, 23)
    evening = sum(sessions_by_hour[h] for h in (19, 20, 21))
    small_hours = sum(sessions_by_hour[h] for h in (2, 3, 4))
    assert evening > 8 * small_hours


def test_stamp_replaces_the_simulated_time_on_events():
    model = ShopModel(CATALOGUE, seed=4, stamp=lambda _sim_ms: 1_800_000_000_000)
    assert {e.event_time_ms for e in take(model, 500)} == {1_800_000_000_000}
    # The rest of each event is the seed's, whatever the clock says.
    plain = take(ShopModel(CATALOGUE, seed=4), 500)
    stamped = take(ShopModel(CATALOGUE, seed=4, stamp=lambda _sim_ms: 1_800_000_000_000), 500)
    assert [replace(e, event_time_ms=DEFAULT_START_MS) for e in plain] == [replace(e, event_time_ms=DEFAULT_START_MS) for e in stamped]


def test_parse_start():
    assert parse_start("2026-01-01T00:00:00Z", 0) == DEFAULT_START_MS
    assert parse_start("2026-01-01T01:00:00+01:00", 0) == DEFAULT_START_MS
    assert parse_start("2026-01-01", 0) == DEFAULT_START_MS
    assert parse_start("today", DEFAULT_START_MS + 5 * HOUR_MS + 17) == DEFAULT_START_MS
    assert parse_start("now", 1234) == 1234
    with pytest.raises(ValueError, match="ISO-8601"):
        parse_start("yesterday-ish", 0)


def test_config_rejects_nonsense():
    with pytest.raises(ValueError):
        TrafficConfig(sessions_per_hour=0)
    with pytest.raises(ValueError):
        ShopModel([], seed=1)
