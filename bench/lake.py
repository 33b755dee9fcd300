"""Lake ingest benchmark: the archiver vs the flume-kafka path on the same pre-filled topics.

    .venv/bin/python bench/lake.py                 # 1,000,000 events (the issue's figure)
    .venv/bin/python bench/lake.py --events 60000  # a quick run

Fills fresh topics (`bench-lake-<time>.clicks|purchases|inventory`, 6 partitions each) with
contract events, then drains them with
  * the archiver (`python -m archiver`, its own lake dir and consumer group), and
  * a private Flume agent built from `flume/flume-kafka` (same jars and config, rendered with the
    bench's topic prefix, its own channel dirs, port and group) — only when the `flume-kafka`
    component is up (its jars and config are then known to work); else the baseline is "n/a".
Rates count from the moment each consumer was ready (archiver.started / agent HTTP up) until all
events are durably in HDFS (archiver: group offsets committed after each roll; Flume: the sink's
EventDrainSuccessCount). "CPU s" is the user + system time of the path's whole process tree, start
and shutdown included: on a shared machine it varies far less with the load than the wall clock.
Everything the bench made is deleted unless --keep.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import random
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from archiver.destinations import WebHdfsDestination
from archiver.testing import random_event
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition

from souk.contract import SOURCE_TOPICS, encode, encode_key
from souk.settings import REPO_ROOT
from souk.stack import configs
from souk.stack.declared import load_component
from souk.stack.provision import ensure_topics
from souk.stack.settings import StackSettings, stack_settings

BASES = [spec.base for spec in SOURCE_TOPICS]
FLUME_COMPONENT = REPO_ROOT / "flume" / "flume-kafka" / "component.toml"


@dataclasses.dataclass
class Result:
    path: str
    events: int
    seconds: float
    files: int
    bytes: int
    sizes: list[int]
    note: str = ""
    load: str = ""
    cpu_s: float = 0.0

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def say(text: str) -> None:
    sys.stderr.write(text + "\n")


def prefill(settings: StackSettings, prefix: str, events: int, seed: int) -> float:
    """Write `events` contract events (a third per topic), event times in the last minute."""
    rng = random.Random(seed)
    now_ms = int(time.time() * 1000)
    pools = {base: [random_event(base, now_ms - rng.randrange(60_000), rng) for _ in range(500)] for base in BASES}
    encoded = {base: [(encode_key(e), encode(e), e.event_id.encode()) for e in pool] for base, pool in pools.items()}  # type: ignore[union-attr]
    producer = KafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap,
        linger_ms=50,
        batch_size=512 * 1024,
        acks=1,
        compression_type=None,
    )
    started = time.monotonic()
    for i in range(events):
        base = BASES[i % 3]
        key, value, old_id = encoded[base][rng.randrange(500)]
        # A fresh event_id per message: a pool of encoded events with their id swapped is 20x faster than encoding each.
        producer.send(prefix + base, key=key, value=value.replace(old_id, str(uuid.uuid4()).encode(), 1))
        if i % 100_000 == 99_999:
            say(f"  prefill: {i + 1:,} sent")
    producer.flush(timeout=300)
    producer.close()
    return time.monotonic() - started


def end_offsets(settings: StackSettings, prefix: str) -> dict[TopicPartition, int]:
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap)
    try:
        tps = [TopicPartition(prefix + base, p) for base in BASES for p in consumer.partitions_for_topic(prefix + base) or ()]
        ends: dict[TopicPartition, int] = consumer.end_offsets(tps)
        return ends
    finally:
        consumer.close()


def hdfs_files(dest: WebHdfsDestination, root: str, suffix: str) -> list[int]:
    sizes: list[int] = []
    for entry in dest.listdir(root):
        path = f"{root}/{entry.name}"
        if entry.is_dir and not entry.name.startswith("_"):
            sizes.extend(hdfs_files(dest, path, suffix))
        elif not entry.is_dir and entry.name.endswith(suffix) and not entry.name.startswith(("_", ".")):
            sizes.append(entry.size)
    return sizes


def log_time(line: dict[str, Any]) -> float:
    return dt.datetime.fromisoformat(line["timestamp"].replace("Z", "+00:00")).timestamp()


def measure_archiver(
    settings: StackSettings,
    prefix: str,
    target: dict[TopicPartition, int],
    base_dir: str,
    roll_records: int,
    roll_seconds: float,
    processes: int,
    work: Path,
) -> Result:
    group = f"bench-archiver-{prefix}{int(time.time())}"
    env = dict(os.environ)
    env.update(
        KAFKA_BOOTSTRAP=settings.kafka_bootstrap,
        HDFS_URL=settings.hdfs_url,
        SOUK_TOPIC_PREFIX=prefix,
        ARCHIVER_BASE_DIR=base_dir,
        ARCHIVER_GROUP=group,
        ARCHIVER_ROLL_RECORDS=str(roll_records),
        ARCHIVER_ROLL_SECONDS=str(roll_seconds),
        ARCHIVER_PROCESSES=str(processes),
    )
    log_path = work / "archiver.log"
    cpu_before = children_cpu_s()
    with log_path.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "archiver"], env=env, stdout=out, stderr=out)
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    total = sum(target.values())
    load_before = os.getloadavg()[0]
    try:
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"the archiver exited with {proc.returncode}; see {log_path}")
            committed = admin.list_group_offsets(group).get(group, {})
            if all(committed.get(tp) is not None and committed[tp].offset >= end for tp, end in target.items()):
                done = time.time()
                break
            time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=120)
    finally:
        admin.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    cpu = children_cpu_s() - cpu_before
    lines = [json.loads(line) for line in log_path.read_text(encoding="utf-8").splitlines() if line.startswith("{")]
    started = next(log_time(line) for line in lines if line.get("event") == "archiver.started")
    rolls = [line for line in lines if line.get("event") == "archiver.roll.committed"]
    sizes = hdfs_files(WebHdfsDestination(settings.hdfs_url, settings.hdfs_user), base_dir, ".parquet")
    most_files = max((r["files"] for r in rolls), default=0)
    note = (
        f"{len(rolls)} rolls (ARCHIVER_ROLL_RECORDS={roll_records}, ARCHIVER_ROLL_SECONDS={roll_seconds:g},"
        f" ARCHIVER_PROCESSES={processes}), at most {most_files} file(s) per partition per roll (one per event-time hour)"
    )
    load = f"{load_before:.1f} → {os.getloadavg()[0]:.1f}"
    return Result("archiver → Parquet", total, done - started, len(sizes), sum(sizes), sizes, note, load, cpu)


def children_cpu_s() -> float:
    """User + system CPU seconds of the child processes waited for so far (theirs and their children's)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def flume_sink_drained(port: int) -> int | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:
            metrics = json.loads(response.read())
    except OSError:
        return None
    return sum(int(v.get("EventDrainSuccessCount", 0)) for k, v in metrics.items() if k.startswith("SINK."))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def measure_flume(settings: StackSettings, prefix: str, target: dict[TopicPartition, int], work: Path) -> Result | str:
    """The flume-kafka path on the bench's topics, in a private agent; a reason string when not possible."""
    if not FLUME_COMPONENT.is_file():
        return "n/a (flume/flume-kafka not in this tree)"
    if flume_sink_drained(settings.flume_kafka_port) is None:
        return "n/a (flume-kafka not running: `souk up flume-kafka`)"
    dest = WebHdfsDestination(settings.hdfs_url, settings.hdfs_user)
    for base in BASES:  # the bench's own dirs: left by an earlier --keep run on the same topics
        dest.delete(f"/user/flume/kafka-data/{prefix}{base}", recursive=True)
    home = work / "flume-home"
    home.mkdir()
    (home / "jars").symlink_to(settings.home / "jars")
    port = free_port()
    private = dataclasses.replace(settings, home=home, topic_prefix=prefix, flume_kafka_port=port)
    spec = tomllib.loads(FLUME_COMPONENT.read_text(encoding="utf-8"))
    for template in spec.get("templates", []):
        configs.render_path(private, REPO_ROOT / template)
    conf = home / "conf" / "flume" / "flume-kafka" / "flume-kafka.conf"
    conf.write_text(
        conf.read_text(encoding="utf-8").replace("group.id = flume-kafka", f"group.id = bench-flume-{prefix}{int(time.time())}"),
        encoding="utf-8",
    )
    component = load_component(FLUME_COMPONENT)
    env = dict(os.environ)
    env.update(component.env(private))
    total = sum(target.values())
    log_path = work / "flume.log"
    load_before = os.getloadavg()[0]
    cpu_before = children_cpu_s()
    with log_path.open("wb") as out:
        proc = subprocess.Popen(component.command(private), env=env, stdout=out, stderr=out)
    try:
        started = None
        while True:
            if proc.poll() is not None:
                return f"n/a (the private Flume agent exited with {proc.returncode}; see {log_path})"
            drained = flume_sink_drained(port)
            if drained is not None and started is None:
                started = time.time()
            if drained is not None and drained >= total:
                done = time.time()
                break
            time.sleep(0.2)
    finally:
        proc.terminate()  # closes (renames) the open HDFS files
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    cpu = children_cpu_s() - cpu_before
    assert started is not None  # set once the agent answered, before it drained anything
    sizes = [s for base in BASES for s in hdfs_files(dest, f"/user/flume/kafka-data/{prefix}{base}", "")]
    load = f"{load_before:.1f} → {os.getloadavg()[0]:.1f}"
    return Result(
        "flume-kafka → text", total, done - started, len(sizes), sum(sizes), sizes, "file channel, HDFS sink (JSON lines)", load, cpu
    )


def table(results: list[Result], baseline: Result | str, prefill_s: float, events: int) -> str:
    rows = [
        f"lake ingest, {events:,} events on 3 topics x 6 partitions" + (f" (prefill {events / prefill_s:,.0f} ev/s)" if prefill_s else ""),
        "",
        "| path | events | seconds | events/s | vs flume-kafka | CPU s | CPU µs/event | files | MB | median file KB | load (1 min) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in [*results, *([baseline] if isinstance(baseline, Result) else [])]:
        ratio = f"{r.rate / baseline.rate:.2f}x" if isinstance(baseline, Result) and baseline.rate else "n/a"
        median = statistics.median(r.sizes) / 1024 if r.sizes else 0
        size = f"{r.files} | {r.bytes / 1e6:.1f} | {median:,.0f}"
        cpu = f"{r.cpu_s:.1f} | {r.cpu_s / r.events * 1e6:.1f}" if r.events else "n/a | n/a"
        rows.append(f"| {r.path} | {r.events:,} | {r.seconds:.1f} | {r.rate:,.0f} | {ratio} | {cpu} | {size} | {r.load} |")
    rows.append("")
    rows.extend(f"{r.path}: {r.note}" for r in results if r.note)
    if isinstance(baseline, str):
        rows.append(f"flume-kafka baseline: {baseline}")
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--roll-records", type=int, default=50_000, help="ARCHIVER_ROLL_RECORDS for the run")
    parser.add_argument(
        "--roll-seconds", type=float, default=5.0, help="ARCHIVER_ROLL_SECONDS: bounds the wait for the last, partial rolls of the drain"
    )
    parser.add_argument("--processes", type=int, default=3, help="ARCHIVER_PROCESSES for the run (1: one process)")
    parser.add_argument("--no-flume", action="store_true", help="skip the Flume baseline")
    parser.add_argument("--keep", action="store_true", help="keep the topics and HDFS files")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reuse", metavar="PREFIX", help="drain topics a --keep run filled (e.g. bench-lake-1795698430.)")
    args = parser.parse_args()
    settings = stack_settings()
    prefix = args.reuse or f"bench-lake-{int(time.time())}."
    base_dir = f"/tmp/bench-lake/{prefix.rstrip('.')}-{int(time.time())}"
    prefill_s = 0.0
    if not args.reuse:
        ensure_topics(settings, specs=SOURCE_TOPICS, prefix=prefix)
        say(f"topics {prefix}{{{','.join(BASES)}}}: filling {args.events:,} events")
        prefill_s = prefill(settings, prefix, args.events, args.seed)
    target = end_offsets(settings, prefix)
    args.events = sum(target.values())
    with tempfile.TemporaryDirectory(prefix="bench-lake-") as tmp:
        work = Path(tmp)
        say("archiver: draining")
        archiver = measure_archiver(settings, prefix, target, base_dir, args.roll_records, args.roll_seconds, args.processes, work)
        say(f"archiver: {archiver.rate:,.0f} ev/s")
        baseline: Result | str = "n/a (--no-flume)"
        if not args.no_flume:
            say("flume-kafka (private agent): draining")
            baseline = measure_flume(settings, prefix, target, work)
        sys.stdout.write(table([archiver], baseline, prefill_s, args.events) + "\n")
    if args.keep:
        say(f"kept: topics {prefix}*, HDFS {base_dir} (drain again with --reuse {prefix})")
    else:
        dest = WebHdfsDestination(settings.hdfs_url, settings.hdfs_user)
        dest.delete(base_dir, recursive=True)
        for base in BASES:
            dest.delete(f"/user/flume/kafka-data/{prefix}{base}", recursive=True)
        admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
        try:
            admin.delete_topics([prefix + base for base in BASES])
        finally:
            admin.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
