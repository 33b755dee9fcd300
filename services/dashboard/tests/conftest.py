"""Browser set-up for dash[testing]: headless Debian chromium + chromium-driver, quiet and offline.

dash.testing calls the ``pytest_setup_options`` hook and uses the first ChromeOptions returned;
it adds --no-sandbox/--disable-gpu itself but not --headless unless pytest gets ``--headless``,
so the flags are all given here. A fresh profile per browser keeps runs independent.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

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
    "--window-size=1400,1000",
)


def pytest_setup_options():  # dash.testing hook
    from selenium.webdriver.chrome.options import Options

    options = Options()
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="souk-dashboard-chrome-")
    options.add_argument(f"--user-data-dir={profile}")
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if Path(candidate).exists():
            options.binary_location = candidate
            break
    return options


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where page screenshots go: SOUK_HOME/test-results/screenshots/ (test artifacts)."""
    from souk.stack.settings import stack_settings

    folder = stack_settings().path("test-results", "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests need chromium and chromedriver; without them they are skipped with the reason."""
    missing = [tool for tool in ("chromedriver",) if shutil.which(tool) is None]
    if not missing and not (Path("/usr/bin/chromium").exists() or shutil.which("chromium")):
        missing.append("chromium")
    if not missing or os.environ.get("SOUK_REQUIRE_BROWSER") == "1":
        return
    skip = pytest.mark.skip(reason=f"needs {' and '.join(missing)} (apt-get install chromium chromium-driver)")
    for item in items:
        if "dash_duo" in getattr(item, "fixturenames", ()):
            item.add_marker(skip)


class FakeJsonServer:
    """A tiny HTTP server answering GET paths with canned JSON: a unit-level stand-in for the
    processor's views or a Flume agent's /metrics. ``routes`` may be changed while it runs."""

    def __init__(self, routes: dict[str, object]) -> None:
        import http.server
        import json
        import threading

        self.routes = routes
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = owner.routes.get(self.path, owner.routes.get(self.path.split("?")[0]))
                status = 200 if body is not None else 404
                data = json.dumps(body if body is not None else {"error": "not found"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_json():
    """``make(routes) -> FakeJsonServer``; every server is stopped after the test."""
    made: list[FakeJsonServer] = []

    def make(routes: dict[str, object]) -> FakeJsonServer:
        server = FakeJsonServer(routes)
        made.append(server)
        return server

    yield make
    for server in made:
        server.stop()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def dead_port() -> int:
    """A port nobody listens on (bound then released): connections to it are refused."""
    return free_port()


def processor_payloads(orders: int = 3, revenue: str = "1234.50") -> dict[str, object]:
    """The processor's views as services/processor/processor/queries.py renders them."""
    return {
        "/health": {"status": "ok", "worker": "http://fake", "app_id": "processor", "partitions": [0, 1, 2], "busy": None},
        "/totals": {
            "currency": "MAD",
            "orders": orders,
            "revenue": revenue,
            "by_category": {"Electronics": {"revenue": revenue, "orders": orders, "units": orders}},
            "by_city": {"Rabat": {"revenue": revenue, "orders": orders}},
            "by_payment_method": {"Credit Card": {"revenue": revenue, "orders": orders}},
            "events": {"clicks": {"accepted": 10, "duplicates": 0, "rejected": 0}},
        },
        "/revenue": {
            "window": "60s",
            "currency": "MAD",
            "windows": [
                {"start_ms": 1_764_000_000_000, "end_ms": 1_764_000_060_000, "orders": 1, "revenue": "100.00"},
                {"start_ms": 1_764_000_060_000, "end_ms": 1_764_000_120_000, "orders": 2, "revenue": "250.25"},
            ],
        },
        "/stock": {
            "count": 2,
            "products": [
                {"product_id": "P-001", "category": "Electronics", "stock_level": 3, "threshold": 10, "updated_ms": 1},
                {"product_id": "P-002", "category": "Fashion", "stock_level": 40, "threshold": 10, "updated_ms": 1},
            ],
        },
        "/funnel": {
            "window": "60s",
            "windows": [],
            "all_windows": [
                {"step": "home", "sessions": 10, "rate_from_first": "1.0000", "rate_from_previous": None},
                {"step": "product", "sessions": 5, "rate_from_first": "0.5000", "rate_from_previous": "0.5000"},
                {"step": "purchase", "sessions": 2, "rate_from_first": "0.2000", "rate_from_previous": "0.4000"},
            ],
        },
        "/top-products": {
            "currency": "MAD",
            "products": [{"product_id": "P-001", "category": "Electronics", "units": 4, "orders": 3, "revenue": "999.00"}],
        },
    }


@pytest.fixture
def processor_views():
    """``processor_views(orders=, revenue=)``: canned processor JSON, keyed by path."""
    return processor_payloads


@pytest.fixture
def dashboard_factory(stack):
    """``make(**env) -> (app, sources)``: a dashboard over the real stack with env overrides; closed after."""
    from dashboard.app import create_app
    from dashboard.settings import dashboard_settings
    from dashboard.sources import Sources

    made = []

    def make(**overrides: object):
        environ = dict(os.environ)
        environ.update({key: str(value) for key, value in overrides.items()})
        sources = Sources.from_settings(dashboard_settings(environ))
        app = create_app(sources)
        sources.start()
        made.append(sources)
        return app, sources

    yield make
    for sources in made:
        sources.close()


@pytest.fixture
def produce(stack):
    """``produce(topic, [(key, value_bytes), …], partition=None)``: write and flush with kafka-python."""
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=stack.settings.kafka_bootstrap, linger_ms=5)

    def send(topic: str, messages, partition: int | None = None) -> None:
        for key, value in messages:
            producer.send(topic, key=key.encode() if isinstance(key, str) else key, value=value, partition=partition)
        producer.flush()

    yield send
    producer.close()


@pytest.fixture
def port() -> int:
    return free_port()
