"""Panels over sales by sale date: KPI tiles, revenue per day, top cities / events / shows, zone mix, promo codes,
UTM, the hour x weekday heatmap and refunds by refund date.

Orders are merged from the fact's exact order sets (``uniqExactMerge``), so an order with tickets in two zones or
shows counts once at any grain; every ratio is sum(a) / sum(b) over the rows that match.
"""

from __future__ import annotations

from collections.abc import Callable

from .filters import Filters
from .panel import Column, Panel, Reader, Row, as_rows, ratio, register, sales_where
from .tables import REFUNDS_DAILY, SALES_DETAIL

MEASURES = "sum(tickets) AS tickets, sum(revenue) AS revenue, uniqExactMerge(orders_state) AS orders"
TICKETS = Column("tickets", "Билеты")
REVENUE = Column("revenue", "Выручка, ₽", "money")
ORDERS = Column("orders", "Заказы")
AVG_PRICE = Column("avg_price", "Средняя цена билета, ₽", "money")


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
    periods = [("current", filters, sales[0:5], refunds[0:2])]
    if prev is not None:
        periods.append(("previous", prev, sales[5:10], refunds[2:4]))
    return [
        {
            "period": name,
            "date_from": f.date_from,
            "date_to": f.date_to,
            "revenue": s[1],
            "tickets": int(s[0]),
            "orders": int(s[2]),
            "avg_price": ratio(s[1], s[0]),
            "refunds": int(r[0]),
            "refund_amount": r[1],
            "discount": s[3],
            "free_tickets": int(s[4]),
        }
        for name, f, s, r in periods
    ]


register(
    Panel(
        "kpi",
        "Ключевые показатели",
        (
            Column("period", "Период", "text"),
            Column("date_from", "С", "date"),
            Column("date_to", "По", "date"),
            REVENUE,
            TICKETS,
            ORDERS,
            AVG_PRICE,
            Column("refunds", "Возвраты, билеты"),
            Column("refund_amount", "Возвраты, ₽", "money"),
            Column("discount", "Скидки, ₽", "money"),
            Column("free_tickets", "Бесплатные билеты"),
        ),
        _kpi,
        extra={"compare": frozenset({"previous", "none"})},
    )
)


def _sales_daily(reader: Reader, filters: Filters) -> list[Row]:
    db = reader.db
    split = filters.get("split")
    if split == "city":
        keys, names = "sales_date, city", ["sales_date", "city", "tickets", "revenue", "orders"]
    elif split == "event":
        keys = "sales_date, event_id, event_name"
        names = ["sales_date", "event_id", "event_name", "tickets", "revenue", "orders"]
    else:
        rows = reader.rows(
            f"""
            SELECT sales_date, {MEASURES} FROM {db}.{SALES_DETAIL} WHERE {sales_where()}
            GROUP BY sales_date
            ORDER BY sales_date WITH FILL FROM {{date_from:Date}} TO {{date_to:Date}} + 1
            """,
            filters.params(),
        )
        return as_rows(["sales_date", "tickets", "revenue", "orders"], rows)
    rows = reader.rows(
        f"SELECT {keys}, {MEASURES} FROM {db}.{SALES_DETAIL} WHERE {sales_where()} GROUP BY {keys} ORDER BY {keys}",
        filters.params(),
    )
    return as_rows(names, rows)


register(
    Panel(
        "sales_daily",
        "Выручка и билеты по дням продажи",
        (
            Column("sales_date", "Дата продажи", "date"),
            Column("city", "Город", "text"),
            Column("event_id", "ID мероприятия", "id"),
            Column("event_name", "Мероприятие", "text"),
            TICKETS,
            REVENUE,
            ORDERS,
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
    return _with_avg(as_rows([*names, "orders"], rows))


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
            Column("show_timezone", "Часовой пояс площадки", "text"),
            TICKETS,
            REVENUE,
            ORDERS,
            AVG_PRICE,
        ),
        _shows,
    )
)


register(
    Panel(
        "zones",
        "Тарифы и зоны",
        (Column("zone", "Тариф / зона", "text"), TICKETS, REVENUE, ORDERS, AVG_PRICE),
        _by("zone"),
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
