"""Faust's own delivery with no work, for bench/stream.py: the ceiling of any Faust processor here.

    FLOOR_PREFIX=<topic prefix> FLOOR_EVENTS=N FLOOR_OUT=<file> python bench/faust_floor.py worker -l warn

Three agents read the source topics in take_events batches, as the processor's do, and only count;
once N events arrived, the events/s since the first batch is written to FLOOR_OUT.
"""

from __future__ import annotations

import os
import signal
import tempfile
import time
from typing import Any

import faust

PREFIX = os.environ["FLOOR_PREFIX"]
EVENTS = int(os.environ["FLOOR_EVENTS"])
OUT = os.environ["FLOOR_OUT"]

app = faust.App(
    f"{PREFIX}faust-floor",
    broker=f"kafka://{os.environ.get('KAFKA_BOOTSTRAP', '127.0.0.1:9092')}",
    store="memory://",
    datadir=tempfile.mkdtemp(prefix="faust-floor-"),
    web_enabled=False,
    consumer_auto_offset_reset="earliest",
    topic_partitions=6,
    logging_config=None,
)
state: dict[str, Any] = {"n": 0, "t0": None}


async def count(stream: Any) -> None:
    async for events in stream.take_events(2000, within=0.05):
        if state["t0"] is None:
            state["t0"] = time.perf_counter()
        state["n"] += len(events)
        if state["n"] >= EVENTS and state["t0"] is not None:
            with open(OUT, "w") as out:
                out.write(f"{state['n'] / (time.perf_counter() - state['t0'])}\n")
            state["t0"] = float("inf")
            os.kill(os.getpid(), signal.SIGTERM)


for base in ("clicks", "purchases", "inventory"):
    app.agent(app.topic(PREFIX + base, key_serializer="raw", value_serializer="raw"), name=f"floor-{base}")(count)

if __name__ == "__main__":
    app.main()
