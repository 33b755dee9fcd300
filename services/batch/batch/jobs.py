"""Spark jobs run side by side from threads of one process, named in Spark's event log."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def side_by_side(workers: int, jobs: list[Callable[[], Any]], name: str = "jobs") -> list[Any]:
    """The results of `jobs`, in order, run from up to `workers` threads: Spark schedules the jobs of
    different threads concurrently, so small jobs (a few tasks, scheduling, HDFS round trips) overlap."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max(1, workers), thread_name_prefix=name) as pool:
        futures = [pool.submit(job) for job in jobs]
        return [f.result() for f in futures]


def named(spark: SparkSession, label: str, job: Callable[[], Any]) -> Callable[[], Any]:
    """`job`, with its Spark jobs described as `label` (a property of the thread that runs it)."""

    def run() -> Any:
        spark.sparkContext.setJobDescription(label)
        try:
            return job()
        finally:
            spark.sparkContext.setJobDescription(None)  # type: ignore[arg-type]

    return run
