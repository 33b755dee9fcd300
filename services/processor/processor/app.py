"""The Faust app, built from settings: topics, tables, agents per domain, KPI timer and HTTP views.

Nothing here connects: ``Processor(settings)`` only declares; ``__main__`` runs the worker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import faust
from faust.transport.producer import ProducerBuffer

from processor import kpis, views
from processor.clicks import agents as click_agents
from processor.cluster import Cluster
from processor.gaps import Gaps, RangeReader
from processor.intake import Intake
from processor.inventory import agents as inventory_agents
from processor.purchases import agents as purchase_agents
from processor.settings import ProcessorSettings
from processor.tables import PARTITIONS, Tables
from souk.contract import ALERTS, CLICKS, DLQ, INVENTORY, KPIS, PURCHASES

PRODUCER_BUFFER_MESSAGES = 100_000


@dataclass(frozen=True)
class Topics:
    clicks: Any
    purchases: Any
    inventory: Any
    kpis: Any
    alerts: Any
    dlq: Any


def make_app(settings: ProcessorSettings, *, store: str = "rocksdb://") -> faust.App:
    # Faust's conductor stops delivering messages to every stream while more than max_messages
    # changelog writes wait in the producer buffer (100 by default); one batch's flush writes
    # hundreds of keys at once, which stalled all three agents in lockstep. The buffer still
    # drains as fast as aiokafka takes messages, and a commit still flushes it first.
    ProducerBuffer.max_messages = PRODUCER_BUFFER_MESSAGES

    brokers = ";".join(f"kafka://{address.strip()}" for address in settings.kafka_bootstrap.split(","))
    return faust.App(
        settings.app_id,
        broker=brokers,
        store=store,
        datadir=str(settings.data_dir),
        autodiscover=False,
        topic_partitions=PARTITIONS,
        # State moves by changelog replay on a rebalance; standbys would double the changelog reads.
        table_standby_replicas=0,
        processing_guarantee=settings.guarantee,
        consumer_auto_offset_reset="earliest",
        web_enabled=True,
        web_bind=settings.bind_host,
        web_port=settings.port,
        web_host=settings.bind_host,
        canonical_url=settings.url,
        # Not a distributed web cluster of its own: views gather from owners themselves (cluster.py).
        web_in_thread=False,
        logging_config=None,
    )


class Processor:
    """The app and everything declared on it; one per worker process (or per unit test)."""

    def __init__(
        self,
        settings: ProcessorSettings,
        *,
        store: str = "rocksdb://",
        sink: Callable[[str], Any] | None = None,
        reader: RangeReader | None = None,
    ) -> None:
        """``store="memory://"`` and a ``sink(base)`` returning fakes with ``async send(key=, value=)`` run it without servers.

        ``reader`` reads back offsets Faust skipped (gaps.py); without one, nothing checks for them.
        """
        self.settings = settings
        self.reader = reader
        self.app = make_app(settings, store=store)

        def source(base: str) -> Any:
            return self.app.topic(settings.topic(base), key_serializer="raw", value_serializer="raw", partitions=PARTITIONS)

        def kafka_sink(base: str) -> Any:
            return self.app.topic(settings.topic(base), key_serializer="raw", value_serializer="raw")

        sink = sink or kafka_sink

        self.topics = Topics(
            clicks=source(CLICKS.base),
            purchases=source(PURCHASES.base),
            inventory=source(INVENTORY.base),
            kpis=sink(KPIS.base),
            alerts=sink(ALERTS.base),
            dlq=sink(DLQ.base),
        )
        self.tables = Tables(self.app, settings)
        self.intake = Intake(
            self.tables,
            self.topics.dlq,
            dedupe_window_s=settings.dedupe_window_s,
            funnel_window_s=settings.funnel_window_s,
            lateness_s=settings.lateness_s,
        )

        # Partitions moved: what the index knew may be stale (another worker wrote since), and
        # what it lacks is in the table Faust recovers before handing us the partitions' events.
        def forget_seen(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
            self.intake.forget()

        self.app.on_partitions_revoked.connect(forget_seen)
        self.app.on_partitions_assigned.connect(forget_seen)
        self.cluster = Cluster(self)
        self.agents = {
            "clicks": click_agents.register(self),
            "purchases": purchase_agents.register(self),
            "inventory": inventory_agents.register(self),
        }
        self.kpi_timer = kpis.register(self)
        views.register(self)

        if reader is not None:

            async def close_reader(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
                await reader.close()

            self.app.on_before_shutdown.connect(close_reader)

    def gaps(self, base: str) -> Gaps | None:
        """The gap check of one source topic's agent, when there is a reader."""
        return None if self.reader is None else Gaps(self.reader, self.tables.topic_to_counts, base)
