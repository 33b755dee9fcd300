"""Unit tests of the dashboard's settings."""

from __future__ import annotations

import pytest
from dashboard.settings import dashboard_settings

from souk.settings import SettingsError


def test_defaults_bind_locally_and_derive_addresses():
    settings = dashboard_settings({"SOUK_BIND": "127.0.0.1"})
    assert (settings.bind_host, settings.port) == ("127.0.0.1", 8050)
    assert settings.processor_url == "http://127.0.0.1:6066"
    assert settings.hdfs_url == "http://127.0.0.1:9870"
    assert settings.processor_group == "processor"
    assert settings.flume_agents["flume-kafka"] == "http://127.0.0.1:41415/metrics"


def test_prefix_applies_to_topics_and_the_processor_group():
    settings = dashboard_settings({"SOUK_TOPIC_PREFIX": "t1.", "PROCESSOR_URL": "http://h:1/"})
    assert settings.topic("kpis") == "t1.kpis"
    assert settings.processor_group == "t1.processor"
    assert settings.processor_url == "http://h:1"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DASHBOARD_PORT", "0", "DASHBOARD_PORT=0"),
        ("DASHBOARD_REFRESH_MS", "50", "DASHBOARD_REFRESH_MS"),
        ("DASHBOARD_PORT", "x", "integer"),
    ],
)
def test_bad_values_fail_with_one_line(name, value, message):
    with pytest.raises(SettingsError, match=message) as error:
        dashboard_settings({name: value})
    assert "\n" not in str(error.value)
