"""Topics: what kafka-ui or AKHQ show — topics with partitions, replication, watermarks, messages and
size; consumer groups with per-partition lag; a message browser with seek, filters and live tail."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from dash import Dash, Input, Output, State, dcc, html

from dashboard import components as ui
from dashboard.sources import Sources, Unavailable
from dashboard.sources.kafka import BrowseRequest, Message, SeekFrom, TopicInfo

PATH = "/topics"
TITLE = "Topics"
TAIL_MS = 2000


def layout(sources: Sources, filled: bool = True) -> html.Div:
    """The page, already showing the topic tables (``filled``): the first render waits for no callback.

    The overview callback only refreshes it (prevent_initial_call), as on the Live and Lake pages.
    If Kafka has not answered within DASHBOARD_SOURCE_TIMEOUT the tables say "loading" and a one-shot
    interval (``topics-first``) asks for them a second later.
    """
    needle = sources.settings.topic_prefix
    built = components_of(sources, needle) if filled else {}
    panels = built.get("overview")
    if panels is None:
        wait_note = ui.loading("Kafka topics") if filled else html.Div()
        panels = (wait_note, None, None, None, [])
    banner, topic_table, partition_table, group_table, options = panels
    return html.Div(
        [
            html.H2("Kafka topics"),
            dcc.Interval(id="topics-interval", interval=5000),
            dcc.Interval(id="topics-first", interval=1000, max_intervals=0 if built or not filled else 1),
            html.Div(
                [
                    dcc.Input(id="topics-filter", placeholder="filter topics by name", debounce=True, value=needle),
                    dcc.Checklist(id="topics-internal", options=[{"label": " show internal topics", "value": "internal"}], value=[]),
                ],
                className="controls",
            ),
            html.Div(banner, id="topics-banner"),
            html.Div(topic_table, id="topics-table", className="panel"),
            html.H3("Partitions"),
            html.Div(partition_table, id="topics-partitions", className="panel"),
            html.H3("Consumer groups"),
            html.Div(group_table, id="topics-groups", className="panel"),
            html.H3("Messages"),
            html.Div(
                [
                    dcc.Dropdown(id="browse-topic", options=options, placeholder="topic", style={"minWidth": "260px"}),
                    dcc.Dropdown(id="browse-partition", placeholder="all partitions", style={"minWidth": "140px"}),
                    dcc.RadioItems(
                        id="browse-seek",
                        options=[{"label": f" {s} ", "value": s} for s in ("latest", "earliest", "offset", "timestamp")],
                        value="latest",
                        inline=True,
                    ),
                    dcc.Input(id="browse-position", placeholder="offset, or time (ISO UTC / epoch ms)", style={"width": "240px"}),
                    dcc.Input(id="browse-key", placeholder="key contains"),
                    dcc.Input(id="browse-text", placeholder="value contains"),
                    dcc.Input(id="browse-limit", type="number", value=50, min=1, max=500, style={"width": "70px"}),
                    html.Button("Fetch", id="browse-fetch"),
                    dcc.Checklist(id="browse-tail", options=[{"label": " live tail", "value": "tail"}], value=[]),
                ],
                className="controls",
            ),
            dcc.Interval(id="browse-tail-interval", interval=TAIL_MS, disabled=True),
            html.Div(id="browse-status", className="muted"),
            html.Div(id="browse-messages", className="panel"),
        ]
    )


def skeleton(sources: Sources) -> html.Div:
    """The page's components without reading any source (the app's validation layout)."""
    return layout(sources, filled=False)


def components_of(sources: Sources, needle: str | None) -> dict[str, Any]:
    """The overview panels if Kafka answers within the source timeout (see layout)."""
    return ui.gather({"overview": lambda: topic_panels(sources, needle, False)}, sources.settings.timeout_s)


def _visible(topics: list[TopicInfo], needle: str | None, internal: bool) -> list[TopicInfo]:
    needle = (needle or "").strip().lower()
    return [t for t in topics if (internal or not (t.internal or t.name.startswith("__"))) and needle in t.name.lower()]


_rendered_lock = threading.Lock()
_rendered: dict[tuple[Any, ...], tuple[Any, ...]] = {}


def topic_panels(sources: Sources, needle: str | None, show_internal: bool) -> tuple[Any, ...]:
    """The overview tables; rebuilt only when the cached topics or groups change (a broker with
    hundreds of topics makes tables too big to rebuild on every refresh within the time budget)."""
    topics, groups = sources.kafka.topics(), sources.kafka.groups()
    key = (id(topics), id(groups), needle, show_internal)
    with _rendered_lock:
        hit = _rendered.get(key)
    if hit is not None and hit[0] is topics and hit[1] is groups:
        return hit[2:]
    panels = _topic_panels(topics, groups, needle, show_internal)
    with _rendered_lock:
        if len(_rendered) > 32:
            _rendered.clear()
        _rendered[key] = (topics, groups, *panels)
    return panels


def _topic_panels(topics: Any, groups: Any, needle: str | None, show_internal: bool) -> tuple[Any, ...]:
    banner = ui.banner(ui.problems_of(topics, groups))
    if isinstance(topics, Unavailable):
        return banner, html.Div(), html.Div(), html.Div(), []
    shown = _visible(topics, needle, show_internal)
    topic_table = ui.table(
        ["topic", "partitions", "replication", "low", "high", "messages", "size"],
        [
            [t.name, len(t.partitions), t.replication, ui.number(t.low), ui.number(t.high), ui.number(t.messages), ui.size(t.size_bytes)]
            for t in shown
        ],
        id="topics-grid",
    )
    partition_table = ui.table(
        ["topic", "partition", "leader", "replicas", "in sync", "low", "high", "messages", "size"],
        [
            [t.name, p.partition, p.leader, p.replicas, p.in_sync, p.low, p.high, p.messages, ui.size(p.size_bytes)]
            for t in shown
            for p in t.partitions
        ],
        id="topics-partition-grid",
    )
    if isinstance(groups, Unavailable):
        group_table: Any = html.Div()
    else:
        names = {t.name for t in shown}
        rows, classes = [], []
        for g in groups:
            members = ", ".join(sorted({m.client_id for m in g.members})) or "—"
            lags = [p for p in g.partitions if p.topic in names] if needle else g.partitions
            if needle and not lags and needle.lower() not in g.group_id.lower():
                continue
            if not lags:
                rows.append([g.group_id, g.state, len(g.members), members, "—", "—", "—", "—", "—"])
                classes.append("")
            for p in lags:
                rows.append(
                    [
                        g.group_id,
                        g.state,
                        len(g.members),
                        members,
                        p.topic,
                        p.partition,
                        ui.number(p.committed),
                        ui.number(p.high),
                        ui.number(p.lag),
                    ]
                )
                classes.append("")
        group_table = ui.table(
            ["group", "state", "members", "clients", "topic", "partition", "committed", "end", "lag"],
            rows,
            id="topics-group-grid",
            row_classes=classes,
        )
    options = [{"label": t.name, "value": t.name} for t in shown]
    return banner, topic_table, partition_table, group_table, options


def parse_position(seek: str, text: str | None) -> tuple[int | None, int | None]:
    """(offset, timestamp_ms) from the position box; ValueError with a one-line reason when it does not parse."""
    text = (text or "").strip()
    if seek == "offset":
        if not text.isdigit():
            raise ValueError("offset: enter a non-negative integer")
        return int(text), None
    if seek == "timestamp":
        if text.isdigit():
            return None, int(text)
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError("time: enter ISO 8601 (UTC if no zone) or epoch milliseconds") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return None, int(moment.timestamp() * 1000)
    return None, None


def browse_panel(
    sources: Sources, topic: str | None, partition: Any, seek: str, position: str | None, key: str | None, text: str | None, limit: Any
) -> tuple[Any, Any]:
    if not topic:
        return "choose a topic", html.Div()
    try:
        offset, stamp = parse_position(seek, position)
    except ValueError as error:
        return str(error), html.Div()
    request = BrowseRequest(
        topic=topic,
        partition=int(partition) if partition not in (None, "") else None,
        seek=seek if seek in ("earliest", "latest", "offset", "timestamp") else "latest",  # type: ignore[arg-type]
        offset=offset,
        timestamp_ms=stamp,
        key_filter=(key or "").strip(),
        text_filter=(text or "").strip(),
        limit=int(limit or 50),
    )
    messages = sources.kafka.browse(request)
    if isinstance(messages, Unavailable):
        return "", ui.banner([messages])
    status = f"{len(messages)} message(s) from {topic} ({request.seek}) at {datetime.now(UTC).strftime('%H:%M:%S')} UTC"
    rows: list[Any] = [_message_row(m, len(messages) <= 5) for m in messages]
    return status, html.Div(rows or [html.Div("no messages match", className="muted")], id="browse-list")


def _message_row(m: Message, open_: bool) -> Any:
    """One message as a <details> element in the renderer's JSON form (components.element)."""
    summary = f"p{m.partition} · offset {m.offset} · {ui.when(m.timestamp_ms)} · key={m.key!s} · {m.size} B"
    return ui.element(
        "Details",
        [ui.element("Summary", summary), ui.element("Pre", m.pretty)],
        className="message",
        open=open_,
        **{"data-partition": str(m.partition), "data-offset": str(m.offset)},
    )


