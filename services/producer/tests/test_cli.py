"""Bad input to the producer's command line: one line on stderr, exit 2, before anything connects."""

from __future__ import annotations

import os
import subprocess
import sys

import producer.__main__ as producer_main
import pytest
from producer.__main__ import main

PRODUCER = [sys.executable, "-m", "producer"]


def producer_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(PRODUCER_LOG_LEVEL="WARNING", **extra)
    return env


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rate", "fast"], "argument --rate: invalid float value: 'fast'"),
        (["--rate", "-3"], "rate must be a finite number >= 0, got -3.0"),
        (["--inject-bad", "2"], "inject-bad must be a fraction in [0, 1], got 2.0"),
        (["--events", "ten"], "argument --events: invalid int value: 'ten'"),
        (["--clock", "sundial"], "argument --clock: invalid choice: 'sundial'"),
        (["--start", "soon", "--clock", "sim"], "start must be an ISO-8601 time, 'today' or 'now', got 'soon'"),
        (["--duration", "0"], "duration must be > 0 seconds, got 0.0"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(args, message, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SOUK_HOME", str(tmp_path))
    # main() would point the process-wide structlog at capsys's stream, closed after this test.
    monkeypatch.setattr(producer_main, "configure_logging", lambda *a, **k: None)
    code: int | str | None
    try:
        code = main(args)
    except SystemExit as exit_:
        code = exit_.code
    assert code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("producer: error: ") and message in lines[0]


def test_a_bad_argument_in_a_real_process_is_one_line(tmp_path):
    env = producer_env(SOUK_HOME=str(tmp_path))
    result = subprocess.run([*PRODUCER, "--seed", "-1"], capture_output=True, text=True, env=env, timeout=60, check=False)
    assert result.returncode == 2
    assert result.stderr == "producer: error: seed must be in [0, 2**63), got -1\n"


def test_souk_produce_delegates_to_the_producer(tmp_path):
    env = producer_env(SOUK_HOME=str(tmp_path))
    result = subprocess.run([sys.executable, "-m", "souk", "produce", "--rate", "x"], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == "producer: error: argument --rate: invalid float value: 'x'"


def test_help_lists_the_options():
    result = subprocess.run([*PRODUCER, "--help"], capture_output=True, text=True, timeout=60, check=True)
    for option in ("--rate", "--duration", "--events", "--seed", "--inject-bad", "--ledger-event-ids", "--topic-prefix"):
        assert option in result.stdout
