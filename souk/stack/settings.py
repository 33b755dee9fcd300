"""Where the local stack lives and which addresses its servers take (all overridable in `.env`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from souk.settings import REPO_ROOT, Secret, SettingsError, check_port, env, load


@dataclass(frozen=True)
class StackSettings:
    """Addresses, directories and heap sizes of the local stack of real servers."""

    home: Path = env("SOUK_HOME", REPO_ROOT / "var", doc="data, jars, logs, pids, secrets")
    bind_host: str = env("SOUK_BIND", "127.0.0.1", doc="address every server binds")
    topic_prefix: str = env("SOUK_TOPIC_PREFIX", "", doc="prefix of every topic name")
    kafka_port: int = env("KAFKA_PORT", 9092)
    kafka_controller_port: int = env("KAFKA_CONTROLLER_PORT", 9093)
    kafka_bootstrap: str = env("KAFKA_BOOTSTRAP", "", doc="default: SOUK_BIND:KAFKA_PORT")
    namenode_rpc_port: int = env("HDFS_NAMENODE_RPC_PORT", 8020)
    namenode_http_port: int = env("HDFS_NAMENODE_HTTP_PORT", 9870, doc="web UI and WebHDFS")
    datanode_http_port: int = env("HDFS_DATANODE_HTTP_PORT", 9864)
    datanode_data_port: int = env("HDFS_DATANODE_DATA_PORT", 9866)
    datanode_ipc_port: int = env("HDFS_DATANODE_IPC_PORT", 9867)
    hdfs_url: str = env("HDFS_URL", "", doc="WebHDFS base; default http://SOUK_BIND:9870")
    hdfs_user: str = env("HDFS_USER", "souk")
    mysql_host: str = env("MYSQL_HOST", "", doc="default: SOUK_BIND")
    mysql_port: int = env("MYSQL_PORT", 3306)
    mysql_user: str = env("MYSQL_USER", "souk")
    mysql_database: str = env("MYSQL_DATABASE", "souk")
    mysql_password_secret: Secret | None = env(
        "MYSQL_PASSWORD", None, doc="or MYSQL_PASSWORD_FILE; default: generated, in SOUK_HOME/secrets"
    )
    processor_port: int = env("PROCESSOR_PORT", 6066)
    dashboard_port: int = env("DASHBOARD_PORT", 8050)
    flume_logs_port: int = env("FLUME_LOGS_PORT", 41414)
    flume_kafka_port: int = env("FLUME_KAFKA_PORT", 41415)
    kafka_heap: str = env("KAFKA_HEAP", "512m")
    hdfs_heap: str = env("HDFS_HEAP", "384m")
    start_timeout_s: float = env("SOUK_START_TIMEOUT", 120.0, doc="seconds to wait for health")

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            if field.name.endswith("_port"):
                check_port(field.metadata["env"], getattr(self, field.name))
        if self.start_timeout_s <= 0:
            raise SettingsError("SOUK_START_TIMEOUT must be > 0")
        # Derived defaults follow SOUK_BIND unless set explicitly.
        home = self.home if self.home.is_absolute() else Path.cwd() / self.home
        object.__setattr__(self, "home", home)
        if not self.kafka_bootstrap:
            object.__setattr__(self, "kafka_bootstrap", f"{self.bind_host}:{self.kafka_port}")
        if not self.hdfs_url:
            object.__setattr__(self, "hdfs_url", f"http://{self.bind_host}:{self.namenode_http_port}")
        if not self.mysql_host:
            object.__setattr__(self, "mysql_host", self.bind_host)

    @property
    def hdfs_rpc_url(self) -> str:
        return f"hdfs://{self.bind_host}:{self.namenode_rpc_port}"

    def path(self, *parts: str) -> Path:
        return self.home.joinpath(*parts)

    @property
    def mysql_password_file(self) -> Path:
        return self.path("secrets", "mysql-password")

    def mysql_password(self) -> Secret:
        """The souk user's password: MYSQL_PASSWORD(_FILE), else the stack's generated one."""
        if self.mysql_password_secret is not None:
            return self.mysql_password_secret
        try:
            return Secret(self.mysql_password_file.read_text(encoding="utf-8").strip())
        except FileNotFoundError:
            raise SettingsError(
                f"no MySQL password: set MYSQL_PASSWORD(_FILE) or run `souk up mariadb` to generate {self.mysql_password_file}"
            ) from None


def fill_stack_addresses(target: object, **fields: str) -> None:
    """Give a service's settings the stack's addresses where they were left empty.

    `fields` maps the service's field name to the StackSettings attribute (`kafka_bootstrap`,
    `hdfs_url`, …), so KAFKA_PORT, HDFS_NAMENODE_HTTP_PORT and SOUK_BIND in `.env` reach every
    service, not only the supervisor.
    """
    stack: StackSettings | None = None
    for name, attribute in fields.items():
        if not getattr(target, name):
            stack = stack or stack_settings()
            object.__setattr__(target, name, getattr(stack, attribute))


def stack_settings() -> StackSettings:
    return load(StackSettings)
