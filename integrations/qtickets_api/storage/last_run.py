"""The last run's outcome in a small file beside the embedded engine's data, for readers that cannot open it.

On the embedded engine only one process may hold the data directory: while a loader run (or the service) holds
it, ``freshness`` cannot query ``meta_job_runs``. So every recorded run also leaves ``.zakaz-last-run.json`` in the
data directory (written whole, then renamed into place), which ``freshness`` reads instead of raising a false alarm.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

NAME = ".zakaz-last-run.json"


@dataclass(frozen=True)
class LastRun:
    run_id: str
    status: str
    finished_at: str  # ISO 8601, UTC
    last_success_at: str | None  # the latest successful run's end, this one or an earlier one

    @property
    def last_success(self) -> datetime | None:
        return datetime.fromisoformat(self.last_success_at) if self.last_success_at else None


def read(data_dir: Path) -> LastRun | None:
    try:
        values = json.loads((data_dir / NAME).read_text(encoding="utf-8"))
        return LastRun(**values)
    except (OSError, ValueError, TypeError):
        return None


def write(data_dir: Path, run_id: str, status: str, finished_at: datetime) -> None:
    previous = read(data_dir)
    success = finished_at.isoformat() if status == "success" else (previous.last_success_at if previous else None)
    record = LastRun(run_id=run_id, status=status, finished_at=finished_at.isoformat(), last_success_at=success)
    path = data_dir / NAME
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(asdict(record)), encoding="utf-8")
    os.replace(temporary, path)
