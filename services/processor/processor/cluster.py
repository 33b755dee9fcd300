"""Answering for all partitions from any worker: ask each partition's owner, add the answers up.

Faust's assignor tells every worker which worker (by its canonical URL) actively owns each
changelog partition; source and changelog partitions are co-partitioned, so that is also who
owns each source partition's state. A view asks every owner for the partial sums of exactly the
partitions the assignment gives it (``/_partial/<view>?partitions=…``) and merges them, so each
partition is counted once even while workers come and go. While a rebalance or a table recovery
is in progress, or an owner does not answer, the view says 503 rather than a wrong number.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import aiohttp

from processor.queries import Partial, merge
from processor.tables import PARTITIONS

if TYPE_CHECKING:
    from processor.app import Processor

PartialFn = Callable[[frozenset[int], Mapping[str, str]], Partial]
PEER_TIMEOUT_S = 5.0


class NotReady(RuntimeError):
    """The cluster cannot answer for all partitions right now (rebalance, recovery, a worker gone)."""


class Cluster:
    def __init__(self, processor: Processor) -> None:
        self.processor = processor
        self.partials: dict[str, PartialFn] = {}

    @property
    def url(self) -> str:
        return str(self.processor.app.conf.canonical_url).rstrip("/")

    def busy(self) -> str | None:
        app = self.processor.app
        if getattr(app, "rebalancing", False):
            return "rebalancing"
        if getattr(app, "in_recovery", False):
            return "recovering tables"
        return None

    def local_partitions(self) -> frozenset[int]:
        """Source partitions this worker actively owns."""
        topic = self.processor.topics.clicks.get_topic_name()
        return frozenset(tp.partition for tp in self.processor.app.assignor.assigned_actives() if tp.topic == topic)

    def owners(self) -> dict[str, frozenset[int]]:
        """Worker URL → the partitions it owns, for all partitions, or NotReady."""
        changelog = self.processor.tables.reference.changelog_topic.get_topic_name()
        distribution = self.processor.app.assignor.changelog_distribution  # type: ignore[attr-defined]
        owners = {url.rstrip("/"): frozenset(topics.get(changelog, ())) for url, topics in distribution.items()}
        owners = {url: parts for url, parts in owners.items() if parts}
        covered = frozenset().union(*owners.values()) if owners else frozenset()
        if covered != frozenset(range(PARTITIONS)):
            raise NotReady(f"partitions without an owner: {sorted(set(range(PARTITIONS)) - covered)}")
        return owners

    def local(self, view: str, partitions: frozenset[int], params: Mapping[str, str]) -> Partial:
        """This worker's partial for ``partitions``, which it must own right now."""
        busy = self.busy()
        if busy:
            raise NotReady(busy)
        missing = partitions - self.local_partitions()
        if missing:
            raise NotReady(f"{self.url} does not own partitions {sorted(missing)}")
        return self.partials[view](partitions, params)

    async def gather(self, view: str, params: Mapping[str, str]) -> Partial:
        busy = self.busy()
        if busy:
            raise NotReady(busy)
        owners = self.owners()
        if set(owners) == {self.url}:
            return self.local(view, owners[self.url], params)
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=PEER_TIMEOUT_S)) as session:
            answers = await asyncio.gather(*(self._ask(session, url, view, parts, params) for url, parts in owners.items()))
        return merge(answers)

    async def _ask(
        self, session: aiohttp.ClientSession, url: str, view: str, partitions: frozenset[int], params: Mapping[str, str]
    ) -> Partial:
        if url == self.url:
            return self.local(view, partitions, params)
        query = {**params, "partitions": ",".join(map(str, sorted(partitions)))}
        try:
            async with session.get(f"{url}/_partial/{view}", params=query) as response:
                body = await response.json()
                if response.status != 200:
                    raise NotReady(f"{url}: {body.get('error', response.status)}")
                return {key: list(values) for key, values in body["partial"].items()}
        except (TimeoutError, aiohttp.ClientError) as error:
            raise NotReady(f"{url} did not answer: {type(error).__name__}") from None


def parse_partitions(text: str) -> frozenset[int]:
    try:
        parts = frozenset(int(p) for p in text.split(",") if p)
    except ValueError:
        raise ValueError(f"partitions must be a comma-separated list of ints, got {text!r}") from None
    if not parts or not parts <= frozenset(range(PARTITIONS)):
        raise ValueError(f"partitions must be within 0..{PARTITIONS - 1}, got {text!r}")
    return parts
