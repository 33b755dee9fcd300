"""The Dash app: a navigation bar, one page per URL, every page's callbacks registered up front."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, dcc, html
from flask import jsonify

from dashboard import components as ui
from dashboard.pages import PAGES
from dashboard.sources import Sources

INDEX = (
    """<!DOCTYPE html>
<html>
  <head>{%metas%}<title>{%title%}</title>{%favicon%}{%css%}<style>"""
    + ui.STYLE
    + """</style></head>
  <body>{%app_entry%}<footer>{%config%}{%scripts%}{%renderer%}</footer></body>
</html>"""
)


def create_app(sources: Sources) -> Dash:
    """Build the app over ``sources`` (not started: ``sources.start()`` begins the live feed)."""
    app = Dash(__name__, title="souk dashboard", suppress_callback_exceptions=True, update_title="")
    app.index_string = INDEX
    nav = html.Nav([dcc.Link(page.TITLE, href=page.PATH, id=f"nav-{page.TITLE.lower()}") for page in PAGES])
    app.layout = html.Div([dcc.Location(id="url"), nav, html.Main(id="page")])
    every_page = html.Div([app.layout, *[page.layout(sources) for page in PAGES]])
    app.validation_layout = every_page  # type: ignore[assignment]
    by_path = {page.PATH: page for page in PAGES}

    @app.callback(Output("page", "children"), Input("url", "pathname"))
    def route(pathname: str | None) -> Any:
        page = by_path.get((pathname or "/").rstrip("/") or "/")
        if page is None:
            return html.Div([html.H2("Not found"), html.P(f"no page {pathname}")])
        return page.layout(sources)

    for page in PAGES:
        page.register(app, sources)

    @app.server.route("/healthz")
    def healthz() -> Any:
        return jsonify(status="ok", feed=sources.feed.problem or "ok")

    return app
