"""The archiver's settings, read from the environment (see README.md for the table)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from souk.contract import SOURCE_TOPICS
from souk.settings import SettingsError, env, load
from souk.stack.settings import fill_stack_addresses


@dataclass(frozen=True)
class ArchiverSettings:
    """Where to read and write, and when to roll a file; every field has a local-stack default."""

    kafka_bootstrap: str = env("KAFKA_BOOTSTRAP", "", doc="Kafka bootstrap servers; default the stack's (SOUK_BIND:KAFKA_PORT)")
    hdfs_url: str = env("HDFS_URL", "", doc="WebHDFS base URL of the NameNode; default the stack's")
    hdfs_user: str = env("HDFS_USER", "souk", doc="HDFS user the files belong to")
    topic_prefix: str = env("SOUK_TOPIC_PREFIX", "", doc="prefix of every topic name")
    base_dir: str = env("ARCHIVER_BASE_DIR", "/data/ecommerce", doc="HDFS root of the lake (state lives in <base>/_archiver)")
    topics: str = env("ARCHIVER_TOPICS", "clicks,purchases,inventory", doc="the topics (base names, comma-separated) to archive")
    processes: int = env("ARCHIVER_PROCESSES", 3, doc="split the topics over this many processes (at most one per topic)")
    group_id: str = env("ARCHIVER_GROUP", "archiver", doc="consumer group offsets are committed to (monitoring only)")
    roll_records: int = env("ARCHIVER_ROLL_RECORDS", 100_000, doc="roll a partition's buffer at this many records")
    roll_bytes: int = env("ARCHIVER_ROLL_BYTES", 64 * 1024 * 1024, doc="… or at this many bytes of message values")
    roll_span_s: float = env("ARCHIVER_ROLL_SPAN_SECONDS", 21600.0, doc="… or when its event times span this long")
    roll_seconds: float = env("ARCHIVER_ROLL_SECONDS", 60.0, doc="… or this long after its first record arrived")
    max_buffered_records: int = env("ARCHIVER_MAX_BUFFERED_RECORDS", 600_000, doc="all buffers together; the largest rolls first")
    lateness_s: float = env("ARCHIVER_LATENESS_SECONDS", 600.0, doc="an hour is closed (_SUCCESS) this long after its end")
    idle_s: float = env("ARCHIVER_IDLE_SECONDS", 120.0, doc="a topic quiet this long is closed by the wall clock")
    hdfs_retry_s: float = env("ARCHIVER_HDFS_RETRY_SECONDS", 300.0, doc="give up (exit 1) after HDFS failed this long")
    kafka_retry_s: float = env("ARCHIVER_KAFKA_RETRY_SECONDS", 300.0, doc="give up (exit 1) after Kafka failed this long")
    check_crcs: bool = env("ARCHIVER_CHECK_CRCS", False, doc="verify record CRC32C on fetch (the broker checked them on produce)")
    heartbeat_file: Path | None = env("ARCHIVER_HEARTBEAT_FILE", None, doc="touched every few seconds with a status line")
    log_level: str = env("ARCHIVER_LOG_LEVEL", "INFO")

    def __post_init__(self) -> None:
        fill_stack_addresses(self, kafka_bootstrap="kafka_bootstrap", hdfs_url="hdfs_url")
        bases = tuple(dict.fromkeys(t.strip() for t in self.topics.split(",") if t.strip()))
        unknown = sorted(set(bases) - {spec.base for spec in SOURCE_TOPICS})
        if not bases or unknown:
            raise SettingsError(f"ARCHIVER_TOPICS={self.topics!r}: expected some of {', '.join(spec.base for spec in SOURCE_TOPICS)}")
        object.__setattr__(self, "topics", ",".join(bases))
        for name in ("roll_records", "roll_bytes", "max_buffered_records", "processes"):
            if getattr(self, name) <= 0:
                raise SettingsError(f"ARCHIVER_{name.upper()} must be > 0")
        for name in ("roll_span_s", "roll_seconds", "hdfs_retry_s", "kafka_retry_s"):
            if getattr(self, name) <= 0:
                raise SettingsError(f"ARCHIVER_{name.upper().removesuffix('_S')} must be > 0")
        if not self.base_dir.startswith("/") or self.base_dir.rstrip("/") == "":
            raise SettingsError(f"ARCHIVER_BASE_DIR={self.base_dir!r}: must be an absolute HDFS path below /")
        object.__setattr__(self, "base_dir", self.base_dir.rstrip("/"))

    @property
    def topic_bases(self) -> tuple[str, ...]:
        return tuple(self.topics.split(","))


def archiver_settings() -> ArchiverSettings:
    return load(ArchiverSettings)
