"""Dashboard benchmark: server time of each Dash callback (p50/p95) and time to first render.

Runs the real app (waitress, as `python -m dashboard` does) in this process against the running
stack, with its topics under a bench prefix holding at least --events contract events (filled
once, kept for the next run unless --cleanup). The processor's views come from the running
processor if it answers, else from a stand-in serving canned views (said in the output).

Server time is measured inside the WSGI server (request in → last byte out) for POSTs to
/_dash-update-component, grouped by callback. Time to first render is measured in headless
Chromium, inside the page: ms from navigation start until the page's first value (on / the
Orders KPI) is in the DOM, and on / also until plotly has drawn the first chart. Baselines
measured in the same run: a trivial echo callback registered on the same app; a static HTML
page served by the same server; a one-div Dash page (Dash's bundles, no callbacks).

    .venv/bin/python bench/dashboard.py [--events 1000000] [--samples 60] [--cleanup]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from collections import defaultdict
from typing import Any

from dash import Dash, Input, Output, html

from souk.contract import CITIES, Click, encode, encode_key, new_event_id
from souk.stack.provision import ensure_topics
from souk.stack.settings import stack_settings

# This file is bench/dashboard.py: keep its folder off the path so `import dashboard` finds the service.
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]

CHROME_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def count_events(admin: Any, topics: list[str]) -> int:
    from kafka import TopicPartition
    from kafka.admin import OffsetSpec

    described = admin.describe_topics(topics)
    tps = [TopicPartition(t["name"], p["partition_index"]) for t in described for p in t["partitions"]]
    low = admin.list_partition_offsets({tp: OffsetSpec.EARLIEST for tp in tps})
    high = admin.list_partition_offsets({tp: OffsetSpec.LATEST for tp in tps})
    return sum(high[tp].offset - low[tp].offset for tp in tps)


def fill(bootstrap: str, topic: str, missing: int) -> float:
    """Write ``missing`` click events (a few thousand distinct ones, cycled) and return the rate."""
    from kafka import KafkaProducer

    now = int(time.time() * 1000)
    clicks = [
        Click(
            event_id=new_event_id(),
            event_time_ms=now - i,
            session_id=f"bench-s{i % 5000}",
            user_id=f"u{i % 997}",
            city=CITIES[i % len(CITIES)],
            page="home",
            action="view",
        )
        for i in range(5000)
    ]
    encoded = [(encode_key(c), encode(c)) for c in clicks]
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=50, batch_size=512 * 1024, acks=1)
    started = time.perf_counter()
    for i in range(missing):
        key, value = encoded[i % len(encoded)]
        producer.send(topic, key=key, value=value)
    producer.flush()
    producer.close()
    return missing / (time.perf_counter() - started)


class Timed:
    """WSGI middleware: server time of each callback POST, keyed by its output."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.times: dict[str, list[float]] = defaultdict(list)
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") != "/_dash-update-component":
            return self.app(environ, start_response)
        started = time.perf_counter()
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        key = json.loads(body).get("output", "?")
        chunks = list(self.app(environ, start_response))
        with self.lock:
            self.times[key].append(time.perf_counter() - started)
        return chunks


def request_body(app: Dash, key: str, values: dict[str, Any]) -> bytes:
    spec = app.callback_map[key]
    outputs = spec["output"]
    as_list = isinstance(outputs, list)
    out = [{"id": o.component_id, "property": o.component_property} for o in (outputs if as_list else [outputs])]
    inputs = [{**i, "value": values.get(f"{i['id']}.{i['property']}")} for i in spec["inputs"]]
    state = [{**s, "value": values.get(f"{s['id']}.{s['property']}")} for s in spec["state"]]
    payload = {
        "output": key,
        "outputs": out if as_list else out[0],
        "inputs": inputs,
        "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"] if inputs else [],
        "state": state,
    }
    return json.dumps(payload).encode()


