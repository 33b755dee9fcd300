"""Fixtures of the batch tests: a synthetic lake of two days in a private HDFS directory."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# The helper modules beside this file (batch_expected, batch_testlib); pytest's importlib mode does not add it.
sys.path.insert(0, str(Path(__file__).parent))

from batch.hdfs import Hdfs
from batch.settings import BatchSettings
from batch.synthetic import days_events, write_archive
from batch_testlib import DAYS, Lake, settings_under


@pytest.fixture
def batch_env(hdfs_tmpdir: str, tmp_path: Path) -> BatchSettings:
    """Settings for one test, everything under its own `hdfs_tmpdir`."""
    return settings_under(hdfs_tmpdir, tmp_path / "reports")


@pytest.fixture(scope="module")
def lake(stack: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lake]:
    """Two closed days of synthetic traffic archived under a directory of this module's own."""
    base = f"/tmp/souk-tests/batch-{uuid.uuid4().hex[:10]}"
    settings = settings_under(base, tmp_path_factory.mktemp("reports"))
    events = days_events(DAYS, sessions=300, first_seed=1)
    hdfs = Hdfs(settings)
    write_archive(hdfs, settings.archive_dir, events, DAYS, partitions=2)
    yield Lake(settings, events)
    hdfs.delete(base, recursive=True)
