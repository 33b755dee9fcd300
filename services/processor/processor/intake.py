"""What every agent does first: decode by the contract, dead-letter what breaks it, drop duplicates."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from processor.seen import FirstSeen
from processor.tables import Tables
from processor.tally import Writes, key_for
from souk.contract import ContractError, dead_letter, encode
from souk.logs import get_logger

log = get_logger(component="intake")

E = TypeVar("E")
SERVICE = "processor"
ACCEPTED, DUPLICATE, REJECTED = (1, 0, 0), (0, 1, 0), (0, 0, 1)
# Alerts get an event_id derived from the source coordinates, so one raised twice by a replay
# after a crash carries the same id and consumers can drop the copy.
_ALERT_IDS = uuid.UUID("6f1c2a54-6d0e-4d55-9c1e-5e1d7c3b8a90")


def alert_event_id(topic: str, partition: int, offset: int, kind: str) -> str:
    return str(uuid.uuid5(_ALERT_IDS, f"{topic}/{partition}/{offset}/{kind}"))


class Intake:
    """Decode, dead-letter and dedupe source events; count each outcome per source partition."""

    def __init__(self, tables: Tables, dlq: Any, *, dedupe_window_s: float, funnel_window_s: float, lateness_s: float) -> None:
        self.tables = tables
        self.dlq = dlq
        self.event_ids = FirstSeen(tables.batch_to_event_ids, dedupe_window_s)
        # A funnel window is kept ``lateness`` after it ends (tables.py), and so is its index.
        self.session_steps = FirstSeen(tables.batch_to_session_steps, funnel_window_s + lateness_s)

    def forget(self) -> None:
        """Partitions moved: rebuild the in-memory indexes from the recovered tables."""
        self.event_ids.forget()
        self.session_steps.forget()

    async def admit(self, event: Any, base: str, decode: Callable[[bytes], E], writes: Writes) -> E | None:
        """The decoded event, or None when it was dead-lettered or is a duplicate (both counted)."""
        message = event.message
        try:
            decoded = decode(event.value)
        except ContractError as error:
            await self.reject(message, event.value, error.reason)
            writes.bump(self.tables.topic_to_counts, key_for(message.partition, base), REJECTED, message.offset)
            return None
        if not self.event_ids.first(writes, base, decoded.event_id, "", decoded.event_time_ms, message.offset):  # type: ignore[attr-defined]
            log.debug("processor.event.duplicate", topic=message.topic, partition=message.partition, offset=message.offset)
            writes.bump(self.tables.topic_to_counts, key_for(message.partition, base), DUPLICATE, message.offset)
            return None
        return decoded

    def accepted(self, event: Any, base: str, writes: Writes) -> None:
        writes.bump(self.tables.topic_to_counts, key_for(event.message.partition, base), ACCEPTED, event.message.offset)

    async def reject(self, message: Any, raw: bytes | None, reason: str) -> None:
        """Send the message to the DLQ with its origin coordinates; never raises on the content."""
        letter = dead_letter(raw, reason, message.topic, message.partition, message.offset, SERVICE, int(time.time() * 1000))
        log.info("processor.event.rejected", topic=message.topic, partition=message.partition, offset=message.offset, reason=reason)
        await self.dlq.send(key=message.topic.encode("utf-8"), value=encode(letter))
