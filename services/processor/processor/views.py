"""Read-only JSON views (DESIGN.md "Processor HTTP views"); any worker answers for all partitions."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from processor import queries
from processor.cluster import NotReady, parse_partitions
from processor.queries import Partial, QueryError

if TYPE_CHECKING:
    from processor.app import Processor

DEFAULT_LAST = 10
DEFAULT_TOP = 10
MAX_ROWS = 1000


def int_param(params: Mapping[str, str], name: str, default: int) -> int:
    text = params.get(name)
    if text is None:
        return default
    if not text.isdigit() or not 0 < int(text) <= MAX_ROWS:
        raise QueryError(f"{name} must be an integer in 1..{MAX_ROWS}, got {text!r}")
    return int(text)


def register(processor: Processor) -> None:
    app, tables, cluster, settings = processor.app, processor.tables, processor.cluster, processor.settings
    thresholds = settings.low_stock_thresholds()
    funnel_window = f"{settings.funnel_window_s}s"

    def funnel_params(params: Mapping[str, str]) -> int:
        window = params.get("window", funnel_window)
        if window != funnel_window:
            raise QueryError(f"window must be {funnel_window} (PROCESSOR_FUNNEL_SECONDS), got {window!r}")
        return int_param(params, "last", DEFAULT_LAST)

    cluster.partials.update(
        totals=lambda parts, params: queries.partial_totals(tables, parts),
        revenue=lambda parts, params: queries.partial_revenue(tables, parts, params.get("window", "60s")),
        stock=lambda parts, params: queries.partial_stock(tables, parts),
        funnel=lambda parts, params: queries.partial_funnel(tables, parts),
        affinity=lambda parts, params: queries.partial_affinity(tables, parts),
        top_products=lambda parts, params: queries.partial_top_products(tables, parts),
    )

    def page(path: str, view: str, render: Callable[[Partial, Mapping[str, str]], Any], check: Callable[[Mapping[str, str]], Any]) -> None:
        async def handler(web: Any, request: Any) -> Any:
            params = dict(request.query)
            try:
                check(params)
                merged = await cluster.gather(view, params)
                return web.json(render(merged, params))
            except QueryError as error:
                return web.json({"error": str(error)}, status=400)
            except NotReady as error:
                return web.json({"error": f"not ready: {error}"}, status=503)

        handler.__name__ = f"view_{view}"
        app.page(path)(handler)

    page("/totals", "totals", lambda merged, params: queries.render_totals(merged), lambda params: None)
    page(
        "/revenue",
        "revenue",
        lambda merged, params: queries.render_revenue(merged, params.get("window", "60s"), int_param(params, "last", DEFAULT_LAST)),
        lambda params: (queries.window_size(params.get("window", "60s")), int_param(params, "last", DEFAULT_LAST)),
    )
    page(
        "/stock",
        "stock",
        lambda merged, params: queries.render_stock(merged, thresholds, settings.low_stock_threshold, low_only=False),
        lambda params: None,
    )
    page(
        "/stock/low",
        "stock",
        lambda merged, params: queries.render_stock(merged, thresholds, settings.low_stock_threshold, low_only=True),
        lambda params: None,
    )
    page(
        "/funnel",
        "funnel",
        lambda merged, params: queries.render_funnel(merged, settings.funnel_window_s, int_param(params, "last", DEFAULT_LAST)),
        funnel_params,
    )
    page(
        "/affinity",
        "affinity",
        lambda merged, params: queries.render_affinity(merged, int_param(params, "n", DEFAULT_TOP)),
        lambda params: int_param(params, "n", DEFAULT_TOP),
    )
    page(
        "/top-products",
        "top_products",
        lambda merged, params: queries.render_top_products(merged, int_param(params, "n", DEFAULT_TOP)),
        lambda params: int_param(params, "n", DEFAULT_TOP),
    )

    @app.page("/_partial/{view}")
    async def partial(web: Any, request: Any, view: str) -> Any:
        """A worker's sums for the partitions the asking worker says it owns (internal)."""
        params = dict(request.query)
        try:
            parts = parse_partitions(params.pop("partitions", ""))
            if view not in cluster.partials:
                return web.json({"error": f"no view {view!r}"}, status=404)
            return web.json({"partial": cluster.local(view, parts, params)})
        except (QueryError, ValueError) as error:
            return web.json({"error": str(error)}, status=400)
        except NotReady as error:
            return web.json({"error": str(error)}, status=503)

    @app.page("/health")
    async def health(web: Any, request: Any) -> Any:
        """Alive and serving; says whether a rebalance or recovery is in progress."""
        busy = cluster.busy()
        return web.json(
            {
                "status": "ok",
                "worker": cluster.url,
                "app_id": settings.app_id,
                "partitions": sorted(cluster.local_partitions()),
                "busy": busy,
            }
        )
