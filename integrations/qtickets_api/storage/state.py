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


def stamp_state(storage: Storage, key: str, value: str) -> None:
    """``set_state`` stamped by the server: the latest value wins whichever host's clock is behind."""
    storage.command(
        f"INSERT INTO {storage.db}.{schema.LOADER_STATE} (key, value, updated_at) "
        "SELECT {key:String}, {value:String}, now64(6)",
        {"key": key, "value": value},
    )


__all__ = ["get_state", "set_state", "stamp_state"]
