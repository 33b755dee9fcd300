"""One module per source the dashboard reads; every call answers a value or ``Unavailable(reason)``."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

from dashboard.settings import DashboardSettings
from dashboard.sources.base import Cache, Unavailable
from dashboard.sources.feed import LiveFeed
from dashboard.sources.flume import FlumeSource
from dashboard.sources.hdfs import HdfsSource
from dashboard.sources.kafka import KafkaSource
from dashboard.sources.mysql import SalesSource
from dashboard.sources.processor import ProcessorClient
from dashboard.sources.warehouse import WarehouseSource

__all__ = ["Sources", "Unavailable"]

_WORKER_PID = re.compile(r"^processor(?:-(\d+))?\.pid$")


@dataclass
class Sources:
    """Everything the pages read, built once from settings and shared by all callback threads."""

    settings: DashboardSettings
    cache: Cache
    processor: ProcessorClient
    kafka: KafkaSource
    feed: LiveFeed
    hdfs: HdfsSource
    warehouse: WarehouseSource
    flume: FlumeSource
    sales: SalesSource

    @classmethod
    def from_settings(cls, settings: DashboardSettings) -> Sources:
        cache = Cache()
        hdfs = HdfsSource(settings.hdfs_url, settings.hdfs_user, settings.timeout_s, cache)
        return cls(
            settings=settings,
            cache=cache,
            processor=ProcessorClient(settings.processor_url, settings.timeout_s, cache),
            kafka=KafkaSource(settings.kafka_bootstrap, settings.timeout_s, cache),
            feed=LiveFeed(
                settings.kafka_bootstrap, settings.topic("kpis"), settings.topic("alerts"), settings.alerts_kept, settings.timeout_s
            ),
            hdfs=hdfs,
            warehouse=WarehouseSource(hdfs, settings.warehouse_root, settings.reports_root, cache),
            flume=FlumeSource(settings.flume_agents, settings.timeout_s, cache),
            sales=SalesSource(
                settings.mysql_host,
                settings.mysql_port,
                settings.mysql_user,
                settings.mysql_password(),
                settings.mysql_database,
                settings.timeout_s,
                cache,
            ),
        )

    def start(self) -> None:
        """Start the live feed and warm the slow caches so the first page view is quick."""
        self.feed.start()
        threading.Thread(target=self._warm, name="dashboard-warm", daemon=True).start()

    def _warm(self) -> None:
        s = self.settings
        calls: list[Any] = [
            self.kafka.topics,
            self.kafka.groups,
            self.processor.totals,
            self.hdfs.capacity,
            lambda: self.hdfs.lake(s.lake_root, s.lake_days, int(s.small_file_mb * 1024 * 1024)),
            lambda: self.hdfs.listdir(s.lake_root),
            *(lambda agent=agent: self.flume.agent(agent) for agent in s.flume_agents),
            self.warehouse.views,
            self.sales.summary,
        ]
        # Independent sources warm in parallel: a slow or down one (Kafka's metadata of hundreds of
        # topics, a Flume agent timing out) must not hold the others' first page views back.
        threads = [threading.Thread(target=call, name="dashboard-warm", daemon=True) for call in calls]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def close(self) -> None:
        self.feed.stop()
        self.kafka.close()
        self.cache.close()

    def processor_worker_urls(self) -> list[str]:
        """The configured worker plus every worker the supervisor runs (SOUK_HOME/run/processor-N.pid)."""
        urls = [self.settings.processor_url]
        run = self.settings.home / "run"
        instances = []
        try:
            for path in run.iterdir():
                match = _WORKER_PID.match(path.name)
                if match:
                    instances.append(int(match.group(1) or 1))
        except OSError:
            pass
        for instance in sorted(instances):
            url = f"http://{self.settings.bind_host}:{self.settings.processor_port + instance - 1}"
            if url not in urls:
                urls.append(url)
        return urls
