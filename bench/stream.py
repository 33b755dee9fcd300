"""Streaming benchmark: one processor worker against raw aiokafka on the same topics, then latency.

    .venv/bin/python bench/stream.py [--events 10000] [--rate 2000] [--seconds 10]

1. Throughput: N contract events (processor.traffic, valid sessions) are written to fresh topics;
   a raw aiokafka consumer reads them all (the baseline), then one `python -m processor worker`
   processes them; events/s of each and the ratio. The worker's start-up (until it owns its
   partitions) is timed apart and not counted. A Faust app that only counts (bench/faust_floor.py)
   reads the same backlog first: Faust's own delivery, the ceiling of any Faust worker.
2. Latency: with the worker caught up, events are produced at a fixed rate; /totals is polled
   every 20 ms and an event counts as visible once the handled-events count reaches its rank
   (per-partition order is kept, so this is the time to visibility of the i-th event); p50/p99.
   Measured at half the throughput measured in step 1 when that is below --rate, then at --rate.
3. Spark Structured Streaming (bench/stream_spark.py, the seeds' design, local[2]) on the same
   purchases topic after the worker stopped: purchases/s over the same backlog, then the latency
   of purchases sent at --rate, to the micro-batch that made them visible. --no-spark skips it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from processor.traffic import Traffic, send

from souk.stack.provision import ensure_topics
from souk.stack.settings import stack_settings

SOURCES = ("clicks", "purchases", "inventory")
Row = tuple[str, str, str, str]


def handled(port: int) -> int | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/totals", timeout=5) as response:
            body = json.load(response)
    except OSError:
        return None
    return sum(sum(v.values()) for v in body["events"].values())


async def raw_consume(bootstrap: str, topics: list[str], count: int) -> float:
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(*topics, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None, enable_auto_commit=False)
    await consumer.start()
    try:
        seen, started = 0, time.perf_counter()
        while seen < count:
            batches = await consumer.getmany(timeout_ms=1000, max_records=5000)
            seen += sum(len(b) for b in batches.values())
        return time.perf_counter() - started
    finally:
        await consumer.stop()


def paced_send(bootstrap: str, prefix: str, traffic: Traffic, rate: float, seconds: float) -> list[tuple[str, float]]:
    """Send valid traffic at ``rate`` events/s; return each event's topic and send time (perf_counter)."""
    from kafka import KafkaProducer

    records = traffic.records(int(rate * seconds))[: int(rate * seconds)]
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=0, acks=1)
    sent: list[tuple[str, float]] = []
    start = time.perf_counter()
    for i, record in enumerate(records):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        sent.append((record.base, time.perf_counter()))
        producer.send(prefix + record.base, key=record.key, value=record.value)
        if i % 200 == 0:
            producer.flush()
    producer.flush()
    producer.close()
    return sent


def latency(bootstrap: str, prefix: str, port: int, traffic: Traffic, rate: float, seconds: float, base: int) -> tuple[float, float, float]:
    """(p50 ms, p99 ms, fraction visible) for events sent at ``rate``; ``base`` events were handled before."""
    visible: list[tuple[float, int]] = []
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            n = handled(port)
            if n is not None:
                visible.append((time.perf_counter(), n - base))
            time.sleep(0.02)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    sent = paced_send(bootstrap, prefix, traffic, rate, seconds)
    deadline = time.perf_counter() + max(30.0, seconds)
    while time.perf_counter() < deadline and (not visible or visible[-1][1] < len(sent)):
        time.sleep(0.1)
    done.set()
    poller.join()
    latencies, j = [], 0
    for i, (_base, t_sent) in enumerate(sent, start=1):
        while j < len(visible) and visible[j][1] < i:
            j += 1
        if j == len(visible):
            break
        latencies.append((visible[j][0] - t_sent) * 1000)
    if not latencies:
        return float("nan"), float("nan"), 0.0
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return statistics.median(latencies), p99, len(latencies) / len(sent)


