"""Sales: the MySQL `sales` table (Kaggle sales_data_sample) by product line, country, month and deal size."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, dcc, html

from dashboard import components as ui
from dashboard.sources import Sources, Unavailable

PATH = "/sales"
TITLE = "Sales"


def layout(sources: Sources) -> html.Div:
    graph: Any = {"displayModeBar": False}
    return html.Div(
        [
            html.H2("Sales (MySQL `sales`)"),
            dcc.Interval(id="sales-interval", interval=30_000),
            html.Div(id="sales-banner"),
            html.Div(id="sales-cards", className="cards"),
            html.Div(
                [
                    html.Div(
                        dcc.Graph(id="sales-product-line", config=graph, figure=ui.empty("Revenue by product line")), className="panel"
                    ),
                    html.Div(dcc.Graph(id="sales-country", config=graph, figure=ui.empty("Revenue by country")), className="panel"),
                ],
                className="row",
            ),
            html.Div(
                [
                    html.Div(dcc.Graph(id="sales-month", config=graph, figure=ui.empty("Revenue by month")), className="panel"),
                    html.Div(dcc.Graph(id="sales-deal-size", config=graph, figure=ui.empty("Deal sizes")), className="panel"),
                ],
                className="row",
            ),
            html.Div(id="sales-deal-table", className="panel"),
        ]
    )


def sales_panels(sources: Sources) -> tuple[Any, ...]:
    summary = sources.sales.summary()
    if isinstance(summary, Unavailable):
        return (
            ui.banner([summary]),
            [],
            ui.empty("Revenue by product line"),
            ui.empty("Revenue by country"),
            ui.empty("Revenue by month"),
            ui.empty("Deal sizes"),
            html.Div(),
        )
    cards = [
        ui.card("Revenue", f"{summary.revenue:,.2f}", "sales-revenue"),
        ui.card("Orders", ui.number(summary.orders), "sales-orders"),
        ui.card("Order lines", ui.number(summary.rows), "sales-rows"),
    ]
    deal_table = ui.table(
        ["deal size", "revenue", "orders"],
        [[label, f"{revenue:,.2f}", ui.number(orders)] for label, revenue, orders in summary.by_deal_size],
        id="sales-deal-grid",
    )
    return (
        ui.banner([]),
        cards,
        ui.bar("Revenue by product line", [r[0] for r in summary.by_product_line], [float(r[1]) for r in summary.by_product_line]),
        ui.bar("Revenue by country", [r[0] for r in summary.by_country], [float(r[1]) for r in summary.by_country]),
        ui.line("Revenue by month", [r[0] for r in summary.by_month], [float(r[1]) for r in summary.by_month]),
        ui.pie("Deal sizes (revenue)", [r[0] for r in summary.by_deal_size], [float(r[1]) for r in summary.by_deal_size]),
        deal_table,
    )


def register(app: Dash, sources: Sources) -> None:
    @app.callback(
        Output("sales-banner", "children"),
        Output("sales-cards", "children"),
        Output("sales-product-line", "figure"),
        Output("sales-country", "figure"),
        Output("sales-month", "figure"),
        Output("sales-deal-size", "figure"),
        Output("sales-deal-table", "children"),
        Input("sales-interval", "n_intervals"),
    )
    def sales(_: int | None) -> tuple[Any, ...]:
        return sales_panels(sources)
