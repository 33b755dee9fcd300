"""flume-logs on the real HDFS: log lines arrive, nothing is lost across kill -9, its own log stays out."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from souk.testing.poll import poll_until

FlumeAgent = Any  # conftest.FlumeAgent: importlib import mode keeps conftest out of reach of imports

SERVICE_LOGS = ("producer-app.log", "processor.log", "archiver.log")
KILLS = 2


def _line(service: str, run: str, seq: int) -> str:
    return json.dumps({"service": service, "event": "flume.test.line", "run": run, "seq": seq, "text": "Fès ✓"}, ensure_ascii=False)


def _append(path: Path, lines: list[str]) -> None:
    with path.open("a", encoding="utf-8") as out:
        out.write("".join(line + "\n" for line in lines))
        out.flush()


def _wait_for_lines(agent: FlumeAgent, expected: Counter[str], what: str, timeout: float = 90) -> None:
    def shipped() -> bool:
        found, _ = agent.shipped()
        return all(found[line] >= n for line, n in expected.items())

    poll_until(shipped, what, timeout=timeout, interval=2.0)


def test_lines_appended_to_log_files_arrive_in_hdfs_once_each(flume_agent: Callable[..., FlumeAgent]) -> None:
    agent = flume_agent("flume-logs")
    logs = agent.home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    run = uuid.uuid4().hex
    expected: Counter[str] = Counter()
    before = [_line("producer", run, i) for i in range(50)]
    _append(logs / "producer-app.log", before)
    expected.update(before)
    # Neither a rotated file nor a non-.log file is a service log.
    _append(logs / "processor.log.1", [_line("rotated", run, 0)])
    _append(logs / "notes.txt", [_line("notes", run, 0)])

    agent.start()
    for round_no in range(3):
        for name in SERVICE_LOGS:
            batch = [_line(name, run, round_no * 1000 + i) for i in range(100)]
            _append(logs / name, batch)
            expected.update(batch)
    # A service started after the agent: its new file is picked up too.
    late = [_line("late-service", run, i) for i in range(20)]
    _append(logs / "late-service.log", late)
    expected.update(late)

    def landed_and_closed() -> bool:
        found, files = agent.shipped()
        closed = bool(files) and not any(Path(f).name.startswith("_") for f in files)
        return closed and sum(found.values()) >= sum(expected.values())

    poll_until(landed_and_closed, "every line in closed HDFS files", timeout=90, interval=1.0)
    found, files = agent.shipped()
    assert found == expected, f"missing {expected - found}, unexpected {found - expected}"
    assert all("/logs/" in f and f.endswith(".log") for f in files), files
    own_log = agent.log_path.read_text(encoding="utf-8", errors="replace")
    assert "o.a.f." in own_log, "the agent's own log should be in the tailed directory for this test to mean something"
    assert not any("o.a.f." in line for line in found), "flume-logs shipped its own log"

    total = sum(expected.values())
    source, channel, sink = agent.counters("SOURCE"), agent.counters("CHANNEL"), agent.counters("SINK")
    assert int(source["EventAcceptedCount"]) == total
    assert int(channel["EventPutSuccessCount"]) == total
    assert int(sink["EventDrainSuccessCount"]) == total
    assert int(channel["ChannelSize"]) == 0


def test_kill_9_mid_stream_then_restart_loses_no_line(flume_agent: Callable[..., FlumeAgent]) -> None:
    agent = flume_agent("flume-logs")
    logs = agent.home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    run = uuid.uuid4().hex
    written: Counter[str] = Counter()
    stop = threading.Event()

    def writer() -> None:
        seq = 0
        while not stop.is_set():
            for name in SERVICE_LOGS:
                batch = [_line(name, run, seq + i) for i in range(5)]
                _append(logs / name, batch)
                written.update(batch)
            seq += 5
            time.sleep(0.1)

    agent.start()
    thread = threading.Thread(target=writer, name="log-writer", daemon=True)
    thread.start()
    try:
        for kill_no in range(1, KILLS + 1):
            poll_until(
                lambda: int(agent.counters("SINK")["EventDrainSuccessCount"]) > 0,
                f"the agent writing to HDFS before kill {kill_no}",
                timeout=60,
            )
            agent.kill()
            agent.start()
        poll_until(
            lambda: int(agent.counters("SINK")["EventDrainSuccessCount"]) > 0,
            "the last restarted agent writing to HDFS",
            timeout=60,
        )
    finally:
        stop.set()
        thread.join(timeout=10)

    expected = Counter(written)
    _wait_for_lines(agent, expected, f"all {sum(expected.values())} lines after {KILLS} kill -9", timeout=120)
    agent.stop()  # a clean stop closes its own file: what stays open was left by the killed agents
    texts = agent.contents()
    in_use = {path: text for path, text in texts.items() if Path(path).name.startswith("_")}
    closed = Counter(line for path, text in texts.items() if path not in in_use for line in text.split("\n") if line)
    # A killed writer's open file may end in a torn line: bytes sent to the DataNode after the
    # last hflush. Those events were never committed, so they come again whole after restart.
    torn = {text.rsplit("\n", 1)[-1] for text in in_use.values() if text and not text.endswith("\n")}
    found = Counter(line for text in texts.values() for line in text.split("\n") if line)
    missing = expected - found
    unexpected = set(found) - set(expected) - torn
    duplicates = sum((found - expected).values()) - len(torn)
    only_in_open_files = sum((expected - closed).values())
    report = (
        f"{sum(expected.values())} lines written across {KILLS} kill -9: lost {sum(missing.values())}, "
        f"duplicated {duplicates}; {len(texts)} HDFS files, {len(in_use)} left open (in-use) by killed agents "
        f"({len(torn)} ending in a torn line, {only_in_open_files} lines found only in them)"
    )
    print(f"\nflume-logs kill -9: {report}")
    assert not missing, report
    assert not unexpected, f"{report}; unexpected lines: {sorted(unexpected)[:5]}"
    assert all(any(line.startswith(t) for line in expected) for t in torn), f"{report}; torn tails not a prefix of a written line"
    assert not set(closed) - set(expected), f"{report}; closed files hold lines never written"