def spark_rows(settings: Any, prefix: str, records: list[Any], proc_rate: float, proc_p99: float, args: Any) -> list[Row]:
    """The seeds' Spark Structured Streaming query on the same purchases: throughput and latency beside the worker's."""
    import stream_spark
    from kafka import KafkaConsumer, TopicPartition

    purchases = sum(1 for r in records if r.base == "purchases")
    # Everything on the topic, the worker's paced traffic included, is Spark's first backlog.
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap)
    topic = prefix + "purchases"
    on_topic = sum(consumer.end_offsets([TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]).values())
    consumer.close()
    to_epoch = time.time() - time.perf_counter()

    def paced() -> list[float]:
        traffic = Traffic(seed=int(args.rate) + 1, now_ms=int(time.time() * 1000))
        sent = paced_send(settings.kafka_bootstrap, prefix, traffic, args.rate, args.seconds)
        return [t + to_epoch for base, t in sent if base == "purchases"]

    def refill() -> int:
        send(settings.kafka_bootstrap, prefix, [r for r in records if r.base == "purchases"])
        return purchases

    rate, first_s, latencies = stream_spark.measure(
        settings.home / "jars", settings.kafka_bootstrap, topic, on_topic, refill, paced, args.timeout
    )
    latencies.sort()
    p50 = statistics.median(latencies) if latencies else float("nan")
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else float("nan")
    return [
        (
            "Spark Structured Streaming, local[2]: purchases/s",
            f"{proc_rate:,.0f} (all)",
            f"{rate:,.0f}",
            f"{proc_rate / rate:.2f} worker/Spark",
        ),
        ("Spark: start to first result (s, not counted)", "", f"{first_s:.1f}", ""),
        (
            f"Spark latency p50 / p99 ms at {args.rate:,.0f} ev/s",
            f"p99 {proc_p99:,.0f}",
            f"{p50:,.0f} / {p99:,.0f}",
            f"{p99 / proc_p99:.1f}x Spark/worker p99",
        ),
    ]


def faust_floor(bootstrap: str, prefix: str, n: int, timeout_s: float) -> float:
    """Events/s of Faust's delivery alone (bench/faust_floor.py) over the same backlog."""
    out = Path(tempfile.mkdtemp(prefix="souk-bench-floor-")) / "rate"
    env = {**os.environ, "FLOOR_PREFIX": prefix, "FLOOR_EVENTS": str(n), "FLOOR_OUT": str(out), "KAFKA_BOOTSTRAP": bootstrap}
    script = Path(__file__).with_name("faust_floor.py")
    command = [sys.executable, str(script), "worker", "-l", "warn", "--without-web"]
    floor = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout_s
        while not out.is_file() or not out.read_text().strip():
            if time.monotonic() > deadline or (floor.poll() is not None and not out.is_file()):
                raise SystemExit("stream bench: the bare Faust app did not get through the backlog")
            time.sleep(0.1)
        return float(out.read_text())
    finally:
        floor.kill()
        floor.wait()


