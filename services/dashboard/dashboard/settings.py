"""The dashboard's settings, read from the environment (see README.md for the table)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from souk.settings import REPO_ROOT, Secret, SettingsError, check_port, env, load
from souk.stack.settings import fill_stack_addresses


@dataclass(frozen=True)
class DashboardSettings:
    """Where each source lives, how often pages refresh and how long a source may take to answer."""

    bind_host: str = env("SOUK_BIND", "127.0.0.1", doc="address the dashboard binds (read-only app: keep it local)")
    port: int = env("DASHBOARD_PORT", 8050, doc="HTTP port of the dashboard")
    home: Path = env("SOUK_HOME", REPO_ROOT / "var", doc="data, logs and heartbeats of the local stack")
    topic_prefix: str = env("SOUK_TOPIC_PREFIX", "", doc="prefix of every topic name")
    kafka_bootstrap: str = env("KAFKA_BOOTSTRAP", "", doc="Kafka bootstrap servers; default the stack's (SOUK_BIND:KAFKA_PORT)")
    processor_url: str = env("PROCESSOR_URL", "", doc="any processor worker's HTTP views; default http://SOUK_BIND:PROCESSOR_PORT")
    processor_port: int = env("PROCESSOR_PORT", 6066, doc="first worker's port; worker N listens on PROCESSOR_PORT + N - 1")
    processor_group_setting: str = env("PROCESSOR_APP_ID", "", doc="the processor's consumer group; default <prefix>processor")
    archiver_group: str = env("ARCHIVER_GROUP", "archiver", doc="the archiver's consumer group (lag)")
    archiver_heartbeat_setting: Path | None = env("ARCHIVER_HEARTBEAT_FILE", None, doc="default SOUK_HOME/run/archiver.heartbeat")
    hdfs_url: str = env("HDFS_URL", "", doc="NameNode web address (WebHDFS and JMX); default http://SOUK_BIND:9870")
    hdfs_user: str = env("HDFS_USER", "souk", doc="user name for WebHDFS")
    lake_root: str = env("LAKE_ROOT", "/data/ecommerce", doc="where the archiver writes Parquet")
    warehouse_root: str = env("WAREHOUSE_ROOT", "/warehouse", doc="the batch layer's views")
    reports_root: str = env("REPORTS_ROOT", "/reports", doc="the batch layer's daily reports")
    lake_days: int = env("DASHBOARD_LAKE_DAYS", 2, doc="how many recent dates the lake page lists per topic")
    small_file_mb: float = env("DASHBOARD_SMALL_FILE_MB", 16.0, doc="a lake file under this size counts as small")
    small_files_warn: int = env("DASHBOARD_SMALL_FILES_WARN", 10, doc="warn when an hour holds at least this many small files")
    flume_logs_port: int = env("FLUME_LOGS_PORT", 41414, doc="flume-logs agent's HTTP monitoring")
    flume_kafka_port: int = env("FLUME_KAFKA_PORT", 41415, doc="flume-kafka agent's HTTP monitoring")
    mysql_host: str = env("MYSQL_HOST", "", doc="default: SOUK_BIND")
    mysql_port: int = env("MYSQL_PORT", 3306)
    mysql_user: str = env("MYSQL_USER", "souk")
    mysql_database: str = env("MYSQL_DATABASE", "souk", doc="database holding the `sales` table")
    mysql_password_secret: Secret | None = env(
        "MYSQL_PASSWORD", None, doc="or MYSQL_PASSWORD_FILE; default SOUK_HOME/secrets/mysql-password"
    )
    refresh_ms: int = env("DASHBOARD_REFRESH_MS", 1000, doc="how often the live page refreshes")
    timeout_s: float = env("DASHBOARD_SOURCE_TIMEOUT", 1.0, doc="seconds any source may take to answer before its panel says unavailable")
    alerts_kept: int = env("DASHBOARD_ALERTS", 50, doc="alerts kept in memory for the feed")
    threads: int = env("DASHBOARD_THREADS", 8, doc="HTTP worker threads")
    log_level: str = env("DASHBOARD_LOG_LEVEL", "INFO")

    def __post_init__(self) -> None:
        for name, value in (
            ("DASHBOARD_PORT", self.port),
            ("PROCESSOR_PORT", self.processor_port),
            ("MYSQL_PORT", self.mysql_port),
            ("FLUME_LOGS_PORT", self.flume_logs_port),
            ("FLUME_KAFKA_PORT", self.flume_kafka_port),
        ):
            check_port(name, value)
        if self.refresh_ms < 200:
            raise SettingsError("DASHBOARD_REFRESH_MS must be >= 200")
        if self.timeout_s <= 0:
            raise SettingsError("DASHBOARD_SOURCE_TIMEOUT must be > 0")
        if self.alerts_kept < 1 or self.threads < 1 or self.lake_days < 1:
            raise SettingsError("DASHBOARD_ALERTS, DASHBOARD_THREADS and DASHBOARD_LAKE_DAYS must be >= 1")
        home = self.home if self.home.is_absolute() else Path.cwd() / self.home
        object.__setattr__(self, "home", home)
        if not self.processor_url:
            object.__setattr__(self, "processor_url", f"http://{self.bind_host}:{self.processor_port}")
        fill_stack_addresses(self, kafka_bootstrap="kafka_bootstrap", hdfs_url="hdfs_url")
        if not self.mysql_host:
            object.__setattr__(self, "mysql_host", self.bind_host)
        object.__setattr__(self, "processor_url", self.processor_url.rstrip("/"))
        object.__setattr__(self, "hdfs_url", self.hdfs_url.rstrip("/"))

    @property
    def processor_group(self) -> str:
        return self.processor_group_setting or f"{self.topic_prefix}processor"

    @property
    def archiver_heartbeat(self) -> Path:
        return self.archiver_heartbeat_setting or self.home / "run" / "archiver.heartbeat"

    @property
    def flume_agents(self) -> dict[str, str]:
        """Each Flume agent's monitoring URL, by component name."""
        return {
            "flume-logs": f"http://{self.bind_host}:{self.flume_logs_port}/metrics",
            "flume-kafka": f"http://{self.bind_host}:{self.flume_kafka_port}/metrics",
        }

    def topic(self, base: str) -> str:
        return self.topic_prefix + base

    def mysql_password(self) -> Secret | None:
        """MYSQL_PASSWORD(_FILE), else the stack's generated password, else None (the sales page says why)."""
        if self.mysql_password_secret is not None:
            return self.mysql_password_secret
        try:
            return Secret((self.home / "secrets" / "mysql-password").read_text(encoding="utf-8").strip())
        except OSError:
            return None


def dashboard_settings(environ: Mapping[str, str] | None = None) -> DashboardSettings:
    return load(DashboardSettings, environ)
