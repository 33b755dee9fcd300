"""`python -m producer` (also `souk produce`): send seeded shop traffic to Kafka and write a ledger.

Exit codes: 0 when the run ended as asked (events, duration, SIGTERM or Ctrl-C), 1 when Kafka
could not be reached or did not acknowledge sends, 2 for a bad argument or setting. Every failure
is one line on stderr.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from producer import catalogue as catalogue_module
from producer.applog import AppLog
from producer.errors import ProducerError
from producer.ledger import Ledger
from producer.malformed import Injector
from producer.profile import parse_start
from producer.run import Limits, Outcome, Runner
from producer.settings import CATALOGUE_SOURCES, CLOCKS, COMPRESSIONS, ProducerSettings
from producer.traffic import ShopModel, TrafficConfig
from souk.cli import OneLineParser
from souk.contract import SOURCE_TOPICS
from souk.logs import configure_logging, get_logger
from souk.settings import SettingsError, load
from souk.stack.settings import StackSettings

log = get_logger()

# CLI option -> ProducerSettings field; an option left out keeps the environment's value.
_OVERRIDES = {
    "rate": "rate",
    "seed": "seed",
    "duration": "duration_s",
    "events": "events",
    "clock": "clock",
    "start": "start",
    "sessions_per_hour": "sessions_per_hour",
    "follow_profile": "follow_profile",
    "inject_bad": "inject_bad",
    "catalogue": "catalogue",
    "app_log": "app_log",
    "heartbeat": "heartbeat",
    "linger_ms": "linger_ms",
    "compression": "compression",
    "connect_timeout": "connect_timeout_s",
    "log_level": "log_level",
}


def build_parser() -> OneLineParser:
    parser = OneLineParser(
        prog="producer",
        description="Send seeded shop traffic (clicks, purchases, inventory) to Kafka and write a ledger of what was acknowledged.",
    )
    add = parser.add_argument
    add("--rate", type=float, help="events per second; 0 = as fast as possible (env PRODUCER_RATE, default 20)")
    add("--duration", type=float, metavar="S", help="stop after S seconds")
    add("--events", type=int, metavar="N", help="stop after N valid events")
    add("--seed", type=int, help="traffic seed: same seed and arguments, same events (default: random, logged)")
    add("--clock", choices=CLOCKS, help="event times from the simulated clock (sim) or now (wall); auto = wall when --rate > 0")
    add("--start", help="simulated clock start: ISO UTC time, 'today' or 'now' (default 2026-01-01T00:00:00Z)")
    add("--sessions-per-hour", type=float, help="mean new sessions per simulated hour (default 3600)")
    add("--follow-profile", action="store_true", default=None, help="wall clock: scale --rate by the hour-of-day profile")
    add("--inject-bad", type=float, metavar="F", help="add F malformed messages per valid event (0..1)")
    add("--catalogue", choices=CATALOGUE_SOURCES, help="auto: MariaDB's products table, else generated (default auto)")
    add("--topic-prefix", help="prefix of the topic names (env SOUK_TOPIC_PREFIX)")
    add("--bootstrap", help="Kafka bootstrap servers (env KAFKA_BOOTSTRAP)")
    add("--ledger", type=Path, help="ledger file (default SOUK_HOME/ledgers/producer-<seed>-<utc time>.json)")
    add("--ledger-event-ids", action="store_true", help="also list every event_id in the ledger")
    add("--app-log", type=Path, help="business JSON-lines log ('none' = off; default SOUK_HOME/logs/producer-app.log)")
    add("--heartbeat", type=Path, help="status file rewritten every few seconds (the supervisor's health check)")
    add("--linger-ms", type=int, help="Kafka batching delay (default 20)")
    add("--compression", choices=COMPRESSIONS, help="Kafka compression (default gzip)")
    add("--connect-timeout", type=float, metavar="S", help="give up reaching Kafka after S seconds (default 30)")
    add("--log-level", help="structlog level of the service's own log (default INFO)")
    return parser


def resolve_settings(args: Any, environ: dict[str, str] | None = None) -> ProducerSettings:
    """The environment's settings with the command line's options on top; SettingsError if invalid."""
    settings = load(ProducerSettings, environ)
    changes = {field: getattr(args, option) for option, field in _OVERRIDES.items() if getattr(args, option) is not None}
    return dataclasses.replace(settings, **changes)


def _utc_stamp(now: float) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))


def _iso(ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms // 1000))


def load_catalogue(source: str, stack: StackSettings) -> tuple[list[catalogue_module.Product], str]:
    """The products to sell and where they came from; falls back on the generated ones in auto mode."""
    if source == "generated":
        return catalogue_module.generate(), "generated"
    try:
        import mysql.connector

        conn = mysql.connector.connect(
            host=stack.mysql_host,
            port=stack.mysql_port,
            user=stack.mysql_user,
            password=stack.mysql_password().reveal(),
            database=stack.mysql_database,
            connection_timeout=5,
        )
        try:
            return catalogue_module.load_or_create(conn)
        finally:
            conn.close()
    except (mysql.connector.Error, SettingsError, OSError) as exc:
        where = f"{stack.mysql_host}:{stack.mysql_port}/{stack.mysql_database}"
        if source == "db":
            raise ProducerError(f"cannot read the catalogue from MariaDB at {where}: {exc}") from None
        log.warning("producer.catalogue.fallback", mysql=where, error=f"{type(exc).__name__}: {exc}", using="generated")
        return catalogue_module.generate(), "generated (MariaDB unavailable)"


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    try:
        settings = resolve_settings(args)
        stack = load(StackSettings)
        configure_logging("producer", level=settings.log_level)
        # kafka-python's event loop warns whenever a busy machine delays it by 100 ms: not ours to act on.
        logging.getLogger("kafka.net.selector").setLevel(logging.ERROR)
    except (SettingsError, ValueError) as exc:
        sys.stderr.write(f"producer: error: {exc}\n")
        return 2
    try:
        return _run(args, argv, settings, stack)
    except ProducerError as exc:
        sys.stderr.write(f"producer: {exc}\n")
        return exc.exit_code
    except SettingsError as exc:
        sys.stderr.write(f"producer: error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("producer: interrupted before sending\n")
        return 0
    except Exception as exc:
        if os.environ.get("SOUK_DEBUG") == "1":
            raise
        log.exception("producer.crashed")
        sys.stderr.write(f"producer: unexpected {type(exc).__name__}: {exc} (SOUK_DEBUG=1 shows the traceback)\n")
        return 1


def _run(args: Any, argv: list[str], settings: ProducerSettings, stack: StackSettings) -> int:
    now = time.time()
    seed = settings.seed if settings.seed is not None else int.from_bytes(os.urandom(6), "big")
    clock = settings.clock if settings.clock != "auto" else ("wall" if settings.rate > 0 else "sim")
    try:
        start_ms = parse_start(settings.start, int(now * 1000)) if clock == "sim" else int(now * 1000)
    except ValueError as exc:
        raise SettingsError(str(exc)) from None
    prefix = args.topic_prefix if args.topic_prefix is not None else stack.topic_prefix
    bootstrap = args.bootstrap or stack.kafka_bootstrap
    topic_names = {spec.base: spec.name(prefix) for spec in SOURCE_TOPICS}
    ledger_path = args.ledger or (settings.ledger_dir or stack.path("ledgers")) / f"producer-{seed}-{_utc_stamp(now)}.json"
    app_log_path = settings.app_log if settings.app_log is not None else stack.path("logs", "producer-app.log")

    def stop_early(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop_early)
    signal.signal(signal.SIGINT, stop_early)

    products, catalogue_source = load_catalogue(settings.catalogue, stack)
    log.info(
        "producer.starting", seed=seed, clock=clock, rate=settings.rate, topics=sorted(topic_names.values()), catalogue=catalogue_source
    )

    from producer.sink import connect_kafka

    sink = connect_kafka(
        bootstrap,
        list(topic_names.values()),
        linger_ms=settings.linger_ms,
        compression=settings.compression,
        delivery_timeout_s=settings.delivery_timeout_s,
        connect_timeout_s=settings.connect_timeout_s,
    )
    stamp = None if clock == "sim" else (lambda _sim_ms: int(time.time() * 1000))
    model = ShopModel(products, seed, TrafficConfig(start_ms=start_ms, sessions_per_hour=settings.sessions_per_hour), stamp=stamp)
    ledger = Ledger(
        run={
            "seed": seed,
            "clock": clock,
            "start": _iso(start_ms),
            "rate": settings.rate,
            "follow_profile": settings.follow_profile,
            "events": settings.events,
            "duration_s": settings.duration_s,
            "topic_prefix": prefix,
            "bootstrap": bootstrap,
            "catalogue": catalogue_source,
            "products": len(products),
            "inject_bad": settings.inject_bad,
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
            "argv": argv,
        }
    )
    if args.ledger_event_ids:
        ledger.keep_event_ids()
    app_log = AppLog(None if str(app_log_path) == "none" else app_log_path)
    runner = Runner(
        model.events(),
        sink,
        ledger,
        topic_names=topic_names,
        rate=settings.rate,
        limits=Limits(events=settings.events, duration_s=settings.duration_s),
        ledger_path=ledger_path,
        ledger_every_s=settings.ledger_every_s,
        app_log=app_log,
        injector=Injector(settings.inject_bad, seed) if settings.inject_bad else None,
        heartbeat=settings.heartbeat,
        heartbeat_every_s=settings.heartbeat_every_s,
        follow_profile=settings.follow_profile,
        flush_timeout_s=settings.delivery_timeout_s + 5,
    )

    def stop(signum: int, _frame: FrameType | None) -> None:
        runner.request_stop(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        outcome = runner.run()
    finally:
        sink.close()
        app_log.close()
    _report(outcome, ledger, runner.malformed_sent, ledger_path)
    return 0


def _report(outcome: Outcome, ledger: Ledger, malformed: int, ledger_path: Path) -> None:
    per_topic = ", ".join(f"{base} {count}" for base, count in sorted(ledger.topic_counts.items()))
    rate = outcome.acked / outcome.elapsed_s if outcome.elapsed_s > 0 else 0.0
    log.info(
        "producer.stopped", stopped_by=outcome.stopped_by, acked=outcome.acked, malformed=malformed, elapsed_s=round(outcome.elapsed_s, 3)
    )
    sys.stdout.write(
        f"sent {outcome.acked} events ({per_topic or 'none'}), {malformed} malformed, "
        f"in {outcome.elapsed_s:.1f} s ({rate:.0f} ev/s), stopped by {outcome.stopped_by}; ledger {ledger_path}\n"
    )


if __name__ == "__main__":
    sys.exit(main())
