"""One row in ``meta_job_runs`` per ad loader run (``job`` = ``yandex_direct`` or ``vk_ads``), success or failure."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from integrations.qtickets_api._version import __version__
from integrations.qtickets_api.storage import schema
from integrations.qtickets_api.storage.connection import Storage

MOSCOW = ZoneInfo("Europe/Moscow")


@dataclass
class AdRun:
    run_id: str
    job: str
    started_at: datetime
    first: date
    last: date
    org_name: str = ""
    status: str = "running"
    rows: dict[str, int] = field(default_factory=dict)
    api_requests: int = 0
    retries: int = 0
    error: str = ""

    def as_row(self, finished_at: datetime) -> list[object]:
        since = datetime.combine(self.first, time(0), MOSCOW).astimezone(UTC)
        until = datetime.combine(self.last, time(23, 59, 59), MOSCOW).astimezone(UTC)
        return [
            self.run_id,
            self.job,
            self.started_at,
            finished_at,
            self.status,
            since,
            until,
            dict(self.rows),
            self.api_requests,
            self.retries,
            0,
            self.error[:2000],
            __version__,
            socket.gethostname(),
            self.org_name,
        ]


def record(storage: Storage, run: AdRun, finished_at: datetime | None = None) -> None:
    storage.insert(schema.JOB_RUNS.name, [run.as_row(finished_at or datetime.now(UTC))], schema.JOB_RUNS.columns)


__all__ = ["AdRun", "record"]
