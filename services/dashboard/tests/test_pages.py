"""Unit tests of the pages' panel builders: with every source down each panel is a banner, never an exception."""

from __future__ import annotations

import json
from typing import Any

import pytest
from dashboard.app import create_app
from dashboard.pages import history, lake, live, sales, topics
from dashboard.pages.topics import parse_position
from dashboard.settings import dashboard_settings
from dashboard.sources import Sources


def text_of(component: Any) -> str:
    """All strings inside a Dash component tree."""
    return json.dumps(
        component.to_plotly_json() if hasattr(component, "to_plotly_json") else component, default=lambda c: c.to_plotly_json()
    )


@pytest.fixture
def dead_sources(dead_port, tmp_path):
    settings = dashboard_settings(
        {
            "SOUK_HOME": str(tmp_path),
            "KAFKA_BOOTSTRAP": f"127.0.0.1:{dead_port}",
            "PROCESSOR_URL": f"http://127.0.0.1:{dead_port}",
            "HDFS_URL": f"http://127.0.0.1:{dead_port}",
            "MYSQL_PORT": str(dead_port),
            "MYSQL_PASSWORD": "x",
            "FLUME_LOGS_PORT": str(dead_port),
            "FLUME_KAFKA_PORT": str(dead_port),
            "DASHBOARD_SOURCE_TIMEOUT": "0.5",
        }
    )
    sources = Sources.from_settings(settings)
    yield sources
    sources.close()


def test_every_panel_is_a_banner_when_its_source_is_down(dead_sources):
    panels = [
        ("processor unavailable: connection refused", live.processor_panels(dead_sources)[0]),
        ("mysql unavailable: ", sales.sales_panels(dead_sources)[0]),
        ("hdfs unavailable: connection refused", lake.capacity_panel(dead_sources)[0]),
        ("hdfs unavailable: connection refused", lake.hours_panel(dead_sources)),
        ("flume-logs unavailable: connection refused", lake.flume_panel(dead_sources)),
        ("archiver unavailable: no heartbeat file", lake.archiver_panel(dead_sources)),
        ("kafka unavailable: ", topics.topic_panels(dead_sources, "", False)[0]),
        ("kafka unavailable: ", lake.workers_panel(dead_sources)),
        ("hdfs unavailable: connection refused", history.options_panel(dead_sources)[0]),
    ]
    for expected, panel in panels:
        rendered = text_of(panel)
        assert "banner" in rendered and expected in rendered, (expected, rendered)


def test_the_app_routes_every_page_and_unknown_paths(dead_sources):
    app = create_app(dead_sources)
    route = app.callback_map["page.children"]["callback"]
    for path, marker in (
        ("/", "live-orders"),
        ("/history", "history-view"),
        ("/sales", "sales-banner"),
        ("/topics", "browse-topic"),
        ("/lake", "lake-path"),
    ):
        response = route(path, outputs_list={"id": "page", "property": "children"})
        assert marker in str(response), path
    assert "Not found" in str(route("/nope", outputs_list={"id": "page", "property": "children"}))
    assert app.server.test_client().get("/healthz").get_json()["status"] == "ok"


@pytest.mark.parametrize(
    ("seek", "text", "expected"),
    [
        ("latest", "", (None, None)),
        ("offset", "42", (42, None)),
        ("timestamp", "1764150000000", (None, 1764150000000)),
        ("timestamp", "2025-11-26T10:00:00", (None, 1764151200000)),
        ("timestamp", "2025-11-26T10:00:00+01:00", (None, 1764147600000)),
    ],
)
def test_parse_position(seek, text, expected):
    assert parse_position(seek, text) == expected


@pytest.mark.parametrize(("seek", "text"), [("offset", "-1"), ("offset", "x"), ("timestamp", "yesterday")])
def test_parse_position_rejects_nonsense(seek, text):
    with pytest.raises(ValueError):
        parse_position(seek, text)
