"""``python -m processor worker``: run one Faust worker (the supervisor runs N of them)."""

from __future__ import annotations

import argparse
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
    parser = OneLineParser(prog="processor", description="souk's Faust stream processor")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    commands.add_parser("worker", help="run one worker: agents, tables, KPI timer, HTTP views")
    parser.parse_args(argv)

    from processor.settings import processor_settings

    try:
        settings = processor_settings()
    except SettingsError as error:
        sys.stderr.write(f"processor: {error}\n")
        return 2
    configure_logging("processor", level=settings.log_level)
    settings.data_dir.mkdir(parents=True, exist_ok=True)

    import faust

    from processor.app import Processor
    from processor.gaps import KafkaRangeReader

    processor = Processor(settings, reader=KafkaRangeReader(settings.kafka_bootstrap))
    from processor.changelogs import declare_changelogs

    try:
        created = declare_changelogs(processor.app, settings.kafka_bootstrap)
    except Exception as error:  # kafka-python raises unrelated types for an unreachable broker
        get_logger().error("processor.changelogs.failed", error=f"{type(error).__name__}: {error}")
        sys.stderr.write(f"processor: cannot prepare changelog topics on {settings.kafka_bootstrap}: {type(error).__name__}: {error}\n")
        return 1
    get_logger().info("processor.changelogs.declared", created=len(created))
    get_logger().info(
        "processor.worker.starting", app_id=settings.app_id, url=settings.url, data_dir=str(settings.data_dir), guarantee=settings.guarantee
    )
    worker = faust.Worker(processor.app, loglevel=settings.log_level, override_logging=False, quiet=True)
    worker.execute_from_commandline()
    return 0


if __name__ == "__main__":
    sys.exit(main())
