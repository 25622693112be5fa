"""Panel values as the API's JSON carries them and as the CSV writes them for Excel (ru-RU).

JSON keeps numbers as numbers and times explicit: a Moscow time carries its offset, a venue's wall-clock time
carries none (it is read as written, never converted). The CSV writes what the page shows: decimal commas,
дд.мм.гггг dates, percentages, and "неизвестно" where a capacity is unknown.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from ..bi.panel import Column
from ..domain.moscow import MOSCOW

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def json_value(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.kind == "money":
        return float(value)
    if column.kind in ("share", "minutes"):
        return float(value)
    if column.kind == "datetime_msk" and isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(MOSCOW).isoformat(timespec="seconds")
    if column.kind == "datetime_local" and isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def csv_value(column: Column, value: Any) -> str:
    if value is None:
        return column.unknown
    kind = column.kind
    if kind == "money":
        return f"{Decimal(str(value)):.2f}".replace(".", ",")
    if kind == "share":
        return f"{float(value) * 100:.1f}".replace(".", ",")
    if kind == "minutes":
        return f"{float(value):.1f}".replace(".", ",")
    if kind == "date" and isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if kind == "datetime_msk" and isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M")
    if kind == "datetime_local" and isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, bool):
        return "да" if value else "нет"
    text = column.label(str(value))
    # a cell Excel would run as a formula (an event name or a UTM tag from a link can be anything)
    return "'" + text if text.startswith(_FORMULA_START) else text
