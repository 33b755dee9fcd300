"""Fast tests, no servers: CLI arguments, retries, message formats, the PNG writer, the DAG file."""

from __future__ import annotations

import importlib.util
import struct
import zlib
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import structlog
from batch.__main__ import main
from batch.daily import _ranges, dates_between
from batch.errors import DataIncomplete
from batch.png import bar_chart
from batch.reconcile import Layer, compare, key
from batch.retry import with_retries
from batch.table import render


@pytest.fixture(autouse=True)
def _plain_logging() -> Iterator[None]:
    """main() points structlog at the captured stderr; put it back for the next test."""
    yield
    structlog.reset_defaults()


def test_bad_arguments_exit_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["daily"], ["daily", "--date", "2026-13-01"], ["daily", "--from", "2026-01-01"], ["report"], ["sql"], ["nope"]):
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        assert exit_.value.code == 2, argv
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1, (argv, err)


def test_unknown_reconcile_layer_is_a_bad_argument(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reconcile", "--require", "ledger,hbase"]) == 2
    assert "unknown layer(s) hbase" in capsys.readouterr().err


def test_dates_and_hour_ranges() -> None:
    assert dates_between("2026-02-27", "2026-03-02") == ["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"]
    with pytest.raises(ValueError):
        dates_between("2026-03-02", "2026-03-01")
    assert _ranges([0, 1, 2, 5, 7, 8]) == "00-02, 05, 07-08"


def test_retries_back_off_then_raise_and_never_retry_missing_data() -> None:
    calls, sleeps = [], []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("namenode away")
        return "done"

    assert with_retries("step", flaky, attempts=3, delay_s=1.0, sleep=sleeps.append) == "done"
    assert sleeps == [1.0, 2.0]

    def missing() -> None:
        calls.append(1)
        raise DataIncomplete("2026-01-01 is incomplete")

    calls.clear()
    with pytest.raises(DataIncomplete):
        with_retries("check", missing, attempts=5, delay_s=0.0, sleep=sleeps.append)
    assert len(calls) == 1


def test_compare_reports_differences_on_shared_dimensions_only() -> None:
    ref = Layer("ledger", {key("revenue", "total"): Decimal("10.00"), key("revenue", "hour", "2026-01-01T20"): Decimal("10.00")})
    same = Layer("archive", dict(ref.figures))
    off = Layer("views", {key("revenue", "total"): Decimal("9.99"), key("revenue", "hour", "2026-01-01T20"): Decimal("10.00")})
    no_hours = Layer("processor", {key("revenue", "total"): Decimal("10.00")}, frozenset({"total"}))
    verdict = compare([ref, same, off, no_hours, Layer("kafka", unavailable="down")])
    assert verdict.reference == "ledger"
    assert verdict.differing == {"archive": [], "views": ["revenue/total/-"], "processor": []}
    assert verdict.rows == [("revenue/total/-", "10.00", "10.00", "9.99", "10.00", "DIFF")]


def test_table_aligns_numbers_right() -> None:
    text = render(("CITY", "REVENUE"), [("Rabat", Decimal("5.00")), ("Fès", Decimal("120.50"))])
    assert text.splitlines() == ["CITY   REVENUE", "-----  -------", "Rabat     5.00", "Fès     120.50"]


def test_bar_chart_is_a_valid_png() -> None:
    data = bar_chart("Revenue by hour", [f"{h:02d}" for h in range(24)], [float(h * h) for h in range(24)], highlight=23)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (20 + 37 * 24 + 20, 320)
    length = struct.unpack(">I", data[33:37])[0]
    assert data[37:41] == b"IDAT"
    raw = zlib.decompress(data[41 : 41 + length])
    assert len(raw) == height * (1 + width * 3)


def test_airflow_dag_file_imports_without_airflow() -> None:
    path = Path(__file__).resolve().parents[1] / "airflow" / "souk_daily.py"
    spec = importlib.util.spec_from_file_location("souk_daily_dag", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.dag is None
    assert [name for name, _ in module.STEPS] == ["check", "repair_partitions", "aggregate", "export_csv"]
