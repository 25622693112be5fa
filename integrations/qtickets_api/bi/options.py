"""What the filter lists offer: the cities, events and shows that have sales or are on sale."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .panel import Reader, zone_label
from .tables import SALES_DETAIL


def filter_options(reader: Reader) -> dict[str, list[dict[str, Any]]]:
    db = reader.db
    shows = reader.rows(
        f"""
        SELECT show_id, any(event_id), any(event_name), any(city), any(show_start_local), max(show_start),
               any(show_timezone)
        FROM
        (
            SELECT show_id, event_id, event_name, city, show_start_local, show_start, show_timezone
            FROM {db}.{SALES_DETAIL}
            UNION ALL
            SELECT show_id, event_id, event_name, city, show_start_local, show_start_msk, show_timezone
            FROM {db}.bi_sell_through
        )
        GROUP BY show_id ORDER BY max(show_start) DESC, show_id
        """
    )
    now = datetime.now(UTC)
    events: dict[int, dict[str, Any]] = {}
    for show_id, event_id, event_name, city, *_ in shows:
        event = events.setdefault(int(event_id), {"event_id": int(event_id), "event_name": event_name, "city": city})
        event.setdefault("shows", []).append(int(show_id))
    return {
        "cities": [{"city": city} for city in sorted({str(row[3]) for row in shows if row[3]})],
        "events": sorted(events.values(), key=lambda e: (str(e["event_name"]), e["event_id"])),
        "shows": [
            {
                "show_id": int(row[0]),
                "event_id": int(row[1]),
                "event_name": row[2],
                "city": row[3],
                "show_start_local": row[4].strftime("%Y-%m-%dT%H:%M") if row[4] else None,
                "show_zone": zone_label(str(row[6] or ""), row[4]),
                # a show that has started: one the pace panel can compare with (compare_show_id)
                "past": bool(row[5] and _aware(row[5]) <= now),
            }
            for row in shows
        ],
    }


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


__all__ = ["filter_options"]
