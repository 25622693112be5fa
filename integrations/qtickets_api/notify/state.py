"""``meta_alert_state``: per alert key, the condition as last evaluated and what the chats were last told."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from ..storage import schema
from ..storage.connection import Storage

TABLE = schema.ALERT_STATE.name
COLUMNS = schema.ALERT_STATE.columns


@dataclass(frozen=True)
class AlertState:
    key: str
    active: bool
    notified: bool
    since: datetime
    detail: str = ""


def load(storage: Storage) -> dict[str, AlertState]:
    rows = storage.rows(
        f"SELECT alert_key, active, notified, since, detail FROM {storage.db}.{TABLE} FINAL "
        "WHERE NOT startsWith(alert_key, 'digest:')"
    )
    return {str(k): AlertState(str(k), bool(a), bool(n), _utc(s), str(d)) for k, a, n, s, d in rows}


def save(storage: Storage, states: Iterable[AlertState], now: datetime) -> None:
    rows = [[s.key, int(s.active), int(s.notified), s.since, s.detail[:2000], now] for s in states]
    if rows:
        storage.insert(TABLE, rows, COLUMNS)


def digest_sent(storage: Storage, day: str) -> bool:
    rows = storage.rows(
        f"SELECT count() FROM {storage.db}.{TABLE} FINAL WHERE alert_key = {{key:String}} AND notified = 1",
        {"key": f"digest:{day}"},
    )
    return bool(rows and rows[0][0])


def mark_digest(storage: Storage, day: str, now: datetime, detail: str = "") -> None:
    save(storage, [AlertState(f"digest:{day}", False, True, now, detail)], now)


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
