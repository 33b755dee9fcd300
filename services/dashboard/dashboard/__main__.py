"""``python -m dashboard``: serve the dashboard (waitress, DASHBOARD_THREADS threads) on SOUK_BIND:DASHBOARD_PORT."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import NoReturn

from souk.logs import configure_logging, get_logger
from souk.settings import SettingsError


class OneLineParser(argparse.ArgumentParser):
    """A bad argument prints one line, not the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = OneLineParser(prog="dashboard", description="souk's read-only Dash dashboard")
    parser.add_argument("--port", type=int, help="override DASHBOARD_PORT")
    args = parser.parse_args(argv)

    from dashboard.settings import dashboard_settings

    try:
        settings = dashboard_settings()
    except SettingsError as error:
        sys.stderr.write(f"dashboard: {error}\n")
        return 2
    port = args.port or settings.port
    configure_logging("dashboard", level=settings.log_level)
    # kafka-python 3 warns whenever its I/O loop runs > 100 ms; on a busy host that floods the log.
    logging.getLogger("kafka.net.selector").setLevel(logging.ERROR)
    log = get_logger()

    import waitress

    from dashboard.app import create_app
    from dashboard.sources import Sources

    sources = Sources.from_settings(settings)
    app = create_app(sources)
    sources.start()
    log.info(
        "dashboard.starting", url=f"http://{settings.bind_host}:{port}/", processor=settings.processor_url, kafka=settings.kafka_bootstrap
    )
    try:
        waitress.serve(app.server, host=settings.bind_host, port=port, threads=settings.threads, ident="souk-dashboard", _quiet=True)
    except OSError as error:
        log.error("dashboard.bind_failed", host=settings.bind_host, port=port, reason=error.strerror)
        sys.stderr.write(f"dashboard: cannot listen on {settings.bind_host}:{port}: {error.strerror}\n")
        return 1
    finally:
        sources.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
