"""The batch layer's settings, read from the environment (the README has the table)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from souk.settings import SettingsError, env, load
from souk.stack.settings import StackSettings, stack_settings

# The parallel collector: the daily job is throughput work; with G1 the same 10M-event run used ~40 % more CPU.
# C2 (the JVM's optimising compiler) only for methods ~10x hotter than its defaults: a run executes much of
# Spark's planner and Hadoop's client a few thousand times, and on 2 cores compiling them competed with the
# tasks (10M events, second run in one JVM: ~35 of ~120 CPU-s were compiler threads). Measured: ~10 % less CPU
# per warm run, ~10 % less for a cold one; running C1 only instead doubled the tasks' CPU.
DRIVER_JAVA_OPTIONS: Final = (
    "-XX:+UseParallelGC -XX:Tier4InvocationThreshold=50000 -XX:Tier4MinInvocationThreshold=10000"
    " -XX:Tier4CompileThreshold=75000 -XX:Tier4BackEdgeThreshold=500000"
)


@dataclass(frozen=True)
class BatchSettings:
    """Where the lake, the warehouse and the reports live, and how big a Spark to start."""

    archive_dir: str = env("BATCH_ARCHIVE_DIR", "/data/ecommerce", doc="the archiver's lake root in HDFS")
    warehouse_dir: str = env("BATCH_WAREHOUSE_DIR", "/warehouse", doc="HDFS root of the views")
    reports_dir: str = env("BATCH_REPORTS_DIR", "/reports", doc="HDFS root of reports and CSV exports")
    sales_dir: str = env("BATCH_SALES_DIR", "/user/sqoop/sales", doc="the sqoop-bridge's Parquet import of `sales`")
    local_reports_dir: Path | None = env("BATCH_LOCAL_REPORTS_DIR", None, doc="local copy of reports; default SOUK_HOME/reports")
    spark_master: str = env("BATCH_SPARK_MASTER", "local[2]")
    driver_memory: str = env("BATCH_DRIVER_MEMORY", "2g")
    driver_java_options: str = env(
        "BATCH_DRIVER_JAVA_OPTIONS", DRIVER_JAVA_OPTIONS, doc="JVM options of Spark's driver (all of Spark, in local mode)"
    )
    shuffle_partitions: int = env("BATCH_SHUFFLE_PARTITIONS", 8)
    view_jobs: int = env("BATCH_VIEW_JOBS", 4, doc="views computed side by side (their small Spark jobs overlap)")
    retries: int = env("BATCH_RETRIES", 3, doc="attempts of each daily step")
    retry_delay_s: float = env("BATCH_RETRY_DELAY_SECONDS", 5.0, doc="first back-off; doubles per attempt")
    top_n: int = env("BATCH_TOP_N", 10, doc="rows of top_products per day")
    processor_url: str = env("PROCESSOR_URL", "", doc="default http://SOUK_BIND:PROCESSOR_PORT")
    log_level: str = env("BATCH_LOG_LEVEL", "WARNING")
    stack: StackSettings = dataclasses.field(default_factory=stack_settings)

    def __post_init__(self) -> None:
        for name in ("archive_dir", "warehouse_dir", "reports_dir", "sales_dir"):
            value = getattr(self, name)
            if not value.startswith("/") or value.rstrip("/") == "":
                raise SettingsError(f"BATCH_{name.upper()}={value!r}: must be an absolute HDFS path below /")
            object.__setattr__(self, name, value.rstrip("/"))
        if self.retries < 1:
            raise SettingsError("BATCH_RETRIES must be >= 1")
        if self.view_jobs < 1:
            raise SettingsError("BATCH_VIEW_JOBS must be >= 1")
        if self.top_n < 1:
            raise SettingsError("BATCH_TOP_N must be >= 1")
        if self.local_reports_dir is None:
            object.__setattr__(self, "local_reports_dir", self.stack.path("reports"))
        if not self.processor_url:
            object.__setattr__(self, "processor_url", f"http://{self.stack.bind_host}:{self.stack.processor_port}")

    @property
    def fs_url(self) -> str:
        """The HDFS RPC address Spark reads and writes through."""
        return self.stack.hdfs_rpc_url

    def uri(self, path: str) -> str:
        """`path` (absolute, in HDFS) as a full hdfs:// URI for Spark."""
        return self.fs_url + path

    def local_reports(self) -> Path:
        assert self.local_reports_dir is not None
        return self.local_reports_dir


def batch_settings() -> BatchSettings:
    return load(BatchSettings)
