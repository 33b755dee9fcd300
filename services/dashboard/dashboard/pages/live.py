"""Live: the processor's views (totals, revenue per minute, funnel, top products, stock) and the
`kpis`/`alerts` feed, redrawn every DASHBOARD_REFRESH_MS without reloading the page."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, dcc, html

from dashboard import components as ui
from dashboard.sources import Sources, Unavailable

PATH = "/"
TITLE = "Live"


def layout(sources: Sources, filled: bool = True) -> html.Div:
    """The page, already showing the current views (``filled``): the first render needs no callback.

    The interval's callbacks only refresh it (prevent_initial_call): on a fresh page the renderer
    has one layout to draw rather than a layout and then three rounds of outputs, and the KPI
    cards do not wait for the callbacks to come back while plotly.js is still being evaluated.
    """
    graph: Any = {"displayModeBar": False}
    if filled:
        p = processor_panels(sources)
        feed_banner, alerts, kpis = feed_panels(sources)
    else:
        p = (
            html.Div(),
            "—",
            "—",
            "—",
            "—",
            *(ui.empty(t) for t in ("Revenue per minute", "Revenue by category", "Revenue by city", "Payment methods", "Funnel")),
            html.Div(),
            html.Div(),
            html.Div(),
        )
        feed_banner, alerts, kpis = html.Div(), html.Div(), html.Div()
    banner, orders, revenue, basket, last_minute, revenue_chart, by_category, by_city, by_payment, funnel_chart = p[:10]
    funnel_table, top_table, stock_table = p[10:]
    return html.Div(
        [
            html.H2("Live"),
            dcc.Interval(id="live-interval", interval=sources.settings.refresh_ms),
            html.Div(banner, id="live-processor-banner"),
            html.Div(
                [
                    ui.card("Orders", orders, "live-orders"),
                    ui.card("Revenue", revenue, "live-revenue"),
                    ui.card("Average basket", basket, "live-basket"),
                    ui.card("Revenue, last minute", last_minute, "live-revenue-minute"),
                ],
                className="cards",
            ),
            html.Div(
                [
                    html.Div(dcc.Graph(id="live-revenue-chart", config=graph, figure=revenue_chart), className="panel"),
                    html.Div(dcc.Graph(id="live-category-chart", config=graph, figure=by_category), className="panel"),
                ],
                className="row",
            ),
            html.Div(
                [
                    html.Div(dcc.Graph(id="live-city-chart", config=graph, figure=by_city), className="panel"),
                    html.Div(dcc.Graph(id="live-payment-chart", config=graph, figure=by_payment), className="panel"),
                ],
                className="row",
            ),
            html.Div(
                [
                    html.Div(
                        [
                            dcc.Graph(id="live-funnel-chart", config=graph, figure=funnel_chart),
                            html.Div(funnel_table, id="live-funnel-table"),
                        ],
                        className="panel",
                    ),
                    html.Div([html.H3("Top products"), html.Div(top_table, id="live-top-products")], className="panel"),
                ],
                className="row",
            ),
            html.Div(
                [
                    html.Div([html.H3("Stock (low first)"), html.Div(stock_table, id="live-stock")], className="panel"),
                    html.Div(
                        [
                            html.H3("Alerts"),
                            html.Div(feed_banner, id="live-feed-banner"),
                            html.Div(alerts, id="live-alerts"),
                            html.H3("KPIs"),
                            html.Div(kpis, id="live-kpis"),
                        ],
                        className="panel",
                    ),
                ],
                className="row",
            ),
        ]
    )


def skeleton(sources: Sources) -> html.Div:
    """The page's components without reading any source (the app's validation layout)."""
    return layout(sources, filled=False)


def processor_panels(sources: Sources) -> tuple[Any, ...]:
    """Every processor-fed output of the live page, with one banner naming what is unavailable."""
    proc = sources.processor
    totals, revenue, funnel, top, stock = proc.totals(), proc.revenue("60s", 30), proc.funnel(), proc.top_products(10), proc.stock()
    banner = ui.banner(ui.problems_of(totals, revenue, funnel, top, stock))

    if isinstance(totals, Unavailable):
        orders = revenue_text = basket = "—"
        by_category = by_city = by_payment = None
    else:
        orders, revenue_text, basket = ui.number(totals.orders), ui.money(totals.revenue), ui.money(totals.average_basket)
        by_category = ui.bar("Revenue by category", list(totals.by_category), [float(v[0]) for v in totals.by_category.values()])
        by_city = ui.bar("Revenue by city", list(totals.by_city), [float(v[0]) for v in totals.by_city.values()])
        by_payment = ui.pie("Payment methods (orders)", list(totals.by_payment_method), [v[1] for v in totals.by_payment_method.values()])

    if isinstance(revenue, Unavailable) or not revenue:
        revenue_chart, last_minute = ui.empty("Revenue per minute"), "—"
    else:
        revenue_chart = ui.line(
            "Revenue per minute (event time)", [ui.when(w.start_ms) for w in revenue], [float(w.revenue) for w in revenue], "MAD"
        )
        last_minute = ui.money(revenue[-1].revenue)

    funnel_table: Any
    if isinstance(funnel, Unavailable) or not funnel:
        funnel_chart, funnel_table = ui.empty("Funnel"), html.Div()
    else:
        funnel_chart = ui.funnel("Funnel (sessions)", [s.step for s in funnel], [s.sessions for s in funnel])
        funnel_table = ui.table(
            ["step", "sessions", "from first", "from previous"],
            [[s.step, ui.number(s.sessions), ui.percent(s.rate_from_first), ui.percent(s.rate_from_previous)] for s in funnel],
            id="live-funnel-grid",
        )

    top_table = (
        html.Div()
        if isinstance(top, Unavailable)
        else ui.table(
            ["product", "category", "units", "orders", "revenue"],
            [[p.product_id, p.category, ui.number(p.units), ui.number(p.orders), ui.money(p.revenue)] for p in top],
            id="live-top-grid",
        )
    )

    stock_table: Any
    if isinstance(stock, Unavailable):
        stock_table = html.Div()
    else:
        ordered = sorted(stock, key=lambda s: (not s.low, s.stock_level, s.product_id))[:30]
        stock_table = ui.table(
            ["product", "category", "stock", "threshold"],
            [[s.product_id, s.category, ui.number(s.stock_level), ui.number(s.threshold)] for s in ordered],
            id="live-stock-grid",
            row_classes=["low" if s.low else "" for s in ordered],
        )

    return (
        banner,
        orders,
        revenue_text,
        basket,
        last_minute,
        revenue_chart,
        by_category or ui.empty("Revenue by category"),
        by_city or ui.empty("Revenue by city"),
        by_payment or ui.empty("Payment methods"),
        funnel_chart,
        funnel_table,
        top_table,
        stock_table,
    )


def feed_panels(sources: Sources) -> tuple[Any, Any, Any]:
    snapshot = sources.feed.snapshot()
    if isinstance(snapshot, Unavailable):
        return ui.banner([snapshot]), html.Div(), html.Div()
    problem = sources.feed.problem
    banner = ui.banner([Unavailable("kpis/alerts feed", f"{problem} (showing the last values received)")] if problem else [])
    alerts = html.Div(
        [
            html.Div(
                [html.Span(ui.when(a.event_time_ms), className="muted"), " ", html.B(a.kind), " ", a.message],
                className=f"alert-item alert-{a.kind}",
            )
            for a in snapshot.alerts[:20]
        ]
        or [html.Div("no alerts yet", className="muted")]
    )
    kpis = ui.table(
        ["kpi", "labels", "value", "as of"],
        [[k.name, k.label_text, k.value, ui.when(k.event_time_ms)] for k in snapshot.kpis],
        id="live-kpi-grid",
    )
    return banner, alerts, kpis


def register(app: Dash, sources: Sources) -> None:
    # The charts get their own callback: Dash runs a callback only once every component it writes is
    # loaded, and graphs wait for plotly.js (megabytes); the figures in the cards must not wait for it.
    @app.callback(
        Output("live-processor-banner", "children"),
        Output("live-orders", "children"),
        Output("live-revenue", "children"),
        Output("live-basket", "children"),
        Output("live-revenue-minute", "children"),
        Output("live-funnel-table", "children"),
        Output("live-top-products", "children"),
        Output("live-stock", "children"),
        Input("live-interval", "n_intervals"),
        prevent_initial_call=True,
    )
    def live_processor(_: int | None) -> tuple[Any, ...]:
        panels = processor_panels(sources)
        return (*panels[:5], *panels[10:])

    @app.callback(
        Output("live-revenue-chart", "figure"),
        Output("live-category-chart", "figure"),
        Output("live-city-chart", "figure"),
        Output("live-payment-chart", "figure"),
        Output("live-funnel-chart", "figure"),
        Input("live-interval", "n_intervals"),
        prevent_initial_call=True,
    )
    def live_charts(_: int | None) -> tuple[Any, ...]:
        return processor_panels(sources)[5:10]

    @app.callback(
        Output("live-feed-banner", "children"),
        Output("live-alerts", "children"),
        Output("live-kpis", "children"),
        Input("live-interval", "n_intervals"),
        prevent_initial_call=True,
    )
    def live_feed(_: int | None) -> tuple[Any, Any, Any]:
        return feed_panels(sources)
