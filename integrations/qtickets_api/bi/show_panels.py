"""Panels about shows rather than sale days: pace against a comparable show and the plan, sell-through of live
shows (by show and by zone), attendance of past shows and the plan against the sales.

Capacity QTickets does not give (exhibitions sold by tariff) stays NULL all the way to the page, which says
"неизвестно": an unknown is never turned into 0 % sold.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .filters import Filters
from .panel import (
    SERIES_LABELS,
    SHOW_ZONE,
    Column,
    Panel,
    Reader,
    Row,
    as_rows,
    ratio,
    register,
    scope_where,
    with_zone_labels,
)
from .tables import EVENTS, SALES_DETAIL, SHOWS

UNKNOWN = "неизвестно"
SHOW_COLUMNS = (
    Column("show_id", "ID сеанса", "id"),
    Column("event_id", "ID мероприятия", "id"),
    Column("event_name", "Мероприятие", "text"),
    Column("city", "Город", "text"),
    Column("show_start_local", "Начало (время площадки)", "datetime_local"),
)


def _pick_show(reader: Reader, filters: Filters) -> int:
    """The show whose pace to draw: the chosen one; else the chosen event's (or any) live show with the most
    tickets sold; else the latest show with sales."""
    if filters.show_id:
        return filters.show_id
    db = reader.db
    live = reader.rows(
        f"SELECT show_id FROM {db}.bi_sell_through WHERE {scope_where()} ORDER BY sold DESC, show_id LIMIT 1",
        filters.params(),
    )
    if live:
        return int(live[0][0])
    past = reader.rows(
        f"""
        SELECT show_id FROM {db}.{SALES_DETAIL} WHERE {scope_where()} AND show_start IS NOT NULL
        GROUP BY show_id ORDER BY max(show_start) DESC LIMIT 1
        """,
        filters.params(),
    )
    return int(past[0][0]) if past else 0


BASES = (
    "то же мероприятие",
    "тот же город и день недели",
    "тот же город",
    "другой прошедший сеанс",
)


def _comparable(reader: Reader, show_id: int) -> tuple[int, str]:
    """The most similar show that has taken place, had sales and started before this one: of the same event
    first, then in the same city on the same weekday (the venue's), then in the same city, then any; the latest of
    the best. Returns (show id, why it was chosen), (0, '') when there is none."""
    db = reader.db
    shows = reader.rows(
        f"""
        SELECT s.show_id, s.event_id, e.city_name, s.start_date, s.start_local
        FROM (SELECT show_id, event_id, start_date, start_local FROM {db}.{SHOWS} FINAL
              WHERE deleted_at IS NULL AND start_date IS NOT NULL) AS s
        LEFT JOIN (SELECT event_id, city_name FROM {db}.{EVENTS} FINAL) AS e ON e.event_id = s.event_id
        WHERE s.show_id = {{show_id:UInt64}}
           OR s.show_id IN (SELECT DISTINCT show_id FROM {db}.{SALES_DETAIL} WHERE tickets > 0)
        """,
        {"show_id": show_id},
    )
    found = [
        (int(r[0]), r[1], r[2], r[3] if r[3].tzinfo else r[3].replace(tzinfo=UTC), (r[4] or r[3]).isoweekday())
        for r in shows
    ]
    me = next((row for row in found if row[0] == show_id), None)
    if me is None:
        return 0, ""
    now = datetime.now(UTC)
    earlier = [row for row in found if row[0] != show_id and row[3] < now and row[3] < me[3]]
    if not earlier:
        return 0, ""

    def rank(row: tuple[Any, ...]) -> int:
        if row[1] == me[1]:
            return 0
        if row[2] == me[2] and row[4] == me[4]:
            return 1
        return 2 if row[2] == me[2] else 3

    best = min(earlier, key=lambda row: (rank(row), -row[3].timestamp()))
    return int(best[0]), BASES[rank(best)]


def _plan_row(reader: Reader, filters: Filters, event_id: int, show_id: int) -> tuple[int, Any] | None:
    """The show's own target (a whole-run plan row for this show); with ``plan=split``, the event's whole-run
    target split evenly across its shows when the show has none. None: no plan (the page says «нет плана»)."""
    db = reader.db
    latest = f"loaded_at = (SELECT max(loaded_at) FROM {db}.bi_plan) AND plan_date IS NULL"
    own = reader.rows(
        f"SELECT target_tickets, target_revenue FROM {db}.bi_plan FINAL WHERE {latest}"
        " AND event_id = {event_id:UInt64} AND show_id = {show_id:UInt64} LIMIT 1",
        {"event_id": event_id, "show_id": show_id},
    )
    if own:
        return int(own[0][0]), own[0][1]
    if filters.get("plan") != "split":
        return None
    whole = reader.rows(
        f"""
        SELECT target_tickets, target_revenue,
               (SELECT count() FROM {db}.{SHOWS} FINAL WHERE event_id = {{event_id:UInt64}} AND deleted_at IS NULL)
        FROM {db}.bi_plan FINAL WHERE {latest} AND event_id = {{event_id:UInt64}} AND show_id = 0 LIMIT 1
        """,
        {"event_id": event_id},
    )
    if not whole or not whole[0][2]:
        return None
    shows = int(whole[0][2])
    return round(int(whole[0][0]) / shows), whole[0][1] / shows


def _pace(reader: Reader, filters: Filters) -> list[Row]:
    show_id = _pick_show(reader, filters)
    if not show_id:
        return []
    basis = "выбран вручную"
    compare = int(filters.get("compare_show_id") or 0)
    if filters.get("compare") == "none":
        compare, basis = 0, ""
    elif not compare:
        compare, basis = _comparable(reader, show_id)
    db = reader.db
    # straight from the fact for the two shows (the bi_pace view computes every show's curve, for BI tools)
    rows = reader.rows(
        f"""
        SELECT show_id, any(event_id), any(event_name), any(city), any(show_start) AS start,
               toInt32(dateDiff('day', sales_date, toDate(assumeNotNull(show_start)))) AS days_before,
               sum(tickets), sum(revenue), any(show_start_local), any(show_timezone)
        FROM {db}.{SALES_DETAIL}
        WHERE show_id IN ({{show_id:UInt64}}, {{compare:UInt64}}) AND show_start IS NOT NULL
        GROUP BY show_id, days_before
        ORDER BY show_id, days_before DESC
        """,
        {"show_id": show_id, "compare": compare},
    )
    capacity = {
        int(r[0]): r[1]
        for r in reader.rows(
            f"SELECT show_id, capacity FROM {db}.bi_show_capacity WHERE show_id IN ({{a:UInt64}}, {{b:UInt64}})",
            {"a": show_id, "b": compare},
        )
    }
    out: list[Row] = []
    running: dict[int, tuple[int, Any]] = {}
    for sid, event_id, event_name, city, start, days_before, tickets, revenue, start_local, tz in rows:
        sid = int(sid)
        total_tickets, total_revenue = running.get(sid, (0, 0))
        total_tickets, total_revenue = total_tickets + int(tickets), total_revenue + revenue
        running[sid] = (total_tickets, total_revenue)
        cap = capacity.get(sid)
        out.append(
            {
                "series": "current" if sid == show_id else "compare",
                "show_id": sid,
                "event_id": int(event_id),
                "event_name": event_name,
                "city": city,
                "show_start_msk": start,
                "show_start_local": start_local,
                "show_timezone": tz,
                "compare_basis": "" if sid == show_id else basis,
                "days_before": int(days_before),
                "tickets_cum": total_tickets,
                "revenue_cum": total_revenue,
                "capacity": cap,
                "capacity_share_cum": ratio(total_tickets, cap),
            }
        )
    with_zone_labels(out)
    current = next((r for r in out if r["series"] == "current"), None)
    if current is None:
        return out
    plan = _plan_row(reader, filters, current["event_id"], show_id)
    if plan is not None:
        out.append(
            {
                **current,
                "series": "plan",
                "days_before": 0,
                "tickets_cum": plan[0],
                "revenue_cum": plan[1],
                "capacity_share_cum": ratio(plan[0], current["capacity"]),
            }
        )
    return out


register(
    Panel(
        "pace",
        "Темп продаж до начала",
        (
            Column("series", "Ряд", "text", labels=SERIES_LABELS),
            Column("show_id", "ID сеанса", "id"),
            Column("event_id", "ID мероприятия", "id"),
            Column("event_name", "Мероприятие", "text"),
            Column("city", "Город", "text"),
            Column("show_start_msk", "Начало (МСК)", "datetime_msk"),
            Column("show_start_local", "Начало (время площадки)", "datetime_local"),
            SHOW_ZONE,
            Column("compare_basis", "Почему этот сеанс для сравнения", "text"),
            Column("days_before", "Дней до начала"),
            Column("tickets_cum", "Билеты нарастающим итогом"),
            Column("revenue_cum", "Выручка нарастающим итогом, ₽", "money"),
            Column("capacity", "Вместимость", unknown=UNKNOWN),
            Column("capacity_share_cum", "Продано от вместимости, %", "share", unknown=UNKNOWN),
        ),
        _pace,
        extra={"compare_show_id": None, "compare": frozenset({"none"}), "plan": frozenset({"show", "split"})},
        uses_dates=False,
    )
)


def _sell_through(reader: Reader, filters: Filters) -> list[Row]:
    rows = reader.rows(
        f"""
        SELECT show_id, event_id, event_name, city, show_start_local, show_timezone, capacity, sold, reserved, left,
               sold_share
        FROM {reader.db}.bi_sell_through WHERE {scope_where()}
        ORDER BY show_start_msk, show_id
        """,
        filters.params(),
    )
    names = ["show_id", "event_id", "event_name", "city", "show_start_local", "show_timezone", "capacity", "sold"]
    return with_zone_labels(as_rows([*names, "reserved", "left", "sold_share"], rows))


register(
    Panel(
        "sell_through",
        "Заполняемость предстоящих сеансов",
        (
            *SHOW_COLUMNS,
            SHOW_ZONE,
            Column("capacity", "Вместимость", unknown=UNKNOWN),
            Column("sold", "Продано"),
            Column("reserved", "Забронировано"),
            Column("left", "Осталось", unknown=UNKNOWN),
            Column("sold_share", "Продано, %", "share", unknown=UNKNOWN),
        ),
        _sell_through,
        uses_dates=False,
    )
)


def _sell_through_zones(reader: Reader, filters: Filters) -> list[Row]:
    rows = reader.rows(
        f"""
        SELECT show_id, event_name, zone_name, zone, capacity, sold, reserved, left, sold_share
        FROM {reader.db}.bi_sell_through_zones WHERE {scope_where()}
        ORDER BY show_start_msk, show_id, zone
        """,
        filters.params(),
    )
    names = ["show_id", "event_name", "zone", "zone_code", "capacity", "sold", "reserved", "left", "sold_share"]
    return as_rows(names, rows)


register(
    Panel(
        "sell_through_zones",
        "Заполняемость по зонам",
        (
            Column("show_id", "ID сеанса", "id"),
            Column("event_name", "Мероприятие", "text"),
            Column("zone", "Тариф / зона", "text"),
            Column("zone_code", "Код тарифа / зоны", "id"),
            Column("capacity", "Вместимость", unknown=UNKNOWN),
            Column("sold", "Продано"),
            Column("reserved", "Забронировано"),
            Column("left", "Осталось", unknown=UNKNOWN),
            Column("sold_share", "Продано, %", "share", unknown=UNKNOWN),
        ),
        _sell_through_zones,
        uses_dates=False,
    )
)


def _attendance(reader: Reader, filters: Filters) -> list[Row]:
    # the period applies to the show's own date (venue time), filtered before grouping so the scan stays small
    rows = reader.rows(
        f"""
        SELECT show_id, any(event_id), any(event_name), any(city), any(show_start_local), sum(tickets) AS sold,
               sum(tickets_scanned) AS scanned, if(sold > 0, scanned / sold, NULL)
        FROM {reader.db}.{SALES_DETAIL}
        WHERE show_start IS NOT NULL AND show_start <= now64(3)
          AND toDate(show_start_local) BETWEEN {{date_from:Date}} AND {{date_to:Date}} AND {scope_where()}
        GROUP BY show_id ORDER BY any(show_start) DESC, show_id
        """,
        filters.params(),
    )
    return as_rows(["show_id", "event_id", "event_name", "city", "show_start_local", "sold", "scanned", "share"], rows)


register(
    Panel(
        "attendance",
        "Посещаемость прошедших сеансов (по дате сеанса)",
        (
            *SHOW_COLUMNS,
            Column("sold", "Продано"),
            Column("scanned", "Прошли на вход"),
            Column("share", "Посещаемость, %", "share"),
        ),
        _attendance,
    )
)


def _plan(reader: Reader, filters: Filters) -> list[Row]:
    rows = reader.rows(
        f"""
        SELECT event_id, show_id, event_name, city, plan_date, target_tickets, fact_tickets, tickets_share,
               target_revenue, fact_revenue, revenue_share
        FROM {reader.db}.bi_plan_vs_fact
        WHERE ({{city:String}} = '' OR city = {{city:String}})
          AND ({{event_id:UInt64}} = 0 OR event_id = {{event_id:UInt64}})
          AND ({{show_id:UInt64}} = 0 OR show_id IN (0, {{show_id:UInt64}}))
        ORDER BY event_id, show_id, plan_date
        """,
        filters.params(),
    )
    names = ["event_id", "show_id", "event_name", "city", "plan_date", "target_tickets", "fact_tickets"]
    return as_rows([*names, "tickets_share", "target_revenue", "fact_revenue", "revenue_share"], rows)


register(
    Panel(
        "plan",
        "План и факт",
        (
            Column("event_id", "ID мероприятия", "id"),
            Column("show_id", "ID сеанса (0 = всё мероприятие)", "id"),
            Column("event_name", "Мероприятие", "text"),
            Column("city", "Город", "text"),
            Column("plan_date", "К дате", "date"),
            Column("target_tickets", "План, билеты"),
            Column("fact_tickets", "Факт, билеты"),
            Column("tickets_share", "Выполнение по билетам, %", "share"),
            Column("target_revenue", "План, ₽", "money"),
            Column("fact_revenue", "Факт, ₽", "money"),
            Column("revenue_share", "Выполнение по выручке, %", "share"),
        ),
        _plan,
        uses_dates=False,
    )
)
