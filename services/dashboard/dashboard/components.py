"""Small building blocks shared by the pages: banners, tables, cards, number formats, plain figures.

Figures are plain dicts (not plotly.graph_objects): building a validated go.Figure costs several
milliseconds each, and the live page redraws several of them every second.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from dash import html

from dashboard.sources.base import Unavailable

CURRENCY = "MAD"


def banner(problems: Iterable[Unavailable | str], id: str | None = None) -> html.Div:
    """A warning strip naming each unavailable source; an empty Div when there is nothing to say."""
    lines = list(dict.fromkeys(str(p) for p in problems))
    props: dict[str, Any] = {"id": id} if id else {}
    if not lines:
        return html.Div(**props)
    return html.Div([html.Div(line) for line in lines], className="banner", role="alert", **props)


def problems_of(*results: Any) -> list[Unavailable]:
    return [r for r in results if isinstance(r, Unavailable)]


def money(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.2f} {CURRENCY}"


def number(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def size(value: int | None) -> str:
    if value is None:
        return "—"
    amount = float(value)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if amount < 1024 or unit == "TiB":
            return f"{amount:.0f} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{value} B"


def percent(value: Decimal | float | None) -> str:
    return "—" if value is None else f"{float(value) * 100:.1f} %"


def when(ms: int | None) -> str:
    if not ms:
        return "—"
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")


def card(title: str, value: str, id: str) -> html.Div:
    return html.Div([html.Div(title, className="card-title"), html.Div(value, id=id, className="card-value")], className="card")


def element(tag: str, children: Any, **props: Any) -> dict[str, Any]:
    """An html component in the JSON form the Dash renderer reads; building component objects
    costs ~100 µs each, too much for tables of hundreds of rows redrawn every few seconds."""
    return {"type": tag, "namespace": "dash_html_components", "props": {"children": children, **props}}


def table(columns: Sequence[str], rows: Iterable[Sequence[Any]], id: str | None = None, row_classes: Sequence[str] | None = None) -> Any:
    """A plain HTML table; ``row_classes`` marks rows (e.g. "low" stock, "warn" small files).

    A table of plain values is one component (``souk_dashboard.Table``, TABLE_JS): the Dash
    renderer's cost grows with the number of components it tracks (a store selector each, run on
    every update), and a table of cells as html components made the live page's first render
    take seconds. A table holding components in its cells is built from html elements.
    """
    rows = [list(row) for row in rows]
    props: dict[str, Any] = {"id": id} if id else {}
    if all(cell is None or isinstance(cell, str | int | float | Decimal) for row in rows for cell in row):
        classes = [row_classes[i] if row_classes and i < len(row_classes) else "" for i in range(len(rows))]
        plain = {"columns": list(columns), "rows": rows, "className": "grid", **props}
        if any(classes):
            plain["row_classes"] = classes
        return {"type": "Table", "namespace": "souk_dashboard", "props": plain}
    body = []
    for index, row in enumerate(rows):
        css = row_classes[index] if row_classes and index < len(row_classes) else ""
        cells = [element("Td", cell) for cell in row]
        body.append(element("Tr", cells, className=css) if css else element("Tr", cells))
    head = element("Thead", element("Tr", [element("Th", c) for c in columns]))
    return element("Table", [head, element("Tbody", body)], className="grid", **props)


# The component behind table(): cells rendered as React renders text children (null and booleans
# show nothing, numbers as JavaScript prints them). Loaded in the page's head; React is looked up
# when it renders, after Dash's scripts have loaded.
TABLE_JS = """
window.souk_dashboard = window.souk_dashboard || {};
window.souk_dashboard.Table = function SoukTable(props) {
  var h = React.createElement;
  var text = function (v) { return v === null || v === undefined || typeof v === "boolean" ? "" : String(v); };
  var classes = props.row_classes || [];
  var head = h("thead", null, h("tr", null, (props.columns || []).map(function (c, i) { return h("th", {key: i}, text(c)); })));
  var body = h("tbody", null, (props.rows || []).map(function (row, r) {
    return h("tr", {key: r, className: classes[r] || undefined}, row.map(function (v, i) { return h("td", {key: i}, text(v)); }));
  }));
  return h("table", {id: props.id, className: props.className}, head, body);
};
"""


def _layout(title: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": {"text": title},
        "margin": {"l": 50, "r": 20, "t": 40, "b": 40},
        "height": 280,
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        **extra,
    }


def bar(title: str, labels: Sequence[str], values: Sequence[float], horizontal: bool = False) -> dict[str, Any]:
    trace: dict[str, Any] = {"type": "bar", "x": list(labels), "y": list(values)}
    if horizontal:
        trace = {"type": "bar", "x": list(values), "y": list(labels), "orientation": "h"}
    return {"data": [trace], "layout": _layout(title)}


def line(title: str, x: Sequence[Any], y: Sequence[float], y_title: str = "") -> dict[str, Any]:
    return {
        "data": [{"type": "scatter", "mode": "lines+markers", "x": list(x), "y": list(y)}],
        "layout": _layout(title, yaxis={"title": y_title}),
    }


def pie(title: str, labels: Sequence[str], values: Sequence[float]) -> dict[str, Any]:
    return {"data": [{"type": "pie", "labels": list(labels), "values": list(values), "hole": 0.4}], "layout": _layout(title)}


def funnel(title: str, steps: Sequence[str], values: Sequence[int]) -> dict[str, Any]:
    return {"data": [{"type": "funnel", "y": list(steps), "x": list(values)}], "layout": _layout(title)}


def empty(title: str) -> dict[str, Any]:
    return {"data": [], "layout": _layout(title)}


STYLE = """
body { font-family: system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #222; }
nav { background: #1f2d3d; padding: 10px 20px; }
nav a { color: #dfe6ee; margin-right: 18px; text-decoration: none; font-weight: 600; }
nav a:hover { color: white; }
main { padding: 14px 20px; }
h2 { margin: 4px 0 12px 0; } h3 { margin: 16px 0 6px 0; }
.banner { background: #fff3cd; border: 1px solid #e0b400; color: #5c4400; padding: 6px 10px; margin: 6px 0; border-radius: 4px; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; }
.card { background: white; border-radius: 6px; padding: 10px 16px; min-width: 160px; box-shadow: 0 1px 2px #0002; }
.card-title { font-size: 12px; color: #667; text-transform: uppercase; }
.card-value { font-size: 22px; font-weight: 600; }
.row { display: flex; gap: 12px; flex-wrap: wrap; }
.panel { background: white; border-radius: 6px; padding: 8px 12px; box-shadow: 0 1px 2px #0002; flex: 1 1 420px; min-width: 320px; }
table.grid { border-collapse: collapse; font-size: 13px; width: 100%; }
table.grid th, table.grid td { border-bottom: 1px solid #e3e6ea; padding: 3px 8px; text-align: left; }
table.grid tr.low td, table.grid tr.warn td { background: #fde2e1; }
.message { border-bottom: 1px solid #e3e6ea; font-size: 13px; }
.message pre { background: #f7f8fa; padding: 6px; margin: 4px 0; }
.alert-item { font-size: 13px; padding: 2px 0; border-bottom: 1px solid #eee; }
.controls { display: flex; gap: 10px; flex-wrap: wrap; align-items: center; margin: 6px 0; }
.muted { color: #778; font-size: 12px; }
"""


def gather(builders: dict[str, Callable[[], Any]], timeout: float) -> dict[str, Any]:
    """Build a page's panels in parallel, waiting at most ``timeout`` seconds in all.

    A panel not built in time is absent from the answer (its build goes on and fills the sources'
    caches); the page shows it as loading and its refresh callback fills it in. So a first render
    waits for the slowest source at most ``timeout``, and independent sources do not queue. A thread
    per panel (not a shared pool): builds stuck on a hung source must not delay other pages' builds.
    """
    done: dict[str, Any] = {}
    lock = threading.Lock()

    def run(name: str, build: Callable[[], Any]) -> None:
        value = build()
        with lock:
            done[name] = value

    threads = [threading.Thread(target=run, args=item, name=f"dashboard-panel-{item[0]}", daemon=True) for item in builders.items()]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    with lock:
        return dict(done)


def loading(what: str) -> html.Div:
    return html.Div(f"{what}: loading…", className="muted")
