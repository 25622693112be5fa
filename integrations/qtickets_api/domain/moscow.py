"""Moscow time: the zone QTickets writes its timestamps in and reads its ``where`` date values in.

The loader, the probe and the facts share this one definition, so that "the API's zone" cannot drift
between them.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

MOSCOW = ZoneInfo("Europe/Moscow")


def api_datetime(moment: datetime) -> str:
    """A ``where`` value for a date column as the contract documents it: ``YYYY-MM-DD HH:MM:SS``, Moscow time."""
    return moment.astimezone(MOSCOW).strftime("%Y-%m-%d %H:%M:%S")


def aware(moment: datetime | None) -> datetime | None:
    """A timestamp the API sent without an offset is Moscow time."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=MOSCOW)
    return moment
