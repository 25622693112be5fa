"""``meta_loader_state``: the loader's small key/value state (the fact rebuild's watermark)."""

from __future__ import annotations

from datetime import datetime

from . import schema
from .connection import Storage


def set_state(storage: Storage, key: str, value: str, at: datetime) -> None:
    storage.insert(schema.LOADER_STATE.name, [[key, value, at]], schema.LOADER_STATE.columns)


def get_state(storage: Storage, key: str) -> str | None:
    rows = storage.rows(
        f"SELECT argMax(value, updated_at) FROM {storage.db}.{schema.LOADER_STATE} "
        "WHERE key = {k:String} GROUP BY key",
        {"k": key},
    )
    return str(rows[0][0]) if rows else None
