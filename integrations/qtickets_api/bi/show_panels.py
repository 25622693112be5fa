"""Panels about shows rather than sale days: pace against a comparable show and the plan, sell-through of live
shows (by show and by zone), attendance of past shows and the plan against the sales.

Capacity QTickets does not give (exhibitions sold by tariff) stays NULL all the way to the page, which says
"неизвестно": an unknown is never turned into 0 % sold.
"""

from __future__ import annotations

from .filters import Filters
from .panel import Column, Panel, Reader, Row, as_rows, register, sales_where, scope_where
from .tables import SALES_DETAIL

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


def _comparable(reader: Reader, show_id: int) -> int:
    """An earlier show to compare with: the latest one that has taken place, of the same event if there is
    one, else in the same city, else anywhere."""
    rows = reader.rows(
        f"""
        WITH (SELECT (any(event_id), any(city), any(show_start)) FROM {reader.db}.{SALES_DETAIL}
              WHERE show_id = {{show_id:UInt64}}) AS me
        SELECT show_id FROM {reader.db}.{SALES_DETAIL}
        WHERE show_id != {{show_id:UInt64}} AND show_start IS NOT NULL AND show_start < now64(3)
          AND (me.3 IS NULL OR show_start < me.3)
        GROUP BY show_id
        ORDER BY any(event_id) = me.1 DESC, any(city) = me.2 DESC, max(show_start) DESC
        LIMIT 1
        """,
        {"show_id": show_id},
    )
    return int(rows[0][0]) if rows else 0


def _pace(reader: Reader, filters: Filters) -> list[Row]:
    show_id = _pick_show(reader, filters)
    if not show_id:
        return []
    compare = int(filters.get("compare_show_id") or 0) or _comparable(reader, show_id)
    rows = reader.rows(
        f"""
        SELECT show_id, event_name, city, show_start_msk, days_before, tickets_cum, revenue_cum, capacity,
               capacity_share_cum
        FROM {reader.db}.bi_pace WHERE show_id IN ({{show_id:UInt64}}, {{compare:UInt64}})
        ORDER BY show_id, days_before DESC
        """,
        {"show_id": show_id, "compare": compare},
    )
    names = ["show_id", "event_name", "city", "show_start_msk", "days_before", "tickets_cum", "revenue_cum"]
    out = as_rows([*names, "capacity", "capacity_share_cum"], rows)
    for row in out:
        row["series"] = "current" if row["show_id"] == show_id else "compare"
    plan = reader.rows(
        f"""
        SELECT target_tickets, target_revenue FROM {reader.db}.bi_plan_vs_fact
        WHERE plan_date IS NULL AND (show_id = {{show_id:UInt64}}
              OR (show_id = 0 AND event_id = (SELECT any(event_id) FROM {reader.db}.{SALES_DETAIL}
                                              WHERE show_id = {{show_id:UInt64}})))
        ORDER BY show_id DESC LIMIT 1
        """,
        {"show_id": show_id},
    )
    if plan:
        first = next((r for r in out if r["series"] == "current"), None)
        out.append(
            {
                "series": "plan",
                "show_id": show_id,
                "event_name": first["event_name"] if first else "",
                "city": first["city"] if first else "",
                "show_start_msk": first["show_start_msk"] if first else None,
                "days_before": 0,
                "tickets_cum": int(plan[0][0]),
                "revenue_cum": plan[0][1],
                "capacity": first["capacity"] if first else None,
                "capacity_share_cum": None,
            }
        )
    return out


register(
    Panel(
        "pace",
        "Темп продаж до начала",
        (
            Column("series", "Ряд", "text"),
            Column("show_id", "ID сеанса", "id"),
            Column("event_name", "Мероприятие", "text"),
            Column("city", "Город", "text"),
            Column("show_start_msk", "Начало (МСК)", "datetime_msk"),
            Column("days_before", "Дней до начала"),
            Column("tickets_cum", "Билеты нарастающим итогом"),
            Column("revenue_cum", "Выручка нарастающим итогом, ₽", "money"),
            Column("capacity", "Вместимость", unknown=UNKNOWN),
            Column("capacity_share_cum", "Продано от вместимости, %", "share", unknown=UNKNOWN),
        ),
        _pace,
        extra={"compare_show_id": None},
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
    return as_rows([*names, "reserved", "left", "sold_share"], rows)


register(
    Panel(
        "sell_through",
        "Заполняемость предстоящих сеансов",
        (
            *SHOW_COLUMNS,
            Column("show_timezone", "Часовой пояс площадки", "text"),
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
        SELECT show_id, event_name, zone, capacity, sold, reserved, left, sold_share
        FROM {reader.db}.bi_sell_through_zones WHERE {scope_where()}
        ORDER BY show_start_msk, show_id, zone
        """,
        filters.params(),
    )
    return as_rows(["show_id", "event_name", "zone", "capacity", "sold", "reserved", "left", "sold_share"], rows)


register(
    Panel(
        "sell_through_zones",
        "Заполняемость по зонам",
        (
            Column("show_id", "ID сеанса", "id"),
            Column("event_name", "Мероприятие", "text"),
            Column("zone", "Тариф / зона", "text"),
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
    rows = reader.rows(
        f"""
        SELECT show_id, event_id, event_name, city, show_start_local, sold, scanned, attendance_share
        FROM {reader.db}.bi_attendance WHERE {sales_where(date_column="show_date")}
        ORDER BY show_start_msk DESC, show_id
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
