"""Splitting the topics over processes, and the settings that drive it (no servers)."""

from __future__ import annotations

import pytest
from archiver.processes import topic_groups
from archiver.settings import ArchiverSettings

from souk.settings import SettingsError, load


def test_topics_are_dealt_into_at_most_one_group_per_process() -> None:
    bases = ("clicks", "purchases", "inventory")
    assert topic_groups(bases, 3) == [("clicks",), ("purchases",), ("inventory",)]
    assert topic_groups(bases, 8) == [("clicks",), ("purchases",), ("inventory",)]
    assert topic_groups(bases, 2) == [("clicks", "inventory"), ("purchases",)]
    assert topic_groups(bases, 1) == [bases]


def test_archiver_topics_names_the_topics_of_one_process() -> None:
    settings = load(ArchiverSettings, {"ARCHIVER_TOPICS": " purchases, clicks,purchases "})
    assert settings.topic_bases == ("purchases", "clicks")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("ARCHIVER_TOPICS", "clicks,kpis", "ARCHIVER_TOPICS='clicks,kpis': expected some of clicks, purchases, inventory"),
        ("ARCHIVER_TOPICS", " , ", "ARCHIVER_TOPICS"),
        ("ARCHIVER_PROCESSES", "0", "ARCHIVER_PROCESSES must be > 0"),
    ],
)
def test_bad_settings_fail_with_one_line_naming_the_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message) as raised:
        load(ArchiverSettings, {name: value})
    assert "\n" not in str(raised.value)
