"""Unit tests of the pages' panel builders: with every source down each panel is a banner, never an exception."""

from __future__ import annotations

import json
from decimal import Decimal
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


ROUTE_OUTPUTS = [{"id": "page", "property": "children"}, {"id": "page-served", "property": "data"}]


def route_of(app: Any) -> Any:
    """The route callback as Dash calls it: (pathname, served) → the JSON response's "page" children."""
    callback = app.callback_map["..page.children...page-served.data.."]["callback"]

    def call(pathname: str, served: str | None = None) -> Any:
        return json.loads(callback(pathname, served, outputs_list=ROUTE_OUTPUTS))["response"].get("page", {}).get("children")

    return call


def test_the_app_routes_every_page_and_unknown_paths(dead_sources):
    app = create_app(dead_sources)
    route = route_of(app)
    for path, marker in (
        ("/", "live-orders"),
        ("/history", "history-view"),
        ("/sales", "sales-banner"),
        ("/topics", "browse-topic"),
        ("/lake", "lake-path"),
    ):
        assert marker in text_of(route(path)), path
    assert "Not found" in text_of(route("/nope"))
    assert app.server.test_client().get("/healthz").get_json()["status"] == "ok"


def test_the_first_page_comes_inside_the_layout(dead_sources):
    """/_dash-layout holds the page its Referer names; the route callback then leaves it alone."""
    app = create_app(dead_sources)
    client = app.server.test_client()
    served = client.get("/_dash-layout", headers={"Referer": "http://localhost/lake"}).get_json()
    assert "lake-path" in json.dumps(served) and '"data": "/lake"' in json.dumps(served)
    bare = json.dumps(client.get("/_dash-layout").get_json())
    assert "lake-path" not in bare and "live-orders" not in bare
    foreign = json.dumps(client.get("/_dash-layout", headers={"Referer": "http://elsewhere/lake"}).get_json())
    assert "lake-path" not in foreign
    route = route_of(app)
    assert route("/lake", "/lake") is None  # no_update: already rendered
    assert "live-orders" in text_of(route("/", "/lake"))


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


def test_the_live_route_answers_with_the_current_views_and_no_initial_callbacks(fake_json, processor_views, dead_port, tmp_path):
    """The first render needs one callback (the route): the page arrives filled, the interval only refreshes it."""
    processor = fake_json(processor_views(orders=3, revenue="1234.50"))
    settings = dashboard_settings(
        {
            "SOUK_HOME": str(tmp_path),
            "PROCESSOR_URL": processor.url,
            "KAFKA_BOOTSTRAP": f"127.0.0.1:{dead_port}",
            "DASHBOARD_SOURCE_TIMEOUT": "0.5",
        }
    )
    sources = Sources.from_settings(settings)
    try:
        app = create_app(sources)
        text = text_of(route_of(app)("/"))
        assert '"children": "3", "id": "live-orders"' in text
        assert "1,234.50 MAD" in text and "411.50 MAD" in text and "P-001" in text
        refreshers = [c for c in app._callback_list if "live-" in c["output"] or "lake-hdfs-banner" in c["output"]]
        refreshers += [c for c in app._callback_list if c["output"] == "lake-listing.children"]
        assert len(refreshers) == 5
        assert all(c["prevent_initial_call"] for c in refreshers)
    finally:
        sources.close()


def test_a_table_of_plain_values_is_one_component_and_cells_with_components_stay_html():
    from dash import html
    from dashboard import components as ui

    plain = ui.table(["a", "b"], [["x", 1], [None, Decimal("2.50")]], id="g", row_classes=["low", ""])
    assert plain == {
        "type": "Table",
        "namespace": "souk_dashboard",
        "props": {
            "columns": ["a", "b"],
            "rows": [["x", 1], [None, Decimal("2.50")]],
            "className": "grid",
            "id": "g",
            "row_classes": ["low", ""],
        },
    }
    mixed = ui.table(["a"], [[html.B("x")]], id="m")
    assert mixed["namespace"] == "dash_html_components" and mixed["props"]["id"] == "m"
    assert "souk_dashboard.Table" in ui.TABLE_JS


def test_a_slow_source_does_not_hold_the_first_render_back(dead_sources):
    """HDFS accepts connections and never answers: the Lake layout still comes, its HDFS panels say
    "loading" and the one-shot interval is armed to fill them; the other panels are filled."""
    import socket

    from dashboard.sources.hdfs import HdfsSource

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # never accepted: a request waits for its timeout
    try:
        sources = dead_sources
        sources.hdfs = HdfsSource(f"http://127.0.0.1:{silent.getsockname()[1]}", "souk", 3.0, sources.cache)
        page = text_of(lake.layout(sources))
        assert "HDFS: loading" in page and "Listing: loading" in page
        assert '"id": "lake-first", "interval": 1000, "max_intervals": 1' in page
        assert "flume-logs unavailable: connection refused" in page  # answered in time: filled
        assert '"max_intervals": 0' in text_of(lake.skeleton(sources))
    finally:
        silent.close()
