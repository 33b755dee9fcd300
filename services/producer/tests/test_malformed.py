"""Every kind of malformed message breaks the contract, and injection leaves the valid events alone."""

from __future__ import annotations

import itertools

import pytest
from producer.catalogue import generate
from producer.malformed import KINDS, KINDS_FOR, Injector, break_event
from producer.traffic import ShopModel

from souk.contract import Click, ContractError, InventoryMove, Purchase, decode

EVENTS = list(itertools.islice(ShopModel(generate(), seed=8).events(), 20_000))
SAMPLES: dict[str, list[Click | Purchase | InventoryMove]] = {
    base: [e for e in EVENTS if e.topic.base == base][:50] for base in ("clicks", "purchases", "inventory")
}
CASES = [(base, kind) for base, kinds in KINDS_FOR.items() for kind in kinds]


def test_every_kind_is_used_somewhere():
    assert {kind for _, kind in CASES} == set(KINDS)


@pytest.mark.parametrize(("base", "kind"), CASES, ids=[f"{b}-{k}" for b, k in CASES])
def test_each_kind_is_rejected_by_the_contract(base, kind):
    for index, event in enumerate(SAMPLES[base]):
        bad = break_event(event, kind, f"00000000-0000-4000-8000-{index:012d}")
        assert bad.topic_base == base and bad.kind == kind
        assert bad.key == event.key().encode()
        with pytest.raises(ContractError):
            decode(base, bad.value)


def test_a_kind_that_does_not_fit_the_topic_is_refused():
    with pytest.raises(ValueError, match="does not apply"):
        break_event(SAMPLES["clicks"][0], "total_mismatch", "00000000-0000-4000-8000-000000000000")


def test_injector_adds_the_fraction_deterministically():
    def run(seed: int) -> list[bytes]:
        injector = Injector(0.05, seed)
        return [bad.value for bad in map(injector.after, EVENTS) if bad is not None]

    first = run(1)
    assert len(first) == pytest.approx(0.05 * len(EVENTS), abs=1)
    assert first == run(1)
    assert first != run(2)
    assert Injector(0.0, 1).after(EVENTS[0]) is None
    with pytest.raises(ValueError):
        Injector(1.5, 1)
