"""`souk reconcile` without servers to compare: unavailable layers fail the run only when required."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from batch.reconcile import main
from batch.settings import BatchSettings

DAY = "2026-05-09"


def test_unavailable_layers_fail_only_when_required(batch_env: BatchSettings, tmp_path: Path) -> None:
    lines: list[str] = []
    common: dict[str, Any] = {"dates": [DAY], "skipped": {"kafka", "processor", "archive", "views"}, "verbose": False, "out": lines.append}
    assert main(batch_env, ledger=str(tmp_path / "absent.json"), required=set(), **common) == 0
    assert "unavailable" in "".join(lines)
    lines.clear()
    assert main(batch_env, ledger=str(tmp_path / "absent.json"), required={"ledger"}, **common) == 1
    assert "UNAVAILABLE (required)" in "".join(lines)
