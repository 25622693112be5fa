"""The sales curve of every show, from the sales detail (sold tickets by sale day) and the shows' dates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, tzinfo
from typing import Any, Protocol

from ..storage import schema
from .pickup import Curve


class Reader(Protocol):
    """A ClickHouse connection's read side (``storage.Storage`` is one)."""

    db: str

    def rows(self, sql: str, parameters: dict[str, Any] | None = None) -> list[Sequence[Any]]: ...


def read_curves(reader: Reader, zone: tzinfo) -> list[Curve]:
    """Every show that has sales or has not started, with its daily sales (the facts' days are in ``zone``)."""
    db = reader.db
    shows = reader.rows(
        f"""
        SELECT s.show_id, s.event_id, ifNull(e.city_name, ''), ifNull(e.name, ''), s.start_date,
               ifNull(s.finish_date, s.start_date), s.start_local, c.capacity
        FROM (SELECT show_id, event_id, start_date, finish_date, start_local
              FROM {db}.{schema.SHOWS} FINAL WHERE deleted_at IS NULL AND start_date IS NOT NULL) AS s
        LEFT JOIN (SELECT event_id, name, city_name FROM {db}.{schema.EVENTS} FINAL) AS e ON e.event_id = s.event_id
        LEFT JOIN {db}.bi_show_capacity AS c ON c.show_id = s.show_id
        SETTINGS join_use_nulls = 1
        """
    )
    curves: dict[int, Curve] = {}
    for show_id, event_id, city, name, start, finish, local, capacity in shows:
        curves[int(show_id)] = Curve(
            int(show_id), int(event_id), str(city), str(name), _day(start, zone), _day(finish, zone),
            local.replace(tzinfo=None) if isinstance(local, datetime) else None,
            int(capacity) if capacity else None,
        )  # fmt: skip
    for show_id, sales_date, tickets, revenue in reader.rows(
        f"""
        SELECT show_id, sales_date, sum(tickets), sum(revenue) FROM {db}.{schema.SALES_DETAIL}
        GROUP BY show_id, sales_date
        """
    ):
        curve = curves.get(int(show_id))
        if curve is not None:
            curve.daily[sales_date] = (int(tickets), float(revenue))
    return list(curves.values())


def _day(moment: datetime, zone: tzinfo) -> date:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone).date()


__all__ = ["Reader", "read_curves"]
