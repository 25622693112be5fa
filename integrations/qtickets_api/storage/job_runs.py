"""``meta_job_runs``: one row per finished run (success or failure), for monitoring and freshness."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from datetime import datetime

from .. import __version__
from .connection import Storage

JOB = "qtickets_api"
COLUMNS = (
    "run_id", "job", "started_at", "finished_at", "status", "window_since", "window_until", "rows",
    "api_requests", "retries", "rejected", "error", "loader_version", "host", "org_name",
)  # fmt: skip


@dataclass
class RunRecord:
    run_id: str
    started_at: datetime
    window_since: datetime
    window_until: datetime
    org_name: str = ""
    finished_at: datetime | None = None
    status: str = "running"
    rows: dict[str, int] = field(default_factory=dict)
    api_requests: int = 0
    retries: int = 0
    rejected: int = 0
    error: str = ""

    def as_row(self) -> list[object]:
        return [
            self.run_id, JOB, self.started_at, self.finished_at or self.started_at, self.status,
            self.window_since, self.window_until, dict(self.rows), self.api_requests, self.retries,
            self.rejected, self.error[:2000], __version__, socket.gethostname(), self.org_name,
        ]  # fmt: skip


def record(storage: Storage, run: RunRecord) -> None:
    storage.client.insert(f"{storage.db}.meta_job_runs", [run.as_row()], column_names=list(COLUMNS))


def last_success(storage: Storage) -> datetime | None:
    rows = storage.client.query(
        f"SELECT max(finished_at) FROM {storage.db}.meta_job_runs "
        "WHERE job = {job:String} AND status = 'success' HAVING count() > 0",
        parameters={"job": JOB},
    ).result_rows
    return rows[0][0] if rows else None
