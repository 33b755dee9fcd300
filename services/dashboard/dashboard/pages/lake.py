"""Lake: HDFS capacity, a directory browser, files per topic and hour (small-files warning), the
archiver's lag and heartbeat, each Flume agent's events and channel fill, the processor workers."""

from __future__ import annotations

import posixpath
from typing import Any

from dash import ALL, Dash, Input, Output, State, ctx, dcc, html

from dashboard import components as ui
from dashboard.sources import Sources, Unavailable
from dashboard.sources.archiver import heartbeat
from dashboard.sources.processor import worker_health

PATH = "/lake"
TITLE = "Lake"


def layout(sources: Sources, filled: bool = True) -> html.Div:
    """The page, already showing the sources (``filled``); the interval and the path only refresh it
    (prevent_initial_call), so a first render waits for one callback, not a chain (see live.py)."""
    root = sources.settings.lake_root
    built: dict[str, Any] = {}
    if filled:
        # The sources are independent: read in parallel, at most DASHBOARD_SOURCE_TIMEOUT in all; a
        # panel still waiting says "loading" and the one-shot ``lake-first`` interval fills it in.
        built = ui.gather(
            {
                "capacity": lambda: capacity_panel(sources),
                "hours": lambda: hours_panel(sources),
                "archiver": lambda: archiver_panel(sources),
                "workers": lambda: workers_panel(sources),
                "flume": lambda: flume_panel(sources),
                "listing": lambda: listing_panel(sources, root),
            },
            sources.settings.timeout_s,
        )

    def part(name: str, what: str) -> Any:
        return built[name] if name in built else (ui.loading(what) if filled else None)

    banner, cards = built.get("capacity", (part("capacity", "HDFS"), []))
    hours, archiver, workers = part("hours", "Archive"), part("archiver", "Archiver"), part("workers", "Workers")
    flume, listing = part("flume", "Flume agents"), part("listing", "Listing")
    complete = len(built) == 6 or not filled
    return html.Div(
        [
            html.H2("Lake and pipelines"),
            dcc.Interval(id="lake-interval", interval=5000),
            dcc.Interval(id="lake-first", interval=1000, max_intervals=0 if complete else 1),
            html.Div(banner, id="lake-hdfs-banner"),
            html.Div(cards, id="lake-capacity", className="cards"),
            html.Div(
                [
                    html.Div([html.H3("Archive: files per topic and hour"), html.Div(hours, id="lake-hours")], className="panel"),
                    html.Div(
                        [
                            html.H3("Archiver"),
                            html.Div(archiver, id="lake-archiver"),
                            html.H3("Processor workers"),
                            html.Div(workers, id="lake-workers"),
                        ],
                        className="panel",
                    ),
                ],
                className="row",
            ),
            html.H3("Flume agents"),
            html.Div(flume, id="lake-flume", className="panel"),
            html.H3("Browse HDFS"),
            dcc.Store(id="lake-path", data=root),
            html.Div(
                [
                    html.Button("..", id="lake-up"),
                    dcc.Input(id="lake-path-input", value=root, debounce=True, style={"width": "480px"}),
                    html.Button("List", id="lake-go"),
                ],
                className="controls",
            ),
            html.Div(listing, id="lake-listing", className="panel"),
        ]
    )


def skeleton(sources: Sources) -> html.Div:
    """The page's components without reading any source (the app's validation layout)."""
    return layout(sources, filled=False)


def capacity_panel(sources: Sources) -> tuple[Any, Any]:
    cap = sources.hdfs.capacity()
    if isinstance(cap, Unavailable):
        return ui.banner([cap]), []
    return ui.banner([]), [
        ui.card("HDFS capacity", ui.size(cap.total), "lake-cap-total"),
        ui.card("Used", f"{ui.size(cap.used)} ({cap.used_percent:.2f} %)", "lake-cap-used"),
        ui.card("Remaining", ui.size(cap.remaining), "lake-cap-remaining"),
        ui.card("Files", ui.number(cap.files), "lake-cap-files"),
        ui.card("DataNodes live/dead", f"{cap.live_datanodes}/{cap.dead_datanodes}", "lake-cap-datanodes"),
    ]


