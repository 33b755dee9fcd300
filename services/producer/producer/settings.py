"""The producer's settings, read from the environment; the command line overrides each of them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from souk.settings import SettingsError, env

CLOCKS = ("auto", "sim", "wall")
CATALOGUE_SOURCES = ("auto", "db", "generated")
COMPRESSIONS = ("none", "gzip")


@dataclass(frozen=True)
class ProducerSettings:
    """How much traffic to send, where its side outputs go, and how the Kafka client behaves."""

    rate: float = env("PRODUCER_RATE", 20.0, doc="events per second; 0 = as fast as possible")
    seed: int | None = env("PRODUCER_SEED", None, doc="traffic seed; empty = a fresh random seed (logged, in the ledger)")
    duration_s: float | None = env("PRODUCER_DURATION", None, doc="stop after this many seconds; empty = no limit")
    events: int | None = env("PRODUCER_EVENTS", None, doc="stop after this many valid events; empty = no limit")
    clock: str = env("PRODUCER_CLOCK", "auto", doc="event times: sim (simulated clock), wall (now), auto (wall when rate > 0)")
    start: str = env("PRODUCER_START", "2026-01-01T00:00:00Z", doc="where the simulated clock starts (ISO UTC, 'today' or 'now')")
    sessions_per_hour: float = env("PRODUCER_SESSIONS_PER_HOUR", 3600.0, doc="mean new sessions per simulated hour")
    follow_profile: bool = env("PRODUCER_FOLLOW_PROFILE", False, doc="wall clock: scale the rate by the hour-of-day profile")
    inject_bad: float = env("PRODUCER_INJECT_BAD", 0.0, doc="malformed messages added per valid event (0..1)")
    catalogue: str = env("PRODUCER_CATALOGUE", "auto", doc="auto (MariaDB, else generated), db or generated")
    app_log: Path | None = env("PRODUCER_APP_LOG", None, doc="business JSON-lines log; default SOUK_HOME/logs/producer-app.log")
    ledger_dir: Path | None = env("PRODUCER_LEDGER_DIR", None, doc="default ledger directory; default SOUK_HOME/ledgers")
    ledger_every_s: float = env("PRODUCER_LEDGER_EVERY", 30.0, doc="rewrite the ledger this often while running")
    heartbeat: Path | None = env("PRODUCER_HEARTBEAT", None, doc="file touched with a status line; empty = none")
    heartbeat_every_s: float = env("PRODUCER_HEARTBEAT_EVERY", 3.0)
    linger_ms: int = env("PRODUCER_LINGER_MS", 20, doc="Kafka batching delay")
    compression: str = env("PRODUCER_COMPRESSION", "gzip", doc="none or gzip (the venv has no lz4/snappy/zstd codec)")
    connect_timeout_s: float = env("PRODUCER_CONNECT_TIMEOUT", 30.0, doc="give up reaching Kafka after this long")
    delivery_timeout_s: float = env("PRODUCER_DELIVERY_TIMEOUT", 30.0, doc="a send not acknowledged by then has failed")
    log_level: str = env("PRODUCER_LOG_LEVEL", "INFO")

    def __post_init__(self) -> None:
        check(self)


def check(s: ProducerSettings) -> None:
    """Raise SettingsError (one line) for a value no run could use."""
    if not s.rate >= 0 or s.rate == float("inf"):
        raise SettingsError(f"rate must be a finite number >= 0, got {s.rate}")
    if s.duration_s is not None and not s.duration_s > 0:
        raise SettingsError(f"duration must be > 0 seconds, got {s.duration_s}")
    if s.events is not None and s.events < 0:
        raise SettingsError(f"events must be >= 0, got {s.events}")
    if s.seed is not None and not 0 <= s.seed < 2**63:
        raise SettingsError(f"seed must be in [0, 2**63), got {s.seed}")
    if s.clock not in CLOCKS:
        raise SettingsError(f"clock must be one of {', '.join(CLOCKS)}, got {s.clock!r}")
    if s.catalogue not in CATALOGUE_SOURCES:
        raise SettingsError(f"catalogue must be one of {', '.join(CATALOGUE_SOURCES)}, got {s.catalogue!r}")
    if s.compression not in COMPRESSIONS:
        raise SettingsError(f"compression must be one of {', '.join(COMPRESSIONS)}, got {s.compression!r}")
    if not 0 <= s.inject_bad <= 1:
        raise SettingsError(f"inject-bad must be a fraction in [0, 1], got {s.inject_bad}")
    if not s.sessions_per_hour > 0:
        raise SettingsError(f"sessions per hour must be > 0, got {s.sessions_per_hour}")
    for name, value in (("ledger-every", s.ledger_every_s), ("heartbeat-every", s.heartbeat_every_s)):
        if not value > 0:
            raise SettingsError(f"{name} must be > 0 seconds, got {value}")
    if not s.connect_timeout_s > 0 or not s.delivery_timeout_s > 0:
        raise SettingsError("connect and delivery timeouts must be > 0 seconds")
    if s.linger_ms < 0:
        raise SettingsError(f"linger must be >= 0 ms, got {s.linger_ms}")
