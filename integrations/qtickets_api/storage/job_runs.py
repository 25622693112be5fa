"""``meta_job_runs``: one row per finished run (success or failure), for monitoring and freshness."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from datetime import datetime

from . import schema
from .connection import Storage

JOB = "qtickets_api"


@dataclass
class RunRecord:
    run_id: str
    started_at: datetime
    window_since: datetime
    window_until: datetime
    org_name: str = ""
    loader_version: str = ""
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
            self.rejected, self.error[:2000], self.loader_version, socket.gethostname(), self.org_name,
        ]  # fmt: skip


def record(storage: Storage, run: RunRecord) -> None:
    storage.insert(schema.JOB_RUNS.name, [run.as_row()], schema.JOB_RUNS.columns)


def last_success(storage: Storage) -> datetime | None:
    rows = storage.rows(
        f"SELECT max(finished_at) FROM {storage.db}.{schema.JOB_RUNS} "
        "WHERE job = {job:String} AND status = 'success' HAVING count() > 0",
        {"job": JOB},
    )
    return rows[0][0] if rows else None
