"""Settings of sqoop-bridge, read from the environment; the stack's addresses come from StackSettings."""

from __future__ import annotations

from dataclasses import dataclass

from souk.settings import SettingsError, env, load


@dataclass(frozen=True)
class BridgeSettings:
    """Where saved jobs live, how long to retry servers, and what `run-jobs` does by default."""

    jobs_dir: str = env("SQOOP_JOBS_DIR", "/user/sqoop/.jobs", doc="HDFS directory of saved jobs (one JSON file each)")
    warehouse_dir: str = env("SQOOP_WAREHOUSE_DIR", "/user/sqoop", doc="parent of an import's default --target-dir")
    connect_retries: int = env("SQOOP_CONNECT_RETRIES", 5, doc="attempts to reach MariaDB/HDFS before giving up")
    retry_backoff_s: float = env("SQOOP_RETRY_BACKOFF", 0.5, doc="first back-off between attempts (doubles)")
    fetch_size: int = env("SQOOP_FETCH_SIZE", 5000, doc="rows per fetch from the server")
    export_batch_rows: int = env("SQOOP_EXPORT_BATCH", 10000, doc="rows per export transaction (Sqoop: 100 x 100)")
    default_job: str = env("SQOOP_DEFAULT_JOB", "sales-incremental", doc="saved job `run-jobs` creates if absent")
    log_level: str = env("SQOOP_LOG_LEVEL", "WARNING", doc="structlog level of the CLI (run-jobs logs INFO)")

    def __post_init__(self) -> None:
        if not self.jobs_dir.startswith("/"):
            raise SettingsError("SQOOP_JOBS_DIR must be an absolute HDFS path")
        if self.connect_retries < 1:
            raise SettingsError("SQOOP_CONNECT_RETRIES must be >= 1")
        if self.fetch_size < 1 or self.export_batch_rows < 1:
            raise SettingsError("SQOOP_FETCH_SIZE and SQOOP_EXPORT_BATCH must be >= 1")


def bridge_settings() -> BridgeSettings:
    return load(BridgeSettings)
