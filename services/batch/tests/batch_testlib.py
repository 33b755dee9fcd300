"""Shared helpers of the batch tests."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from batch.settings import BatchSettings, batch_settings
from batch.synthetic import Events

DAYS = ("2026-03-14", "2026-03-15")


def settings_under(base: str, local: Path) -> BatchSettings:
    """Batch settings whose lake, warehouse and reports all live under `base` in HDFS."""
    return dataclasses.replace(
        batch_settings(),
        archive_dir=f"{base}/data/ecommerce",
        warehouse_dir=f"{base}/warehouse",
        reports_dir=f"{base}/reports",
        sales_dir=f"{base}/user/sqoop/sales",
        local_reports_dir=local,
        retry_delay_s=0.1,
    )


@dataclasses.dataclass
class Lake:
    """A synthetic archive in HDFS and the events it holds."""

    settings: BatchSettings
    events: Events
