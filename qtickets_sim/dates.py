"""Time helpers: epoch seconds inside the simulator, ISO-8601 strings on the wire."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

# Moscow has been UTC+3 all year since 2014, so a fixed offset is exact for the whole history.
MSK = timezone(timedelta(hours=3))
MOSCOW = ZoneInfo("Europe/Moscow")
HISTORY_START = datetime(2021, 5, 1, 0, 0, tzinfo=MSK)
DAY = 86_400
HOUR = 3_600
MINUTE = 60

_SQL_DATETIME = re.compile(
    r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.\d+)?)?)?"
    r"(?:Z|[+-]\d{2}(?::?\d{2})?)?\s*$"
)


def iso_msk(ts: int) -> str:
    """Epoch seconds as an ISO-8601 string in Moscow time: ``2025-11-01T10:05:00+03:00``."""
    return datetime.fromtimestamp(ts, MSK).isoformat()


def iso_local(ts: int, tz: ZoneInfo) -> str:
    """Epoch seconds as an ISO-8601 string with the offset of ``tz`` at that instant."""
    return datetime.fromtimestamp(ts, tz).isoformat()


def to_ts(moment: datetime) -> int:
    """Whole epoch seconds of an aware datetime (naive ones are taken as Moscow time)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=MOSCOW)
    return int(moment.timestamp())


def msk_key(text: str) -> str:
    """The Moscow wall-clock time of an ISO string as ``YYYY-MM-DDTHH:MM:SS`` (sorts like the instant)."""
    if len(text) == 25 and text.endswith("+03:00"):
        return text[:19]
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is not None:
        moment = moment.astimezone(MSK)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def sql_datetime_key(text: str) -> str:
    """A ``where`` value read the way MySQL reads a string compared with a DATETIME column.

    The date-time part is taken as Moscow wall-clock time; a trailing offset or ``Z`` is ignored, as MySQL does.
    Raises ValueError when the string is not a date.
    """
    match = _SQL_DATETIME.match(text)
    if match is None:
        raise ValueError(f"not a datetime: {text!r}")
    year, month, day, hour, minute, second = (int(part) if part else 0 for part in match.groups())
    moment = datetime(year, month, day, hour, minute, second)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def key_number(key: str) -> int:
    """A ``YYYY-MM-DDTHH:MM:SS`` key as the number MySQL compares a DATETIME with: YYYYMMDDHHMMSS."""
    return int(key[0:4] + key[5:7] + key[8:10] + key[11:13] + key[14:16] + key[17:19])


__all__ = [
    "DAY",
    "HISTORY_START",
    "HOUR",
    "MINUTE",
    "MOSCOW",
    "MSK",
    "iso_local",
    "iso_msk",
    "key_number",
    "msk_key",
    "sql_datetime_key",
    "to_ts",
]
