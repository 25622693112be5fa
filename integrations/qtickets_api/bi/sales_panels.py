"""Panels over sales by sale date: KPI tiles, revenue per day, top cities / events / shows, zone mix, promo codes,
UTM, the hour x weekday heatmap and refunds by refund date.

Orders are merged from the fact's exact order sets (``uniqExactMerge``), so an order with tickets in two zones or
shows counts once at any grain; every ratio is sum(a) / sum(b) over the rows that match.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from ..errors import FilterError
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
    sales_where,
    with_zone_labels,
)
from .tables import REFUNDS_DAILY, SALES_DETAIL

MEASURES = "sum(tickets) AS tickets, sum(revenue) AS revenue, uniqExactMerge(orders_state) AS orders"
TICKETS = Column("tickets", "Билеты")
REVENUE = Column("revenue", "Выручка, ₽", "money")
ORDERS = Column("orders", "Заказы")
AVG_PRICE = Column("avg_price", "Средняя цена билета, ₽", "money")


NET_TICKETS = Column("tickets", "Продано (без возвратов), билеты")
NET_REVENUE = Column("revenue", "Продано (без возвратов), ₽", "money")
GROSS_TICKETS = Column("gross_tickets", "Оплачено, билеты")
GROSS_REVENUE = Column("gross_revenue", "Оплачено, ₽", "money")
REFUNDS = Column("refunds", "Возвраты, билеты")
REFUND_AMOUNT = Column("refund_amount", "Возвраты, ₽", "money")
CASH_REVENUE = Column("cash_revenue", "Касса, ₽", "money")
ZERO = Decimal(0)
Sums = dict[tuple[Any, ...], tuple[int, Any]]  # key columns -> (tickets, money)


def _refunded_by_sale_day(reader: Reader, filters: Filters, keys: str, key_count: int) -> Sums:
    """Tickets paid on a day of the period and refunded later (by sale date): what «Оплачено» adds back to the
    tickets still valid. ``keys`` are columns of ours (the refunds fact's), never a request's."""
    rows = reader.rows(
        f"""
        SELECT {keys}, sum(refunds), sum(refunded_revenue) FROM {reader.db}.{REFUNDS_DAILY}
        WHERE {sales_where(date_column="sales_date")} GROUP BY {keys}
        """,
        filters.params(),
    )
    return {tuple(r[:key_count]): (int(r[key_count]), r[key_count + 1]) for r in rows}


def _refunds_by_refund_day(reader: Reader, filters: Filters, keys: str, key_count: int) -> Sums:
    """Refunds made on a day of the period (by refund date): «Возвраты»."""
    rows = reader.rows(
        f"""
        SELECT {keys}, sum(refunds), sum(refund_amount) FROM {reader.db}.{REFUNDS_DAILY}
        WHERE {sales_where(date_column="refund_date")} GROUP BY {keys}
        """,
        filters.params(),
    )
    return {tuple(r[:key_count]): (int(r[key_count]), r[key_count + 1]) for r in rows}


def _kpi(reader: Reader, filters: Filters) -> list[Row]:
    db = reader.db
    prev = filters.previous() if filters.get("compare", "previous") == "previous" else None
    start = prev.date_from if prev else filters.date_from
    params = {**filters.params(), "date_from": start, "current_from": filters.date_from}
    cur = "sales_date >= {current_from:Date}"
    sales = reader.rows(
        f"""
        SELECT sumIf(tickets, {cur}), sumIf(revenue, {cur}), uniqExactMergeIf(orders_state, {cur}),
               sumIf(original_revenue, {cur}) - sumIf(revenue, {cur}), sumIf(free_tickets, {cur}),
               sumIf(tickets, NOT {cur}), sumIf(revenue, NOT {cur}), uniqExactMergeIf(orders_state, NOT {cur}),
               sumIf(original_revenue, NOT {cur}) - sumIf(revenue, NOT {cur}), sumIf(free_tickets, NOT {cur})
        FROM {db}.{SALES_DETAIL} WHERE {sales_where()}
        """,
        params,
    )[0]
    rcur = "refund_date >= {current_from:Date}"
    refunds = reader.rows(
        f"""
        SELECT sumIf(refunds, {rcur}), sumIf(refund_amount, {rcur}), sumIf(refunds, NOT {rcur}),
               sumIf(refund_amount, NOT {rcur})
        FROM {db}.{REFUNDS_DAILY} WHERE {sales_where(date_column="refund_date")}
        """,
        params,
    )[0]
    later = reader.rows(
        f"""
        SELECT sumIf(refunds, {cur}), sumIf(refunded_revenue, {cur}), sumIf(refunds, NOT {cur}),
               sumIf(refunded_revenue, NOT {cur})
        FROM {db}.{REFUNDS_DAILY} WHERE {sales_where(date_column="sales_date")}
        """,
        params,
    )[0]
    periods = [("current", filters, sales[0:5], refunds[0:2], later[0:2])]
    if prev is not None:
        periods.append(("previous", prev, sales[5:10], refunds[2:4], later[2:4]))
    out = []
    for name, f, s, r, g in periods:
        gross_revenue = (s[1] or ZERO) + (g[1] or ZERO)
        out.append(
            {
                "period": name,
                "date_from": f.date_from,
                "date_to": f.date_to,
                "revenue": s[1],
                "tickets": int(s[0]),
                "orders": int(s[2]),
                "avg_price": ratio(s[1], s[0]),
                "gross_tickets": int(s[0]) + int(g[0]),
                "gross_revenue": gross_revenue,
                "refunds": int(r[0]),
                "refund_amount": r[1],
                "cash_revenue": gross_revenue - (r[1] or ZERO),
                "discount": s[3],
                "free_tickets": int(s[4]),
            }
        )
    return out


register(
    Panel(
        "kpi",
        "Ключевые показатели",
        (
            Column("period", "Период", "text", labels=SERIES_LABELS),
            Column("date_from", "С", "date"),
            Column("date_to", "По", "date"),
            NET_REVENUE,
            NET_TICKETS,
            ORDERS,
            AVG_PRICE,
            GROSS_TICKETS,
            GROSS_REVENUE,
            REFUNDS,
            REFUND_AMOUNT,
            CASH_REVENUE,
            Column("discount", "Скидки, ₽", "money"),
            Column("free_tickets", "Бесплатные билеты"),
        ),
        _kpi,
        extra={"compare": frozenset({"previous", "none"})},
    )
)


def _sales_daily(reader: Reader, filters: Filters) -> list[Row]:
    """Every day's three figures: still valid (by sale date), paid (by sale date, refunded later or not) and
    refunds (by refund date) — a refund leaves its sale day in the first and counts once, on its day, in the last."""
    db = reader.db
    split = filters.get("split")
    if split == "city":
        names = ["sales_date", "city"]
    elif split == "event":
        names = ["sales_date", "event_id", "event_name"]
    else:
        names = ["sales_date"]
    keys = ", ".join(names)
    n = len(names)
    fill = "" if split else " WITH FILL FROM {date_from:Date} TO {date_to:Date} + 1"
    sold = reader.rows(
        f"SELECT {keys}, {MEASURES} FROM {db}.{SALES_DETAIL} WHERE {sales_where()} GROUP BY {keys} "
        f"ORDER BY {keys}{fill}",
        filters.params(),
    )
    by_key: dict[tuple[Any, ...], Row] = {}
    for r in sold:
        row = dict(zip(names, r[:n], strict=True))
        by_key[tuple(r[:n])] = {**row, "tickets": int(r[n]), "revenue": r[n + 1], "orders": int(r[n + 2])}
    later = _refunded_by_sale_day(reader, filters, keys, n)
    refund_keys = keys.replace("sales_date", "refund_date")
    refunded = _refunds_by_refund_day(reader, filters, refund_keys, n)
    for key in sorted((set(later) | set(refunded)) - set(by_key)):
        by_key.setdefault(key, {**dict(zip(names, key, strict=True)), "tickets": 0, "revenue": ZERO, "orders": 0})
    rows = [by_key[key] for key in sorted(by_key)]
    for row in rows:
        key = tuple(row[name] for name in names)
        extra_tickets, extra_revenue = later.get(key, (0, ZERO))
        row["gross_tickets"] = row["tickets"] + extra_tickets
        row["gross_revenue"] = (row["revenue"] or ZERO) + extra_revenue
        row["refunds"], row["refund_amount"] = refunded.get(key, (0, ZERO))
    return rows


register(
    Panel(
        "sales_daily",
        "Продажи по дням: продано, оплачено, возвраты",
        (
            Column("sales_date", "Дата", "date"),
            Column("city", "Город", "text"),
            Column("event_id", "ID мероприятия", "id"),
            Column("event_name", "Мероприятие", "text"),
            NET_TICKETS,
            NET_REVENUE,
            ORDERS,
            GROSS_TICKETS,
            GROSS_REVENUE,
            REFUNDS,
            REFUND_AMOUNT,
        ),
        _sales_daily,
        extra={"split": frozenset({"city", "event"})},
    )
)


def _with_avg(rows: list[Row]) -> list[Row]:
    for row in rows:
        row["avg_price"] = ratio(row["revenue"], row["tickets"])
    return rows


def _by(key: str) -> Callable[[Reader, Filters], list[Row]]:
    """Sales by one column of the detail (``key`` is one of ours, never a request's), best selling first."""

    def query(reader: Reader, filters: Filters) -> list[Row]:
        rows = reader.rows(
            f"""
            SELECT {key}, {MEASURES} FROM {reader.db}.{SALES_DETAIL} WHERE {sales_where()}
            GROUP BY {key} ORDER BY revenue DESC, {key}
            """,
            filters.params(),
        )
        return _with_avg(as_rows([key, "tickets", "revenue", "orders"], rows))

    return query


register(Panel("cities", "Города", (Column("city", "Город", "text"), TICKETS, REVENUE, ORDERS, AVG_PRICE), _by("city")))


def _events(reader: Reader, filters: Filters) -> list[Row]:
    rows = reader.rows(
        f"""
        SELECT event_id, any(event_name), any(city), uniqExact(show_id), {MEASURES}
        FROM {reader.db}.{SALES_DETAIL} WHERE {sales_where()}
        GROUP BY event_id ORDER BY revenue DESC, event_id
        """,
        filters.params(),
    )
    return _with_avg(as_rows(["event_id", "event_name", "city", "shows", "tickets", "revenue", "orders"], rows))


register(
    Panel(
        "events",
        "Мероприятия",
        (
            Column("event_id", "ID мероприятия", "id"),
            Column("event_name", "Мероприятие", "text"),
            Column("city", "Город", "text"),
            Column("shows", "Сеансы с продажами"),
            TICKETS,
            REVENUE,
            ORDERS,
            AVG_PRICE,
        ),
        _events,
    )
)


def _shows(reader: Reader, filters: Filters) -> list[Row]:
    rows = reader.rows(
        f"""
        SELECT show_id, any(event_id), any(event_name), any(city), any(show_start_local), any(show_timezone),
               {MEASURES}
        FROM {reader.db}.{SALES_DETAIL} WHERE {sales_where()}
        GROUP BY show_id ORDER BY any(show_start) DESC, show_id
        """,
        filters.params(),
    )
    names = ["show_id", "event_id", "event_name", "city", "show_start_local", "show_timezone", "tickets", "revenue"]
    return with_zone_labels(_with_avg(as_rows([*names, "orders"], rows)))


register(
    Panel(
        "shows",
        "Сеансы",
        (
            Column("show_id", "ID сеанса", "id"),
            Column("event_id", "ID мероприятия", "id"),
            Column("event_name", "Мероприятие", "text"),
            Column("city", "Город", "text"),
            Column("show_start_local", "Начало (время площадки)", "datetime_local"),
            SHOW_ZONE,
            TICKETS,
            REVENUE,
            ORDERS,
            AVG_PRICE,
        ),
        _shows,
    )
)


def _zones(reader: Reader, filters: Filters) -> list[Row]:
    """Tariffs and zones by the readable name the API gives (the code of the seat id where it gives none, or where
    the code's baskets disagree on a name): two codes under one name are one row, ``zone_code`` lists the codes."""
    rows = reader.rows(
        f"""
        SELECT label, arrayStringConcat(arraySort(groupArray(zone)), ', '), sum(z_tickets) AS tickets,
               sum(z_revenue) AS revenue, uniqExactMerge(z_orders) AS orders
        FROM
        (
            SELECT zone, sum(tickets) AS z_tickets, sum(revenue) AS z_revenue,
                   uniqExactMergeState(orders_state) AS z_orders, groupUniqArray(zone_name) AS names,
                   if(length(names) = 1 AND names[1] != '', names[1], zone) AS label
            FROM {reader.db}.{SALES_DETAIL} WHERE {sales_where()}
            GROUP BY zone
        )
        GROUP BY label ORDER BY revenue DESC, label
        """,
        filters.params(),
    )
    return _with_avg(as_rows(["zone", "zone_code", "tickets", "revenue", "orders"], rows))


register(
    Panel(
        "zones",
        "Тарифы и зоны",
        (
            Column("zone", "Тариф / зона", "text"),
            Column("zone_code", "Код тарифа / зоны", "id"),
            TICKETS,
            REVENUE,
            ORDERS,
            AVG_PRICE,
        ),
        _zones,
    )
)


def _promo(reader: Reader, filters: Filters) -> list[Row]:
    rows = reader.rows(
        f"""
        SELECT if(promo_code = '', 'без промокода', promo_code) AS code, {MEASURES},
               sum(f.original_revenue) - sum(f.revenue) AS discount
        FROM {reader.db}.{SALES_DETAIL} AS f WHERE {sales_where()}
        GROUP BY code ORDER BY revenue DESC, code
        """,
        filters.params(),
    )
    return as_rows(["promo_code", "tickets", "revenue", "orders", "discount"], rows)


register(
    Panel(
        "promo",
        "Промокоды",
        (
            Column("promo_code", "Промокод", "text"),
            TICKETS,
            REVENUE,
            ORDERS,
            Column("discount", "Скидка, ₽", "money"),
        ),
        _promo,
    )
)


def _utm(reader: Reader, filters: Filters) -> list[Row]:
    label = "if({0} = '', 'без метки', {0})"
    rows = reader.rows(
        f"""
        SELECT {label.format("utm_source")} AS source, {label.format("utm_medium")} AS medium,
               {label.format("utm_campaign")} AS campaign, {MEASURES}
        FROM {reader.db}.{SALES_DETAIL} WHERE {sales_where()}
        GROUP BY source, medium, campaign ORDER BY revenue DESC, source, medium, campaign
        """,
        filters.params(),
    )
    return as_rows(["utm_source", "utm_medium", "utm_campaign", "tickets", "revenue", "orders"], rows)


register(
    Panel(
        "utm",
        "UTM-метки",
        (
            Column("utm_source", "utm_source", "text"),
            Column("utm_medium", "utm_medium", "text"),
            Column("utm_campaign", "utm_campaign", "text"),
            TICKETS,
            REVENUE,
            ORDERS,
        ),
        _utm,
    )
)


def _hourly(reader: Reader, filters: Filters) -> list[Row]:
    rows = reader.rows(
        f"""
        SELECT toDayOfWeek(sales_date) AS weekday, sale_hour, {MEASURES}
        FROM {reader.db}.{SALES_DETAIL} WHERE {sales_where()}
        GROUP BY weekday, sale_hour ORDER BY weekday, sale_hour
        """,
        filters.params(),
    )
    return as_rows(["weekday", "hour", "tickets", "revenue", "orders"], rows)


register(
    Panel(
        "hourly",
        "Продажи по часам и дням недели (МСК)",
        (
            Column("weekday", "День недели (1 = пн)"),
            Column("hour", "Час (МСК)"),
            TICKETS,
            REVENUE,
            ORDERS,
        ),
        _hourly,
    )
)


def _refunds(reader: Reader, filters: Filters) -> list[Row]:
    rows = reader.rows(
        f"""
        SELECT refund_date, sum(refunds), sum(refund_amount) FROM {reader.db}.{REFUNDS_DAILY}
        WHERE {sales_where(date_column="refund_date")}
        GROUP BY refund_date
        ORDER BY refund_date WITH FILL FROM {{date_from:Date}} TO {{date_to:Date}} + 1
        """,
        filters.params(),
    )
    return as_rows(["refund_date", "refunds", "refund_amount"], rows)


register(
    Panel(
        "refunds",
        "Возвраты по дням возврата",
        (
            Column("refund_date", "Дата возврата", "date"),
            Column("refunds", "Возвращено билетов"),
            Column("refund_amount", "Сумма возвратов, ₽", "money"),
        ),
        _refunds,
    )
)


HOURLY_MAX_DAYS = 2


def _sales_hourly(reader: Reader, filters: Filters) -> list[Row]:
    """«Сегодня» and «Вчера» by hour: every hour 0–23 (Moscow, the report zone) of every day of the period, the
    hours without sales as 0. Refused for a period longer than two days (the daily panel serves those)."""
    if filters.days > HOURLY_MAX_DAYS:
        raise FilterError(
            f"'from' … 'to': почасовые продажи — за период не длиннее {HOURLY_MAX_DAYS} дней, а выбрано {filters.days}"
        )
    rows = reader.rows(
        f"""
        SELECT sales_date, sale_hour, {MEASURES} FROM {reader.db}.{SALES_DETAIL} WHERE {sales_where()}
        GROUP BY sales_date, sale_hour ORDER BY sales_date, sale_hour
        """,
        filters.params(),
    )
    found = {(r[0], int(r[1])): r for r in rows}
    out: list[Row] = []
    for n in range(filters.days):
        day = filters.date_from + timedelta(days=n)
        for hour in range(24):
            r = found.get((day, hour))
            out.append(
                {
                    "sales_date": day,
                    "hour": hour,
                    "tickets": int(r[2]) if r else 0,
                    "revenue": r[3] if r else ZERO,
                    "orders": int(r[4]) if r else 0,
                }
            )
    return out


register(
    Panel(
        "sales_hourly",
        "Продажи по часам (МСК): сегодня и вчера",
        (Column("sales_date", "Дата продажи", "date"), Column("hour", "Час (МСК)"), TICKETS, REVENUE, ORDERS),
        _sales_hourly,
        default_days=1,  # today
    )
)
