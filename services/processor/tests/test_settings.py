from decimal import Decimal
from pathlib import Path

import pytest
from processor.settings import processor_settings

from souk.settings import SettingsError


def test_defaults_name_the_app_after_the_prefix_and_the_data_dir_after_the_instance() -> None:
    settings = processor_settings({"SOUK_TOPIC_PREFIX": "t1.", "SOUK_INSTANCE": "3", "SOUK_HOME": "/srv/souk"})
    assert settings.app_id == "t1.processor"
    assert settings.data_dir == Path("/srv/souk/data/processor-3")
    assert settings.topic("clicks") == "t1.clicks"
    assert settings.high_ticket_threshold() == Decimal("1000.00")


def test_per_product_thresholds() -> None:
    settings = processor_settings({"LOW_STOCK_THRESHOLDS": "P-0001=5, P-0002=20"})
    assert settings.low_stock_thresholds() == {"P-0001": 5, "P-0002": 20}


@pytest.mark.parametrize(
    ("name", "value"),
    [("LOW_STOCK_THRESHOLDS", "P-0001"), ("HIGH_TICKET_THRESHOLD", "1000"), ("PROCESSOR_GUARANTEE", "twice"), ("PROCESSOR_PORT", "0")],
)
def test_bad_values_fail_with_one_line(name: str, value: str) -> None:
    with pytest.raises(SettingsError) as error:
        processor_settings({name: value})
    assert "\n" not in str(error.value)
