import pytest
from processor import queries
from processor.cluster import parse_partitions


def test_merge_adds_partials_key_by_key() -> None:
    merged = queries.merge([{"city|Rabat": [1050, 1]}, {"city|Rabat": [995, 2], "city|Fès": [1, 1]}])
    assert merged == {"city|Rabat": [2045, 3], "city|Fès": [1, 1]}


def test_totals_render_money_as_two_place_strings() -> None:
    merged = {
        "city|Rabat": [2045, 3],
        "city|Fès": [5, 1],
        "category|Beauty": [2050, 4, 9],
        "payment_method|Credit Card": [2050, 4],
        "events|clicks": [10, 2, 1],
    }
    rendered = queries.render_totals(merged)
    assert rendered["revenue"] == "20.50"
    assert rendered["orders"] == 4
    assert rendered["by_city"] == {"Fès": {"revenue": "0.05", "orders": 1}, "Rabat": {"revenue": "20.45", "orders": 3}}
    assert rendered["by_category"] == {"Beauty": {"revenue": "20.50", "orders": 4, "units": 9}}
    assert rendered["events"]["clicks"] == {"accepted": 10, "duplicates": 2, "rejected": 1}
    assert rendered["events"]["inventory"] == {"accepted": 0, "duplicates": 0, "rejected": 0}


def test_revenue_keeps_the_last_windows_oldest_first() -> None:
    merged = {str(start): [100 * i, i] for i, start in enumerate((60_000, 120_000, 180_000), start=1)}
    rendered = queries.render_revenue(merged, "60s", 2)
    assert [(w["start_ms"], w["end_ms"], w["revenue"], w["orders"]) for w in rendered["windows"]] == [
        (120_000, 180_000, "2.00", 2),
        (180_000, 240_000, "3.00", 3),
    ]
    with pytest.raises(queries.QueryError):
        queries.window_size("7s")


def test_funnel_rates() -> None:
    merged = {"60000|home": [200], "60000|category": [150], "60000|purchase": [15]}
    window = queries.render_funnel(merged, 60, 5)["windows"][0]
    steps = {s["step"]: s for s in window["steps"]}
    assert steps["home"]["rate_from_first"] == "1.0000"
    assert steps["category"]["rate_from_previous"] == "0.7500"
    assert steps["purchase"]["rate_from_first"] == "0.0750"
    assert steps["checkout"]["sessions"] == 0 and steps["purchase"]["rate_from_previous"] is None


def test_top_products_by_units_then_revenue() -> None:
    merged = {"Beauty|P-1": [3, 900, 2], "Sports|P-2": [5, 100, 1], "Fashion|P-3": [3, 1000, 1]}
    assert [p["product_id"] for p in queries.render_top_products(merged, 2)["products"]] == ["P-2", "P-3"]


@pytest.mark.parametrize("text", ["", "1,x", "6", "-1"])
def test_bad_partition_lists_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_partitions(text)
