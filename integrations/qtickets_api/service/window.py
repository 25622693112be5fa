"""The window of a scheduled run: from the end of the last successful run's window (so that a service that was
down catches up), but never shorter than the default look-back (so that late changes inside it are seen again)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ..storage import Storage, schema


def last_success_window_end(storage: Storage) -> datetime | None:
    rows = storage.rows(
        f"SELECT max(window_until) FROM {storage.db}.{schema.JOB_RUNS} "
        "WHERE job = 'qtickets_api' AND status = 'success' HAVING count() > 0"
    )
    if not rows or rows[0][0] is None:
        return None
    end: datetime = rows[0][0]
    return end if end.tzinfo else end.replace(tzinfo=UTC)


def scheduled_window(
    last_end: datetime | None, *, look_back_hours: float, now: datetime | None = None
) -> tuple[datetime, datetime]:
    until = (now or datetime.now(UTC)).replace(microsecond=0)
    since = until - timedelta(hours=look_back_hours)
    if last_end is not None and last_end < since:
        since = last_end
    return since, until