def measure_worker(args: Any, bootstrap: str, prefix: str, n: int, raw_s: float, produce_s: float) -> tuple[list[Row], float, float]:
    """Throughput of one worker over the backlog, then its latency at paced rates."""
    port = 6590
    data = Path(tempfile.mkdtemp(prefix="souk-bench-"))
    env = {
        **os.environ,
        "SOUK_TOPIC_PREFIX": prefix,
        "PROCESSOR_PORT": str(port),
        "PROCESSOR_DATA_DIR": str(data),
        "PROCESSOR_LOG_LEVEL": "WARNING",
    }
    log = (data / "worker.log").open("wb")
    worker = subprocess.Popen([sys.executable, "-m", "processor", "worker"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        started = time.perf_counter()
        deadline = started + args.timeout
        while handled(port) is None:
            if time.perf_counter() > deadline or worker.poll() is not None:
                raise SystemExit(f"stream bench: the worker did not start; see {data / 'worker.log'}")
            time.sleep(0.05)
        ready_s = time.perf_counter() - started
        begin = time.perf_counter()
        while (handled(port) or 0) < n:
            if time.perf_counter() > deadline:
                raise SystemExit(f"stream bench: {handled(port)} of {n} events handled after {args.timeout:.0f} s; giving up")
            time.sleep(0.05)
        proc_s = time.perf_counter() - begin
        proc_rate, raw_rate = n / proc_s, n / raw_s

        rows = [
            ("events", f"{n}", f"{n}", ""),
            ("events/s, one worker vs raw aiokafka consume", f"{proc_rate:,.0f}", f"{raw_rate:,.0f}", f"{proc_rate / raw_rate:.3f}"),
            ("worker start-up until it answers (s, not counted)", f"{ready_s:.1f}", "", ""),
            ("producing the events (kafka-python, ev/s)", "", f"{n / produce_s:,.0f}", ""),
        ]
        # The sustainable rate first: a backlog left by a rate the worker cannot keep up with
        # would inflate every later measurement.
        p99_at_rate = float("nan")
        rates = [args.rate]
        if proc_rate / 2 < args.rate:
            rates.insert(0, max(1, round(proc_rate / 2)))
        for rate in rates:
            base = handled(port) or 0
            p50, p99, seen = latency(
                bootstrap, prefix, port, Traffic(seed=int(rate), now_ms=int(time.time() * 1000)), rate, args.seconds, base
            )
            if rate == args.rate:
                p99_at_rate = p99
            rows.append(
                (
                    f"latency p50 / p99 ms at {rate:,.0f} ev/s for {args.seconds:.0f} s",
                    f"{p50:,.0f} / {p99:,.0f}",
                    "",
                    f"{seen:.0%} visible",
                )
            )
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()
    return rows, proc_rate, p99_at_rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=2000.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--timeout", type=float, default=1800.0, help="give up after this many seconds")
    parser.add_argument("--no-spark", action="store_true", help="skip the Spark Structured Streaming comparison")
    args = parser.parse_args()

    settings = stack_settings()
    bootstrap = settings.kafka_bootstrap
    prefix = f"bench-{uuid.uuid4().hex[:8]}."
    ensure_topics(settings, prefix=prefix)
    traffic = Traffic(seed=7, now_ms=int(time.time() * 1000))
    records = traffic.records(args.events)
    t0 = time.perf_counter()
    send(bootstrap, prefix, records)
    produce_s = time.perf_counter() - t0
    n = len(records)

    try:
        raw_s = asyncio.run(raw_consume(bootstrap, [prefix + b for b in SOURCES], n))
        floor_rate = faust_floor(bootstrap, prefix, n, args.timeout)
        rows, proc_rate, p99_at_rate = measure_worker(args, bootstrap, prefix, n, raw_s, produce_s)
        raw_rate = n / raw_s
        floor = ("Faust alone (take_events, no work) vs raw", f"{floor_rate:,.0f}", f"{raw_rate:,.0f}", f"{floor_rate / raw_rate:.3f}")
        rows.insert(2, floor)
        rows.insert(3, ("one worker vs Faust alone", f"{proc_rate:,.0f}", f"{floor_rate:,.0f}", f"{proc_rate / floor_rate:.3f}"))
        if not args.no_spark:
            rows.extend(spark_rows(settings, prefix, records, proc_rate, p99_at_rate, args))
    finally:
        from kafka import KafkaAdminClient

        admin = KafkaAdminClient(bootstrap_servers=bootstrap)
        admin.delete_topics([t for t in admin.list_topics() if t.startswith(prefix)])
        admin.close()

    width = max(len(r[0]) for r in rows)
    sys.stdout.write(f"{'metric':<{width}} | {'processor':>14} | {'baseline':>14} | ratio\n{'-' * (width + 44)}\n")
    for name, a, b, c in rows:
        sys.stdout.write(f"{name:<{width}} | {a:>14} | {b:>14} | {c}\n")
    sys.stdout.write(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
