"""`souk report --date D`: the day's analysis in Markdown, with PNG charts, from the stored views.

The seed's report (per city: revenue, count, average basket, top category; sales of 1000 MAD or
more; the peak hour) and more: categories, payment methods, the hour profile, the funnel,
viewed vs bought, top products, the stock at close, and the imported sales when present. Written
to `<reports>/date=D/` in HDFS (report.md and *.png) and copied to the local reports directory.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from batch.errors import BatchError
from batch.hdfs import Hdfs
from batch.png import bar_chart
from batch.settings import BatchSettings
from batch.warehouse import read_view
from souk.contract import CURRENCY, HIGH_TICKET_THRESHOLD, format_money

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def _money(value: Decimal | None) -> str:
    return "–" if value is None else format_money(value)


def _rate(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f} %"


def _table(header: list[str], rows: list[list[Any]], right: set[int] | None = None) -> str:
    right = right if right is not None else set(range(1, len(header)))
    rule = ["---:" if i in right else "---" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _rows(spark: SparkSession, settings: BatchSettings, view: str, date: str, order: list[str]) -> list[Any]:
    df = read_view(spark, settings, view, [date])
    return [] if df is None else df.orderBy(*order).collect()


def build_report(spark: SparkSession, settings: BatchSettings, date: str) -> tuple[str, dict[str, bytes]]:
    """The Markdown text and the charts (file name → PNG bytes) of `date`."""
    daily = _rows(spark, settings, "revenue_daily", date, ["date"])
    hourly = _rows(spark, settings, "hourly_profile", date, ["hour"])
    if not daily and not hourly:
        raise BatchError(
            f"no views for {date} in {settings.warehouse_dir}: run `souk daily --date {date}` first (or `souk report --compute`)"
        )
    cities = sorted(_rows(spark, settings, "revenue_by_city", date, ["city"]), key=lambda r: (-r["revenue"], r["city"]))
    categories = sorted(_rows(spark, settings, "revenue_by_category", date, ["category"]), key=lambda r: (-r["revenue"], r["category"]))
    payments = sorted(
        _rows(spark, settings, "revenue_by_payment", date, ["payment_method"]), key=lambda r: (-r["revenue"], r["payment_method"])
    )
    funnel = _rows(spark, settings, "funnel", date, ["step_index"])
    affinity = _rows(spark, settings, "affinity_category", date, ["category"])
    products = _rows(spark, settings, "affinity_product", date, ["product_id"])
    top = _rows(spark, settings, "top_products", date, ["rank"])
    alerts = sorted(_rows(spark, settings, "high_ticket_orders", date, ["order_id"]), key=lambda r: (-r["total"], r["order_id"]))
    stock = _rows(spark, settings, "stock_history", date, ["product_id", "hour"])

    d = daily[0] if daily else None
    peak = next((r for r in hourly if r["is_peak"]), None)
    charts: dict[str, bytes] = {}
    md = [
        f"# souk — analysis report for {date}\n\n",
        f"All amounts in {CURRENCY}; times in UTC. Source: the views in `{settings.warehouse_dir}`.\n",
    ]

    md.append("## Summary\n\n")
    summary: list[list[Any]] = [
        ["Orders", d["orders"] if d else 0],
        ["Revenue", _money(d["revenue"]) if d else "0.00"],
        ["Units sold", d["units"] if d else 0],
        ["Average basket", _money(d["avg_basket"]) if d else "–"],
        ["Sessions (with a click)", sum(r["sessions"] for r in hourly)],
        [f"Orders of {format_money(HIGH_TICKET_THRESHOLD)} {CURRENCY} or more", len(alerts)],
        ["Peak hour", f"{peak['hour']:02d}:00 – {(peak['hour'] + 1) % 24:02d}:00" if peak else "–"],
    ]
    md.append(_table(["Figure", "Value"], summary))

    md.append("\n## By city\n\n")
    md.append(
        _table(
            ["City", "Revenue", "Orders", "Average basket", "Top category"],
            [[r["city"], _money(r["revenue"]), r["orders"], _money(r["avg_basket"]), r["top_category"]] for r in cities],
            {1, 2, 3},
        )
    )
    if cities:
        charts["revenue_by_city.png"] = bar_chart("Revenue by city", [r["city"] for r in cities], [float(r["revenue"]) for r in cities])
        md.append("\n![Revenue by city](revenue_by_city.png)\n")

    md.append("\n## By category\n\n")
    md.append(
        _table(
            ["Category", "Revenue", "Orders", "Units"], [[r["category"], _money(r["revenue"]), r["orders"], r["units"]] for r in categories]
        )
    )
    if categories:
        charts["revenue_by_category.png"] = bar_chart(
            "Revenue by category", [r["category"] for r in categories], [float(r["revenue"]) for r in categories]
        )
        md.append("\n![Revenue by category](revenue_by_category.png)\n")

    md.append("\n## By payment method\n\n")
    md.append(
        _table(
            ["Payment method", "Revenue", "Orders", "Average basket"],
            [[r["payment_method"], _money(r["revenue"]), r["orders"], _money(r["avg_basket"])] for r in payments],
        )
    )

    md.append("\n## Hour of day\n\n")
    if peak:
        span = f"{peak['hour']:02d}:00 – {(peak['hour'] + 1) % 24:02d}:00"
        md.append(f"Peak hour: **{span}**, {_money(peak['revenue'])} {CURRENCY} in {peak['orders']} orders.\n\n")
    md.append(
        _table(
            ["Hour", "Clicks", "Sessions", "Orders", "Revenue"],
            [[f"{r['hour']:02d}", r["clicks"], r["sessions"], r["orders"], _money(r["revenue"])] for r in hourly],
        )
    )
    if hourly:
        charts["revenue_by_hour.png"] = bar_chart(
            "Revenue by hour (UTC)",
            [f"{r['hour']:02d}" for r in hourly],
            [float(r["revenue"]) for r in hourly],
            highlight=next((i for i, r in enumerate(hourly) if r["is_peak"]), None),
            value_format="{:,.0f}",
        )
        md.append("\n![Revenue by hour](revenue_by_hour.png)\n")

    md.append(f"\n## Alerts: orders of {format_money(HIGH_TICKET_THRESHOLD)} {CURRENCY} or more\n\n")
    md.append(
        f"{len(alerts)} high-ticket orders"
        + (f", {_money(sum((r['total'] for r in alerts), Decimal(0)))} {CURRENCY} in all" if alerts else "")
        + ".\n\n"
    )
    if alerts:
        md.append(
            _table(
                ["Order", "Time", "City", "Payment", "Lines", "Total"],
                [
                    [r["order_id"], r["event_time"].strftime("%H:%M:%S"), r["city"], r["payment_method"], r["lines"], _money(r["total"])]
                    for r in alerts[:25]
                ],
                {4, 5},
            )
        )
        if len(alerts) > 25:
            md.append(f"\n… and {len(alerts) - 25} more (table `high_ticket_orders`).\n")

    md.append("\n## Conversion funnel\n\n")
    md.append(
        _table(
            ["Step", "Sessions", "From previous", "From first"],
            [[r["step"], r["sessions"], _rate(r["rate_from_previous"]), _rate(r["rate_from_start"])] for r in funnel],
        )
    )
    if funnel:
        charts["funnel.png"] = bar_chart("Sessions per funnel step", [r["step"] for r in funnel], [float(r["sessions"]) for r in funnel])
        md.append("\n![Funnel](funnel.png)\n")

    md.append("\n## Viewed vs bought (affinity)\n\n")
    md.append(
        _table(
            ["Category", "Product views", "Viewing sessions", "Cart adds", "Buying sessions", "View → buy", "Revenue"],
            [
                [
                    r["category"],
                    r["views"],
                    r["viewed_sessions"],
                    r["cart_adds"],
                    r["bought_sessions"],
                    _rate(r["view_to_buy"]),
                    _money(r["revenue"]),
                ]
                for r in affinity
            ],
        )
    )
    most_viewed = sorted(products, key=lambda r: (-r["views"], r["product_id"]))[:10]
    if most_viewed:
        md.append("\nMost viewed products, and how many of their viewers bought:\n\n")
        md.append(
            _table(
                ["Product", "Category", "Views", "Viewing sessions", "Buying sessions", "View → buy"],
                [
                    [r["product_id"], r["category"], r["views"], r["viewed_sessions"], r["bought_sessions"], _rate(r["view_to_buy"])]
                    for r in most_viewed
                ],
                {2, 3, 4, 5},
            )
        )

    md.append("\n## Top products\n\n")
    md.append(
        _table(
            ["Rank", "Product", "Category", "Units", "Orders", "Revenue"],
            [[r["rank"], r["product_id"], r["category"], r["units"], r["orders"], _money(r["revenue"])] for r in top],
            {0, 3, 4, 5},
        )
    )

    closing: dict[str, Any] = {}
    for r in stock:  # ordered by product then hour: the last row of a product is its close
        closing[r["product_id"]] = r
    lowest = sorted(closing.values(), key=lambda r: (r["closing_stock"], r["product_id"]))[:10]
    md.append("\n## Stock at the end of the day (lowest 10 of the products that moved)\n\n")
    md.append(
        _table(
            ["Product", "Category", "Closing stock", "Last move (hour)"],
            [[r["product_id"], r["category"], r["closing_stock"], f"{r['hour']:02d}"] for r in lowest],
            {2, 3},
        )
    )

    lines_ = read_view(spark, settings, "sales_by_productline")
    deals = read_view(spark, settings, "deal_sizes")
    if lines_ is not None:
        md.append("\n## Imported sales (Kaggle sales sample, via sqoop-bridge)\n\n")
        rows = lines_.orderBy("productline").collect()
        md.append(
            _table(
                ["Product line", "Orders", "Quantity", "Revenue"],
                [[r["productline"], r["orders"], r["quantity"], _money(r["revenue"])] for r in rows],
            )
        )
        if deals is not None:
            md.append("\n")
            rows = deals.orderBy("dealsize").collect()
            md.append(
                _table(
                    ["Deal size", "Order lines", "Revenue", "Average sale"],
                    [[r["dealsize"], r["order_lines"], _money(r["revenue"]), _money(r["avg_sale"])] for r in rows],
                )
            )
    return "".join(md), charts


def write_report(spark: SparkSession, settings: BatchSettings, date: str, compute: bool = False) -> tuple[str, Path]:
    """Build the report of `date`, store it in HDFS and locally; (HDFS dir, local dir)."""
    if compute:
        from batch.daily import aggregate

        aggregate(spark, settings, date)
    text, charts = build_report(spark, settings, date)
    hdfs = Hdfs(settings)
    hdfs_dir = f"{settings.reports_dir}/date={date}"
    local_dir = Path(settings.local_reports()) / f"date={date}"
    local_dir.mkdir(parents=True, exist_ok=True)
    files = {"report.md": text.encode("utf-8"), **charts}
    for name, data in files.items():
        hdfs.write(f"{hdfs_dir}/{name}", data)
        (local_dir / name).write_bytes(data)
    return hdfs_dir, local_dir