def post(url: str, body: bytes) -> None:
    request = urllib.request.Request(url + "/_dash-update-component", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


# Installed before any page script runs: records (performance.now(), i.e. ms since navigation
# start) when the watched element first shows a value, and when the watched chart is first drawn.
PROBE_JS = """
window.__bench = {ready: null, drawn: null};
new MutationObserver(function () {
  var b = window.__bench, w = window.__benchWatch || {};
  if (b.ready === null && w.ready) {
    var e = document.querySelector(w.ready), t = e ? e.innerText.trim() : "";
    if (t !== "" && t !== "\u2014") b.ready = performance.now();
  }
  if (b.drawn === null && w.drawn && document.querySelector(w.drawn)) b.drawn = performance.now();
}).observe(document, {subtree: true, childList: true, characterData: true});
"""


def first_render(url: str, ready: str, drawn: str | None, runs: int) -> list[dict[str, float]] | str:
    """Per run, ms since navigation start: DOMContentLoaded, ``ready`` showing a value, ``drawn`` present.

    Measured inside the page (a MutationObserver and performance.now()), so the browser's main
    thread being busy (plotly.js evaluating) does not delay the reading; a fresh profile each run.
    """
    try:
        from selenium import webdriver
    except ImportError:
        return "selenium missing"
    results = []
    for _ in range(runs):
        options = webdriver.ChromeOptions()
        for flag in CHROME_FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={tempfile.mkdtemp(prefix='bench-dashboard-')}")
        if os.path.exists("/usr/bin/chromium"):
            options.binary_location = "/usr/bin/chromium"
        try:
            driver = webdriver.Chrome(options=options)
        except Exception as error:
            return f"no browser: {str(error).splitlines()[0]}"
        try:
            watch = json.dumps({"ready": ready, "drawn": drawn})
            driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": f"window.__benchWatch = {watch};" + PROBE_JS})
            driver.get("about:blank")
            driver.get(url)
            deadline = time.monotonic() + 30
            state: dict[str, Any] = {}
            while time.monotonic() < deadline:
                state = driver.execute_script(
                    "var n = performance.getEntriesByType('navigation')[0];"
                    " return {ready: window.__bench.ready, drawn: window.__bench.drawn, dcl: n ? n.domContentLoadedEventEnd : 0};"
                )
                if state["ready"] is not None and (drawn is None or state["drawn"] is not None) and state["dcl"]:
                    break
                time.sleep(0.05)
            results.append({k: (float("nan") if state.get(k) is None else float(state[k]) / 1000) for k in ("dcl", "ready", "drawn")})
        finally:
            driver.quit()
    return results


def canned_processor() -> tuple[str, Any]:
    import http.server

    views = {
        "/totals": {
            "orders": 120_000,
            "revenue": "98765432.10",
            "by_category": {c: {"revenue": "1000.00", "orders": 10, "units": 10} for c in ("Electronics", "Fashion", "Sports")},
            "by_city": {c: {"revenue": "1000.00", "orders": 10} for c in CITIES},
            "by_payment_method": {"Credit Card": {"revenue": "1.00", "orders": 1}},
        },
        "/revenue": {"windows": [{"start_ms": 60_000 * i, "end_ms": 60_000 * (i + 1), "revenue": "10.00", "orders": 1} for i in range(30)]},
        "/stock": {"products": [{"product_id": f"P-{i:03d}", "category": "Sports", "stock_level": i, "threshold": 10} for i in range(200)]},
        "/funnel": {
            "all_windows": [
                {"step": s, "sessions": 100 - 10 * n} for n, s in enumerate(("home", "category", "product", "cart", "checkout", "purchase"))
            ]
        },
        "/top-products": {
            "products": [
                {"product_id": f"P-{i:03d}", "category": "Sports", "units": 10, "orders": 5, "revenue": "50.00"} for i in range(10)
            ]
        },
        "/health": {"status": "ok", "partitions": [0, 1, 2, 3, 4, 5]},
    }

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            data = json.dumps(views.get(self.path.split("?")[0], {})).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--prefix", default="bench-dashboard.", help="topic prefix of the bench's topics")
    parser.add_argument("--events", type=int, default=1_000_000, help="at least this many events in the bench topics")
    parser.add_argument("--samples", type=int, default=60, help="requests per callback")
    parser.add_argument("--renders", type=int, default=3, help="first-render measurements per page")
    parser.add_argument("--cleanup", action="store_true", help="delete the bench topics afterwards")
    args = parser.parse_args()

    from kafka import KafkaAdminClient

    stack = stack_settings()
    topics = ensure_topics(stack, prefix=args.prefix) or []
    names = [args.prefix + base for base in ("clicks", "purchases", "inventory", "kpis", "alerts", "dlq")]
    admin = KafkaAdminClient(bootstrap_servers=stack.kafka_bootstrap)
    have = count_events(admin, names)
    if have < args.events:
        rate = fill(stack.kafka_bootstrap, args.prefix + "clicks", args.events - have)
        sys.stdout.write(f"filled {args.events - have:,} events into {args.prefix}clicks at {rate:,.0f}/s\n")
    events = count_events(admin, names)
    cluster_topics = admin.list_topics()
    sys.stdout.write(f"{events:,} events in {args.prefix}* ({len(cluster_topics)} topics on the broker)\n")

    processor_url = f"http://{stack.bind_host}:{stack.processor_port}"
    stand_in = None
    try:
        urllib.request.urlopen(processor_url + "/totals", timeout=1).read()
        processor_note = f"real processor at {processor_url}"
    except OSError:
        processor_url, stand_in = canned_processor()
        processor_note = "stand-in processor (canned views; the real one did not answer)"

    os.environ.update({"SOUK_TOPIC_PREFIX": args.prefix, "PROCESSOR_URL": processor_url})
    import waitress
    from dashboard.app import create_app
    from dashboard.settings import dashboard_settings
    from dashboard.sources import Sources

    sources = Sources.from_settings(dashboard_settings())
    app = create_app(sources)

    @app.callback(Output("bench-out", "children"), Input("bench-in", "children"))
    def echo(value: Any) -> Any:
        return value

    timed = Timed(app.server)
    port = free_port()
    server = waitress.create_server(timed, host="127.0.0.1", port=port, threads=8)
    threading.Thread(target=server.run, daemon=True).start()
    url = f"http://127.0.0.1:{port}"

    tiny = Dash(__name__ + "_tiny")
    tiny.layout = html.Div("static", id="static")
    tiny_port = free_port()
    tiny_server = waitress.create_server(tiny.server, host="127.0.0.1", port=tiny_port, threads=4)
    threading.Thread(target=tiny_server.run, daemon=True).start()

    @app.server.route("/bench-static")
    def static_page() -> str:
        return '<!DOCTYPE html><html><body><div id="static">static</div></body></html>'

    # First render before anything warms the caches: a user opening a freshly started dashboard.
    sources.start()
    n = args.renders
    renders = {
        "static HTML page, same server (baseline)": first_render(url + "/bench-static", "#static", None, n),
        "one-div Dash page (Dash's own floor)": first_render(f"http://127.0.0.1:{tiny_port}/", "#static", None, n),
        "/ live: first KPI value in the DOM": first_render(url + "/", "#live-orders", "#live-revenue-chart .main-svg", n),
        "/topics: topic table shown": first_render(url + "/topics", "#topics-grid", None, n),
        "/lake: capacity shown": first_render(url + "/lake", "#lake-cap-total", None, n),
    }
    timed.times.clear()

    clicks = args.prefix + "clicks"
    # A case's values are fixed, or a function of the request's number (a new position each time).
    cases: list[tuple[str, str, Any]] = [
        ("trivial echo callback (baseline)", "bench-out.children", {"bench-in.children": "x"}),
        ("route: render / (live, filled with views)", "page.children", {"url.pathname": "/"}),
        ("route: render /topics", "page.children", {"url.pathname": "/topics"}),
        ("live: processor views", "live-processor-banner", {"live-interval.n_intervals": 1}),
        ("live: kpis/alerts feed", "live-feed-banner", {"live-interval.n_intervals": 1}),
        (
            "topics: bench topics + groups",
            "topics-banner",
            {"topics-interval.n_intervals": 1, "topics-filter.value": args.prefix, "topics-internal.value": []},
        ),
        (
            "topics: every topic on the broker",
            "topics-banner",
            {"topics-interval.n_intervals": 1, "topics-filter.value": "", "topics-internal.value": []},
        ),
        ("topics: partitions of a topic", "browse-partition.options", {"browse-topic.value": clicks}),
        (
            "topics: browse latest 50 (user action)",
            "browse-status",
            {
                "browse-fetch.n_clicks": 1,
                "browse-topic.value": clicks,
                "browse-seek.value": "latest",
                "browse-limit.value": 50,
                "browse-tail.value": [],
            },
        ),
        (
            "topics: browse earliest 50",
            "browse-status",
            {
                "browse-fetch.n_clicks": 1,
                "browse-topic.value": clicks,
                "browse-seek.value": "earliest",
                "browse-limit.value": 50,
                "browse-tail.value": [],
            },
        ),
        (
            "topics: browse 50 at a new offset each time",  # nothing read before: no cache helps
            "browse-status",
            lambda i: {
                "browse-fetch.n_clicks": 1,
                "browse-topic.value": clicks,
                "browse-seek.value": "offset",
                "browse-position.value": str(1000 + 997 * i),
                "browse-limit.value": 50,
                "browse-tail.value": [],
            },
        ),
        (
            "topics: browse latest 50, key filter",
            "browse-status",
            {
                "browse-fetch.n_clicks": 1,
                "browse-topic.value": clicks,
                "browse-seek.value": "latest",
                "browse-key.value": "bench-s42",
                "browse-limit.value": 50,
                "browse-tail.value": [],
            },
        ),
        ("lake: status panels", "lake-hdfs-banner", {"lake-interval.n_intervals": 1}),
        ("lake: list a directory", "lake-listing.children", {"lake-path.data": "/"}),
        ("history: view and report lists", "history-banner", {"history-init.n_intervals": 1}),
        ("sales: MySQL aggregates", "sales-banner", {"sales-interval.n_intervals": 1}),
    ]
    rows = []
    for label, prefix, values in cases:
        key = next(k for k in app.callback_map if k == prefix or k.startswith(f"..{prefix}"))
        body_of = values if callable(values) else (lambda _, fixed=values: fixed)
        post(url, request_body(app, key, body_of(-1)))  # the first call of a page fills its caches; a warm dashboard is what users see
        timed.times.pop(key, None)
        for i in range(args.samples):
            post(url, request_body(app, key, body_of(i)))
            time.sleep(0.05)
        samples = timed.times[key]
        rows.append((label, statistics.median(samples), percentile(samples, 0.95)))

    base_p50, base_p95 = rows[0][1], rows[0][2]
    out = sys.stdout
    out.write(f"\nprocessor: {processor_note}; {args.samples} requests per callback, 50 ms apart; server time inside waitress\n\n")
    out.write(f"{'callback':<42} {'p50 ms':>8} {'p95 ms':>8} {'p50 ×base':>10} {'p95 ×base':>10} {'p95 ≤ 100 ms':>13}\n")
    for label, p50, p95 in rows:
        verdict = "yes" if p95 <= 0.1 else "NO"
        out.write(f"{label:<42} {p50 * 1000:8.1f} {p95 * 1000:8.1f} {p50 / base_p50:10.1f} {p95 / base_p95:10.1f} {verdict:>13}\n")
    out.write(
        f"\nfirst render, ms since navigation start (median of {args.renders} fresh browsers;"
        " DOMContentLoaded = the Dash bundles are loaded)\n\n"
    )
    out.write(f"{'page':<42} {'DOM loaded':>10} {'shown':>7} {'max':>7} {'×base':>6} {'≤ 2 s':>6} {'charts drawn':>13}\n")
    base = renders["static HTML page, same server (baseline)"]
    base_median = statistics.median(r["ready"] for r in base) if isinstance(base, list) else None
    for label, runs in renders.items():
        if isinstance(runs, str):
            out.write(f"{label:<42} {runs}\n")
            continue
        shown = [r["ready"] for r in runs]
        median = statistics.median(shown)
        ratio = f"{median / base_median:6.1f}" if base_median else "     —"
        drawn = [r["drawn"] for r in runs if r["drawn"] == r["drawn"]]
        charts = f"{statistics.median(drawn) * 1000:13.0f}" if drawn else f"{'—':>13}"
        verdict = "yes" if max(shown) <= 2 else "NO"
        dcl = statistics.median(r["dcl"] for r in runs)
        out.write(f"{label:<42} {dcl * 1000:10.0f} {median * 1000:7.0f} {max(shown) * 1000:7.0f} {ratio} {verdict:>6} {charts}\n")
    load = os.getloadavg()
    out.write(f"\nload average during the run: {load[0]:.1f} (1 min) on {os.cpu_count()} CPUs\n")

    server.close()
    tiny_server.close()
    sources.close()
    if stand_in is not None:
        stand_in.shutdown()
    if args.cleanup:
        admin.delete_topics([t for t in names if t in set(admin.list_topics())])
        out.write(f"deleted {', '.join(names)}\n")
    admin.close()
    del topics
    return 0


if __name__ == "__main__":
    sys.exit(main())
