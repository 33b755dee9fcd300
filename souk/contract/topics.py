"""The Kafka topics of souk: one TopicSpec per topic, as in DESIGN.md "Topics"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from souk.contract.errors import ContractError

_DAY_MS: Final = 24 * 60 * 60 * 1000


@dataclass(frozen=True, slots=True)
class TopicSpec:
    """What a topic holds: its base name, what its key means, partitions, retention and writer."""

    base: str
    key: str
    partitions: int
    retention_ms: int
    written_by: str
    description: str

    def name(self, prefix: str = "") -> str:
        """The topic's name on the broker; tests pass a prefix to get topics of their own."""
        return prefix + self.base


CLICKS: Final = TopicSpec(
    base="clicks",
    key="session_id",
    partitions=6,
    retention_ms=7 * _DAY_MS,
    written_by="producer",
    description="page views and cart actions of shopping sessions",
)
PURCHASES: Final = TopicSpec(
    base="purchases",
    key="session_id",
    partitions=6,
    retention_ms=7 * _DAY_MS,
    written_by="producer",
    description="orders: lines, total, payment method",
)
INVENTORY: Final = TopicSpec(
    base="inventory",
    key="product_id",
    partitions=6,
    retention_ms=7 * _DAY_MS,
    written_by="producer",
    description="stock moves per product: sales, restocks, returns, adjustments",
)
KPIS: Final = TopicSpec(
    base="kpis",
    key="KPI name",
    partitions=1,
    retention_ms=1 * _DAY_MS,
    written_by="processor",
    description="key figures computed by the speed layer",
)
ALERTS: Final = TopicSpec(
    base="alerts",
    key="alert kind",
    partitions=1,
    retention_ms=7 * _DAY_MS,
    written_by="processor",
    description="low stock and high-ticket orders",
)
DLQ: Final = TopicSpec(
    base="dlq",
    key="origin topic",
    partitions=1,
    retention_ms=7 * _DAY_MS,
    written_by="any consumer",
    description="messages a consumer could not accept, with the reason",
)

TOPICS: Final[tuple[TopicSpec, ...]] = (CLICKS, PURCHASES, INVENTORY, KPIS, ALERTS, DLQ)
SOURCE_TOPICS: Final[tuple[TopicSpec, ...]] = (CLICKS, PURCHASES, INVENTORY)

_BY_BASE: Final = {spec.base: spec for spec in TOPICS}


def topic_spec(base: str) -> TopicSpec:
    """The spec of the topic with this base name; ContractError if there is none."""
    spec = _BY_BASE.get(base)
    if spec is None:
        raise ContractError(f"unknown topic {base!r}")
    return spec
