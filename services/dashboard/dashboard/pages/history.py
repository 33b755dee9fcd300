"""History: the batch layer's views by date range (table, chart, CSV download) and its daily report."""

from __future__ import annotations

import base64
import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

from dash import Dash, Input, Output, State, dcc, html

from dashboard import components as ui
from dashboard.sources import Sources, Unavailable
from dashboard.sources.warehouse import ViewData

PATH = "/history"
TITLE = "History"
SHOWN_ROWS = 200
IMAGE_TYPES = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


def layout(sources: Sources) -> html.Div:
    return html.Div(
        [
            html.H2("History (batch layer)"),
            dcc.Interval(id="history-init", interval=10_000),
            html.Div(id="history-banner"),
            html.Div(
                [
                    dcc.Dropdown(id="history-view", placeholder="view", style={"minWidth": "260px"}),
                    dcc.DatePickerRange(id="history-range", display_format="YYYY-MM-DD"),
                    html.Button("Download CSV", id="history-csv"),
                    dcc.Download(id="history-download"),
                ],
                className="controls",
            ),
            html.Div([dcc.Graph(id="history-chart", figure=ui.empty("")), html.Div(id="history-table")], className="panel"),
            html.H3("Daily report"),
            html.Div(
                [
                    dcc.Dropdown(id="history-report-date", placeholder="report date", style={"minWidth": "200px"}),
                    html.Button("Download report CSV", id="history-report-csv"),
                    dcc.Download(id="history-report-download"),
                ],
                className="controls",
            ),
            html.Div(id="history-report", className="panel"),
        ]
    )


def _parse_date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def _numeric(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def view_chart(data: ViewData) -> dict[str, Any]:
    """Sum of the first numeric column per date: enough to see a trend across the range."""
    numeric = next((c for c in data.columns if c != "date" and any(_numeric(r.get(c)) for r in data.rows[:50])), None)
    if numeric is None:
        return ui.empty(f"{data.view}: no numeric column")
    per_day: dict[str, float] = {}
    for row in data.rows:
        value: Any = row.get(numeric)
        if _numeric(value):
            per_day[row["date"]] = per_day.get(row["date"], 0.0) + float(value)
    days = sorted(per_day)
    return ui.bar(f"{data.view}: {numeric} per day", days, [per_day[d] for d in days])


def to_csv(data: ViewData) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=data.columns, extrasaction="ignore")
    writer.writeheader()
    for row in data.rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue()


def options_panel(sources: Sources) -> tuple[Any, list[dict[str, str]], list[dict[str, str]]]:
    views, reports = sources.warehouse.views(), sources.warehouse.report_dates()
    banner = ui.banner(ui.problems_of(views, *([reports] if not isinstance(views, Unavailable) else [])))
    view_options = (
        [] if isinstance(views, Unavailable) else [{"label": f"{v} ({len(d)} dates)", "value": v} for v, d in sorted(views.items())]
    )
    report_options = [] if isinstance(reports, Unavailable) else [{"label": d, "value": d} for d in reports]
    return banner, view_options, report_options


def view_panel(sources: Sources, view: str | None, start: str | None, end: str | None) -> tuple[Any, Any]:
    if not view:
        return ui.empty("choose a view"), html.Div()
    data = sources.warehouse.read(view, _parse_date(start), _parse_date(end))
    if isinstance(data, Unavailable):
        return ui.empty(view), ui.banner([data])
    note = f"{len(data.rows)} rows over {len(data.dates)} date(s)" + (" (truncated)" if data.truncated else "")
    rows = [[("" if r.get(c) is None else str(r.get(c))) for c in data.columns] for r in data.rows[:SHOWN_ROWS]]
    return view_chart(data), html.Div([html.Div(note, className="muted"), ui.table(data.columns, rows, id="history-grid")])


def report_panel(sources: Sources, day: str | None) -> Any:
    if not day:
        return html.Div("choose a report date", className="muted")
    report = sources.warehouse.report(day)
    if isinstance(report, Unavailable):
        return ui.banner([report])
    images = []
    for name, body in sorted(report.images.items()):
        kind = next((t for ext, t in IMAGE_TYPES.items() if name.lower().endswith(ext)), "image/png")
        images.append(
            html.Img(src=f"data:{kind};base64,{base64.b64encode(body).decode()}", alt=name, style={"maxWidth": "48%", "margin": "4px"})
        )
    markdown = report.markdown or f"(no report.md for {day})"
    return html.Div([dcc.Markdown(markdown, id="history-report-md"), html.Div(images)])


def register(app: Dash, sources: Sources) -> None:
    @app.callback(
        Output("history-banner", "children"),
        Output("history-view", "options"),
        Output("history-report-date", "options"),
        Input("history-init", "n_intervals"),
    )
    def history_options(_: int | None) -> tuple[Any, Any, Any]:
        return options_panel(sources)

    @app.callback(
        Output("history-chart", "figure"),
        Output("history-table", "children"),
        Input("history-view", "value"),
        Input("history-range", "start_date"),
        Input("history-range", "end_date"),
    )
    def history_view(view: str | None, start: str | None, end: str | None) -> tuple[Any, Any]:
        return view_panel(sources, view, start, end)

    @app.callback(
        Output("history-download", "data"),
        Input("history-csv", "n_clicks"),
        State("history-view", "value"),
        State("history-range", "start_date"),
        State("history-range", "end_date"),
        prevent_initial_call=True,
    )
    def history_csv(_: int | None, view: str | None, start: str | None, end: str | None) -> Any:
        if not view:
            return None
        data = sources.warehouse.read(view, _parse_date(start), _parse_date(end))
        if isinstance(data, Unavailable):
            return None
        span = f"{data.dates[0]}_{data.dates[-1]}" if data.dates else "empty"
        return dcc.send_string(to_csv(data), f"{view}_{span}.csv")

    @app.callback(Output("history-report", "children"), Input("history-report-date", "value"))
    def history_report(day: str | None) -> Any:
        return report_panel(sources, day)

    @app.callback(
        Output("history-report-download", "data"),
        Input("history-report-csv", "n_clicks"),
        State("history-report-date", "value"),
        prevent_initial_call=True,
    )
    def history_report_csv(_: int | None, day: str | None) -> Any:
        report = sources.warehouse.report(day) if day else None
        if report is None or isinstance(report, Unavailable) or not report.csv_files:
            return None
        body = sources.warehouse.csv(report.csv_files[0])
        if isinstance(body, Unavailable):
            return None
        return dcc.send_bytes(body, report.csv_files[0].rsplit("/", 1)[-1])
