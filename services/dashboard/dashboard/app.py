"""The Dash app: a navigation bar, one page per URL, every page's callbacks registered up front."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from dash import Dash, Input, Output, State, dcc, html, no_update
from flask import has_request_context, jsonify, request

from dashboard import components as ui
from dashboard.pages import PAGES
from dashboard.sources import Sources

INDEX = (
    """<!DOCTYPE html>
<html>
  <head>{%metas%}<title>{%title%}</title>{%favicon%}{%css%}<style>"""
    + ui.STYLE
    + """</style><script>"""
    + ui.TABLE_JS
    + """</script></head>
  <body>{%app_entry%}<footer>{%config%}{%scripts%}{%renderer%}</footer></body>
</html>"""
)


def normalize(pathname: str | None) -> str:
    return (pathname or "/").rstrip("/") or "/"


def referring_path() -> str | None:
    """The path of the page that requested /_dash-layout (its Referer, same host only), if known."""
    if not has_request_context() or not request.referrer:
        return None
    parts = urlsplit(request.referrer)
    return normalize(parts.path) if parts.netloc == request.host else None


def create_app(sources: Sources) -> Dash:
    """Build the app over ``sources`` (not started: ``sources.start()`` begins the live feed)."""
    app = Dash(__name__, title="souk dashboard", suppress_callback_exceptions=True, update_title="")
    app.index_string = INDEX
    nav = html.Nav([dcc.Link(page.TITLE, href=page.PATH, id=f"nav-{page.TITLE.lower()}") for page in PAGES])
    by_path = {page.PATH: page for page in PAGES}

    def render(path: str) -> Any:
        page = by_path.get(path)
        if page is None:
            return html.Div([html.H2("Not found"), html.P(f"no page {path}")])
        return page.layout(sources)

    def shell(path: str | None) -> html.Div:
        """Navigation and the page at ``path`` (None: left to the route callback); "page-served" says which."""
        main = render(path) if path is not None else None
        return html.Div([dcc.Location(id="url"), dcc.Store(id="page-served", data=path), nav, html.Main(main, id="page")])

    def serve_layout() -> html.Div:
        # The first page comes inside /_dash-layout (its path from the Referer, i.e. the page URL that
        # fetched the layout): the first render then waits for no callback round trip. Without a
        # Referer the route callback renders it, as it does every later navigation.
        return shell(referring_path())

    app.layout = serve_layout
    # Pages whose layout reads its sources offer a skeleton: building the app contacts nothing.
    every_page = html.Div([shell(None), *[getattr(page, "skeleton", page.layout)(sources) for page in PAGES]])
    app.validation_layout = every_page  # type: ignore[assignment]

    @app.callback(Output("page", "children"), Output("page-served", "data"), Input("url", "pathname"), State("page-served", "data"))
    def route(pathname: str | None, served: str | None) -> tuple[Any, None]:
        path = normalize(pathname)
        if served is not None and path == served:
            return no_update, None  # already in the layout; later visits to it are rendered here
        return render(path), None

    for page in PAGES:
        page.register(app, sources)

    @app.server.route("/healthz")
    def healthz() -> Any:
        return jsonify(status="ok", feed=sources.feed.problem or "ok")

    return app
