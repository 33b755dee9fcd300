"""The archiver's heartbeat file (SOUK_HOME/run/archiver.heartbeat): its age and the status line in it."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from dashboard.sources.base import Unavailable


@dataclass(frozen=True)
class Heartbeat:
    path: str
    age_s: float
    status: str


def heartbeat(path: Path) -> Heartbeat | Unavailable:
    try:
        stat = path.stat()
        status = path.read_text(encoding="utf-8", errors="replace").strip()[:500]
    except FileNotFoundError:
        return Unavailable("archiver", f"no heartbeat file {path} (archiver not started?)")
    except OSError as error:
        return Unavailable("archiver", f"cannot read {path}: {error.strerror}")
    return Heartbeat(path=str(path), age_s=max(0.0, time.time() - stat.st_mtime), status=status)
