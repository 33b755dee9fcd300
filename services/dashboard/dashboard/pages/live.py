"""Live: the processor's views (totals, revenue per minute, funnel, top products, stock) and the
`kpis`/`alerts` feed, redrawn every DASHBOARD_REFRESH_MS without reloading the page."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, dcc, html

from dashboard import components as ui
from dashboard.sources import Sources, Unavailable

PATH = "/"
TITLE = "Live"


def layout(sources: Sources) -> html.Div:
    graph: Any = {"displayModeBar": False}
    return html.Div(
        [
            html.H2("Live"),
            dcc.Interval(id="live-interval", interval=sources.settings.refresh_ms),
            html.Div(id="live-processor-banner"),
            html.Div(
                [
                    ui.card("Orders", "—", "live-orders"),
                    ui.card("Revenue", "—", "live-revenue"),
                    ui.card("Average basket", "—", "live-basket"),
                    ui.card("Revenue, last minute", "—", "live-revenue-minute"),
                ],
                className="cards",
            ),
            html.Div(
                [
                    html.Div(dcc.Graph(id="live-revenue-chart", config=graph, figure=ui.empty("Revenue per minute")), className="panel"),
                    html.Div(dcc.Graph(id="live-category-chart", config=graph, figure=ui.empty("Revenue by category")), className="panel"),
                ],
                className="row",
            ),
            html.Div(
                [
                    html.Div(dcc.Graph(id="live-city-chart", config=graph, figure=ui.empty("Revenue by city")), className="panel"),
                    html.Div(dcc.Graph(id="live-payment-chart", config=graph, figure=ui.empty("Payment methods")), className="panel"),
                ],
                className="row",
            ),
            html.Div(
                [
                    html.Div(
                        [dcc.Graph(id="live-funnel-chart", config=graph, figure=ui.empty("Funnel")), html.Div(id="live-funnel-table")],
                        className="panel",
                    ),
                    html.Div([html.H3("Top products"), html.Div(id="live-top-products")], className="panel"),
                ],
                className="row",
            ),
            html.Div(
                [
                    html.Div([html.H3("Stock (low first)"), html.Div(id="live-stock")], className="panel"),
                    html.Div(
                        [
                            html.H3("Alerts"),
                            html.Div(id="live-feed-banner"),
                            html.Div(id="live-alerts"),
                            html.H3("KPIs"),
                            html.Div(id="live-kpis"),
                        ],
                        className="panel",
                    ),
                ],
                className="row",
            ),
        ]
    )


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
    )
    def live_charts(_: int | None) -> tuple[Any, ...]:
        return processor_panels(sources)[5:10]

    @app.callback(
        Output("live-feed-banner", "children"),
        Output("live-alerts", "children"),
        Output("live-kpis", "children"),
        Input("live-interval", "n_intervals"),
    )
    def live_feed(_: int | None) -> tuple[Any, Any, Any]:
        return feed_panels(sources)
