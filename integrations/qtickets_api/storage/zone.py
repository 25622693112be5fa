"""The report zone is part of the schema: the facts' timestamp columns carry it in their types (``{tz}`` in the
migrations), so the dates they give follow it. A later change of ``TZ`` would leave old columns in the old zone
and mix two calendars; the start stops instead, with one line that says what to do."""

from __future__ import annotations

import re

from ..errors import ConfigError
from .connection import Storage

_ZONE = re.compile(r"DateTime64\(\d+, '([^']+)'\)")


def built_zones(storage: Storage) -> dict[str, str]:
    """``table.column`` → the zone of every zoned timestamp column of the warehouse, except UTC bookkeeping."""
    rows = storage.rows(
        "SELECT table, name, type FROM system.columns "
        "WHERE database = {db:String} AND type LIKE '%DateTime64(%, ''%'')%'",
        {"db": storage.db},
    )
    found = {}
    for table, column, kind in rows:
        match = _ZONE.search(kind)
        if match and match.group(1) != "UTC":
            found[f"{table}.{column}"] = match.group(1)
    return found


def check(storage: Storage, tz: str) -> None:
    """Refuse to go on when the warehouse was built for another report zone."""
    other = sorted({zone for zone in built_zones(storage).values() if zone != tz})
    if other:
        raise ConfigError(
            f"the warehouse {storage.db} was built for TZ={other[0]}, but the settings say TZ={tz}",
            f"set TZ={other[0]} back in the env file, or load into a new database (CLICKHOUSE_DB) with TZ={tz} "
            "and switch to it once it is full",
        )
