"""Fixtures of the archiver's unit tests: a lake on a local directory."""

from __future__ import annotations

from pathlib import Path

import pytest
from archiver.destinations import LocalDestination

from souk.logs import configure_logging


@pytest.fixture
def local(tmp_path: Path) -> LocalDestination:
    return LocalDestination(tmp_path / "hdfs")


@pytest.fixture(autouse=True, scope="session")
def quiet_logs() -> None:
    """JSON logs at WARNING on stderr, as the service writes them (INFO per file would flood the output)."""
    configure_logging("archiver", level="WARNING")
