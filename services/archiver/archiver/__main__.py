"""`python -m archiver`: run the archiver until SIGTERM/SIGINT (then flush, commit, exit 0).

With ARCHIVER_PROCESSES > 1 this process only starts and watches one child per topic group.
"""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType

from souk.logs import configure_logging, get_logger
from souk.settings import SettingsError


def main() -> int:
    from archiver.settings import archiver_settings

    try:
        settings = archiver_settings()
    except SettingsError as error:
        sys.stderr.write(f"archiver: {error}\n")
        return 2
    configure_logging("archiver", level=settings.log_level)
    log = get_logger()
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        log.info("archiver.signal", signal=signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)

    if settings.processes > 1 and len(settings.topic_bases) > 1:
        from archiver.processes import run_processes

        return run_processes(settings, stop)

    from archiver.app import run
    from archiver.exceptions import ArchiverError

    try:
        run(settings, stop)
    except ArchiverError as error:
        log.error("archiver.failed", error=str(error))
        sys.stderr.write(f"archiver: {error}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