def register(app: Dash, sources: Sources) -> None:
    @app.callback(
        Output("topics-banner", "children"),
        Output("topics-table", "children"),
        Output("topics-partitions", "children"),
        Output("topics-groups", "children"),
        Output("browse-topic", "options"),
        Input("topics-interval", "n_intervals"),
        Input("topics-first", "n_intervals"),
        Input("topics-filter", "value"),
        Input("topics-internal", "value"),
        prevent_initial_call=True,
    )
    def topics_overview(_: int | None, _first: int | None, needle: str | None, internal: list[str] | None) -> tuple[Any, ...]:
        return topic_panels(sources, needle, "internal" in (internal or []))

    @app.callback(Output("browse-partition", "options"), Input("browse-topic", "value"))
    def partitions(topic: str | None) -> list[dict[str, Any]]:
        info = sources.kafka.topic(topic) if topic else None
        if info is None or isinstance(info, Unavailable):
            return []
        return [{"label": f"partition {p.partition}", "value": p.partition} for p in info.partitions]

    @app.callback(Output("browse-tail-interval", "disabled"), Input("browse-tail", "value"))
    def tail_switch(tail: list[str] | None) -> bool:
        return "tail" not in (tail or [])

    @app.callback(
        Output("browse-status", "children"),
        Output("browse-messages", "children"),
        Input("browse-fetch", "n_clicks"),
        Input("browse-tail-interval", "n_intervals"),
        State("browse-topic", "value"),
        State("browse-partition", "value"),
        State("browse-seek", "value"),
        State("browse-position", "value"),
        State("browse-key", "value"),
        State("browse-text", "value"),
        State("browse-limit", "value"),
        State("browse-tail", "value"),
        prevent_initial_call=True,
    )
    def browse(
        _clicks: int | None,
        _ticks: int | None,
        topic: str | None,
        partition: Any,
        seek: SeekFrom,
        position: str | None,
        key: str | None,
        text: str | None,
        limit: Any,
        tail: list[str] | None,
    ) -> tuple[Any, Any]:
        if "tail" in (tail or []):
            seek = "latest"
        return browse_panel(sources, topic, partition, seek, position, key, text, limit)
