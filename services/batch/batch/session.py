"""The SparkSession of a batch command: local mode on the stack's HDFS, UTC, exact decimals."""

from __future__ import annotations

from typing import TYPE_CHECKING

from batch.settings import BatchSettings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def build_session(settings: BatchSettings, app_name: str = "souk-batch") -> SparkSession:
    """Start (or reuse) the process's SparkSession. Takes ~7 s the first time in a process."""
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master(settings.spark_master)
        .appName(app_name)
        .config("spark.driver.memory", settings.driver_memory)
        .config("spark.driver.extraJavaOptions", settings.driver_java_options)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", str(settings.shuffle_partitions))
        # Scans split into as many tasks as a shuffle has: by default a day's topic is two splits, one per core,
        # and the core whose split ends first idled (10M events, warm: ~5 % less time, measured)
        .config("spark.sql.files.minPartitionNum", str(settings.shuffle_partitions))
        .config("spark.hadoop.fs.defaultFS", settings.fs_url)
        .config("spark.hadoop.dfs.client.use.datanode.hostname", "true")
        # A view's rerun replaces only the dates it recomputed.
        .config("spark.sql.sources.partitionOverwriteMode", "dynamic")
        .config("spark.sql.parquet.compression.codec", "snappy")
        # Compiled query code is cached by its source; a daily run generates more than the default 100 classes,
        # and each recompile is a new class the JVM must JIT again (first 10M-event run in a fresh JVM ~107 s -> ~91 s)
        .config("spark.sql.codegen.cache.maxEntries", "2000")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session