def hours_panel(sources: Sources) -> Any:
    settings = sources.settings
    small = int(settings.small_file_mb * 1024 * 1024)
    hours = sources.hdfs.lake(settings.lake_root, settings.lake_days, small)
    if isinstance(hours, Unavailable):
        return ui.banner([hours])
    if not hours:
        return html.Div(f"nothing archived yet under {settings.lake_root}", className="muted")
    warn = [h.small_files >= settings.small_files_warn for h in hours]
    rows = [
        [
            h.topic,
            h.date,
            h.hour,
            h.files,
            ui.size(h.bytes),
            ui.size(h.average_bytes),
            h.small_files,
            "closed" if h.closed else "open",
            "small files: compact (souk compact)" if w else "",
        ]
        for h, w in zip(hours, warn, strict=True)
    ]
    return ui.table(
        ["topic", "date", "hour", "files", "bytes", "avg file", "small", "state", "warning"],
        rows,
        id="lake-hours-grid",
        row_classes=["warn" if w else "" for w in warn],
    )


def archiver_panel(sources: Sources) -> Any:
    settings = sources.settings
    beat = heartbeat(settings.archiver_heartbeat)
    group = sources.kafka.group(settings.archiver_group)
    parts: list[Any] = []
    if isinstance(beat, Unavailable):
        parts.append(ui.banner([beat]))
    else:
        stale = beat.age_s > 30
        parts.append(
            html.Div(f"heartbeat {beat.age_s:.0f} s ago{' (stale)' if stale else ''}: {beat.status}", id="lake-archiver-heartbeat")
        )
    if isinstance(group, Unavailable):
        parts.append(ui.banner([group]))
    elif group is None:
        parts.append(html.Div(f"no consumer group {settings.archiver_group!r} yet", className="muted"))
    else:
        parts.append(html.Div(f"group {group.group_id}: {group.state}, total lag {ui.number(group.total_lag)}", id="lake-archiver-lag"))
        parts.append(
            ui.table(
                ["topic", "partition", "committed", "end", "lag"],
                [[p.topic, p.partition, ui.number(p.committed), ui.number(p.high), ui.number(p.lag)] for p in group.partitions],
            )
        )
    return html.Div(parts)


def workers_panel(sources: Sources) -> Any:
    settings = sources.settings
    group = sources.kafka.group(settings.processor_group)
    parts: list[Any] = []
    urls = sources.processor_worker_urls()

    def probe(url: str) -> Any:
        return sources.cache.get(("worker", url), 2.0, lambda: worker_health(url, settings.timeout_s))

    health = [probe(url) for url in urls]
    rows = []
    for url, h in zip(urls, health, strict=True):
        if isinstance(h, Unavailable):
            rows.append([url, "down", h.reason, ""])
        else:
            rows.append([h.url, h.status, ", ".join(map(str, h.partitions)) or "—", "busy" if h.busy else ""])
    parts.append(ui.table(["worker", "status", "source partitions", ""], rows, id="lake-workers-grid"))
    if isinstance(group, Unavailable):
        parts.append(ui.banner([group]))
    elif group is None:
        parts.append(html.Div(f"no consumer group {settings.processor_group!r}", className="muted"))
    else:
        parts.append(html.Div(f"group {group.group_id}: {group.state}, {len(group.members)} member(s), lag {ui.number(group.total_lag)}"))
        members = [
            [m.client_id, m.host, "; ".join(f"{t}: {','.join(map(str, ps))}" for t, ps in sorted(m.assignment.items())) or "(not decoded)"]
            for m in group.members
        ]
        parts.append(ui.table(["member", "host", "assigned partitions"], members))
    return html.Div(parts)


