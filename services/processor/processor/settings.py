"""The processor's settings, read from the environment (see README.md for the table)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from souk.contract import ContractError, parse_money
from souk.settings import REPO_ROOT, SettingsError, check_port, env, load
from souk.stack.settings import fill_stack_addresses

GUARANTEES = ("at_least_once", "exactly_once")


@dataclass(frozen=True)
class ProcessorSettings:
    """Where to read and serve, thresholds and window retention; every field has a local-stack default."""

    kafka_bootstrap: str = env("KAFKA_BOOTSTRAP", "", doc="Kafka bootstrap servers; default the stack's (SOUK_BIND:KAFKA_PORT)")
    topic_prefix: str = env("SOUK_TOPIC_PREFIX", "", doc="prefix of every topic name (tests use their own)")
    home: Path = env("SOUK_HOME", REPO_ROOT / "var", doc="data and logs of the local stack")
    bind_host: str = env("SOUK_BIND", "127.0.0.1", doc="address the HTTP views bind")
    port: int = env("PROCESSOR_PORT", 6066, doc="HTTP views of this worker (6066, 6067, … for more workers)")
    instance: int = env("SOUK_INSTANCE", 1, doc="worker number, set by the supervisor")
    data_dir_setting: Path | None = env("PROCESSOR_DATA_DIR", None, doc="RocksDB state; default SOUK_HOME/data/processor-<instance>")
    app_id_setting: str = env("PROCESSOR_APP_ID", "", doc="Faust app id = consumer group; default <prefix>processor")
    low_stock_threshold: int = env("LOW_STOCK_THRESHOLD", 10, doc="alert when a product's stock falls below this")
    low_stock_overrides: str = env("LOW_STOCK_THRESHOLDS", "", doc="per-product thresholds: P-001=5,P-002=20")
    high_ticket_setting: str = env("HIGH_TICKET_THRESHOLD", "1000.00", doc="alert on orders of at least this many MAD")
    lateness_s: float = env("PROCESSOR_LATENESS_SECONDS", 3600.0, doc="windows are kept, and late events counted, this long after they end")
    dedupe_window_s: float = env("PROCESSOR_DEDUPE_SECONDS", 900.0, doc="an event_id is remembered (in memory) this event-time span")
    funnel_window_s: int = env("PROCESSOR_FUNNEL_SECONDS", 60, doc="tumbling window of the funnel")
    kpi_interval_s: float = env("PROCESSOR_KPI_SECONDS", 1.0, doc="how often the leader publishes a KPI snapshot")
    batch_events: int = env("PROCESSOR_BATCH_EVENTS", 2000, doc="at most this many events per batch (one write per key per batch)")
    batch_s: float = env("PROCESSOR_BATCH_SECONDS", 0.05, doc="… or what arrived within this many seconds")
    guarantee: str = env("PROCESSOR_GUARANTEE", "at_least_once", doc="Faust processing_guarantee: at_least_once or exactly_once")
    log_level: str = env("PROCESSOR_LOG_LEVEL", "INFO")

    def __post_init__(self) -> None:
        fill_stack_addresses(self, kafka_bootstrap="kafka_bootstrap")
        check_port("PROCESSOR_PORT", self.port)
        if self.instance < 1:
            raise SettingsError("SOUK_INSTANCE must be >= 1")
        if self.guarantee not in GUARANTEES:
            raise SettingsError(f"PROCESSOR_GUARANTEE={self.guarantee!r}: expected one of {', '.join(GUARANTEES)}")
        for name, value in (("PROCESSOR_LATENESS_SECONDS", self.lateness_s), ("PROCESSOR_DEDUPE_SECONDS", self.dedupe_window_s)):
            if value <= 0:
                raise SettingsError(f"{name} must be > 0")
        if self.funnel_window_s <= 0 or self.kpi_interval_s <= 0:
            raise SettingsError("PROCESSOR_FUNNEL_SECONDS and PROCESSOR_KPI_SECONDS must be > 0")
        if self.batch_events <= 0 or self.batch_s <= 0:
            raise SettingsError("PROCESSOR_BATCH_EVENTS and PROCESSOR_BATCH_SECONDS must be > 0")
        if self.low_stock_threshold < 0:
            raise SettingsError("LOW_STOCK_THRESHOLD must be >= 0")
        self.low_stock_thresholds()
        self.high_ticket_threshold()

    @property
    def app_id(self) -> str:
        return self.app_id_setting or f"{self.topic_prefix}processor"

    @property
    def data_dir(self) -> Path:
        return self.data_dir_setting or self.home / "data" / f"processor-{self.instance}"

    @property
    def url(self) -> str:
        return f"http://{self.bind_host}:{self.port}"

    def topic(self, base: str) -> str:
        return self.topic_prefix + base

    def low_stock_thresholds(self) -> dict[str, int]:
        """Per-product overrides of LOW_STOCK_THRESHOLD."""
        thresholds: dict[str, int] = {}
        for item in filter(None, (part.strip() for part in self.low_stock_overrides.split(","))):
            product, sep, value = item.rpartition("=")
            if not sep or not product or not value.strip().isdigit():
                raise SettingsError(f"LOW_STOCK_THRESHOLDS: expected PRODUCT=UNITS, got {item!r}")
            thresholds[product.strip()] = int(value)
        return thresholds

    def high_ticket_threshold(self) -> Decimal:
        try:
            return parse_money(self.high_ticket_setting, "HIGH_TICKET_THRESHOLD")
        except ContractError as error:
            raise SettingsError(error.reason) from None


def processor_settings(environ: Mapping[str, str] | None = None) -> ProcessorSettings:
    return load(ProcessorSettings, environ)