def flume_panel(sources: Sources) -> Any:
    blocks: list[Any] = []
    for agent in sources.settings.flume_agents:
        components = sources.flume.agent(agent)
        blocks.append(html.H4(agent))
        if isinstance(components, Unavailable):
            blocks.append(ui.banner([components]))
            continue
        blocks.append(
            ui.table(
                ["type", "name", "events in", "events out", "channel fill", "size / capacity"],
                [
                    [
                        c.kind,
                        c.name,
                        ui.number(c.events_in),
                        ui.number(c.events_out),
                        "" if c.fill_percent is None else f"{c.fill_percent:.1f} %",
                        "" if c.size is None else f"{c.size} / {c.capacity}",
                    ]
                    for c in components
                ],
                id=f"lake-flume-{agent}",
            )
        )
    return html.Div(blocks)


def listing_panel(sources: Sources, path: str) -> Any:
    entries = sources.hdfs.listdir(path)
    if isinstance(entries, Unavailable):
        return ui.banner([entries])
    rows = []
    for e in entries[:500]:
        name: Any = html.Button(e.name + "/", id={"type": "lake-dir", "path": e.path}, className="link") if e.is_dir else e.name
        rows.append(
            [name, "dir" if e.is_dir else "file", "" if e.is_dir else ui.size(e.length), ui.when(e.modified_ms), e.replication or ""]
        )
    return html.Div(
        [
            html.Div(path, className="muted"),
            ui.table(["name", "type", "size", "modified (UTC)", "replication"], rows, id="lake-listing-grid"),
        ]
    )


def register(app: Dash, sources: Sources) -> None:
    @app.callback(
        Output("lake-hdfs-banner", "children"),
        Output("lake-capacity", "children"),
        Output("lake-hours", "children"),
        Output("lake-archiver", "children"),
        Output("lake-workers", "children"),
        Output("lake-flume", "children"),
        Input("lake-interval", "n_intervals"),
        Input("lake-first", "n_intervals"),
        prevent_initial_call=True,
    )
    def lake_status(_: int | None, _first: int | None) -> tuple[Any, ...]:
        banner, cards = capacity_panel(sources)
        return banner, cards, hours_panel(sources), archiver_panel(sources), workers_panel(sources), flume_panel(sources)

    @app.callback(
        Output("lake-listing", "children", allow_duplicate=True),
        Input("lake-first", "n_intervals"),
        State("lake-path", "data"),
        prevent_initial_call=True,
    )
    def first_listing(_first: int | None, path: str | None) -> Any:
        return listing_panel(sources, path or "/")

    @app.callback(
        Output("lake-path", "data"),
        Output("lake-path-input", "value"),
        Input("lake-go", "n_clicks"),
        Input("lake-up", "n_clicks"),
        Input("lake-path-input", "n_submit"),
        Input({"type": "lake-dir", "path": ALL}, "n_clicks"),
        State("lake-path-input", "value"),
        State("lake-path", "data"),
        prevent_initial_call=True,
    )
    def navigate(_go: Any, _up: Any, _submit: Any, _dirs: Any, typed: str | None, current: str | None) -> tuple[str, str]:
        trigger = ctx.triggered_id
        path = current or "/"
        if isinstance(trigger, dict) and trigger.get("type") == "lake-dir":
            if not any(t.get("value") for t in ctx.triggered):
                return path, path
            path = str(trigger["path"])
        elif trigger == "lake-up":
            path = posixpath.dirname(path.rstrip("/")) or "/"
        else:
            path = (typed or "/").strip() or "/"
        path = posixpath.normpath("/" + path.lstrip("/"))
        return path, path

    @app.callback(Output("lake-listing", "children"), Input("lake-path", "data"), prevent_initial_call=True)
    def listing(path: str | None) -> Any:
        return listing_panel(sources, path or "/")
