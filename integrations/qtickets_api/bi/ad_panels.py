"""The «Реклама» panels: ``ad_spend`` (per campaign: spend, CPC, CTR and what its own tags sold) and ``romi`` (by
channel, city, event and show: spend beside the attributed sales, with a ROMI traffic light), over the views
``bi_ad_spend_daily`` and ``bi_romi`` (docs/ads.md). Spend mapped to nothing is the city «не сопоставлено», orders
without a tag the channel «без метки»; every ratio is sum(a) / sum(b) over the matching rows, None where b is 0.

Importing this module registers the two panels; ``bi.panels`` imports it, so the data API serves them.
"""

from __future__ import annotations

from ..storage import schema
from .filters import Filters
from .panel import Column, Panel, Reader, Row, ratio, register, sales_where
from .tables import EVENTS, SALES_DETAIL

AD_SPEND_VIEW = "bi_ad_spend_daily"
ROMI_VIEW = "bi_romi"  # what a BI tool reads; the panel runs the same query with its filters inside
AD_SPEND_TABLE = schema.AD_SPEND.name
# utm_source values of each channel, as the views list them
_SOURCES = {
    "yandex_direct": "('yandex', 'ya', 'direct', 'yandex_direct', 'yandexdirect', 'yd')",
    "vk_ads": "('vk', 'vkads', 'vk_ads', 'vkontakte', 'mytarget', 'vk_reklama')",
}
# ROMI traffic light: red loses money on the ads, yellow pays them back, green brings at least twice the spend
GREEN_FROM = 1.0
YELLOW_FROM = 0.0
CHANNELS = {"yandex_direct": "Яндекс Директ", "vk_ads": "VK Реклама", "без метки": "без метки"}

COMMON = (
    Column("channel", "Канал", "text"),
    Column("city", "Город", "text"),
    Column("event_id", "ID мероприятия", "id"),
    Column("event_name", "Мероприятие", "text"),
    Column("show_id", "ID сеанса", "id"),
)
MEASURES = (
    Column("spend", "Расход, ₽", "money"),
    Column("impressions", "Показы"),
    Column("clicks", "Клики"),
    Column("orders", "Заказы"),
    Column("tickets", "Билеты"),
    Column("revenue", "Выручка, ₽", "money"),
    Column("cost_per_ticket", "Цена билета в рекламе, ₽", "money"),
    Column("cost_per_order", "Цена заказа, ₽", "money"),
    Column("roas", "ROAS", "share"),
    Column("romi", "ROMI", "share"),
)


def light(romi: float | None) -> str:
    """«красный» / «жёлтый» / «зелёный»; empty without spend."""
    if romi is None:
        return ""
    return "зелёный" if romi >= GREEN_FROM else "жёлтый" if romi >= YELLOW_FROM else "красный"


def _ratios(row: Row) -> Row:
    spend, revenue = row["spend"], row["revenue"]
    row["cost_per_ticket"] = ratio(spend, row["tickets"])
    row["cost_per_order"] = ratio(spend, row["orders"])
    row["roas"] = ratio(revenue, spend)
    row["romi"] = None if not spend else (float(revenue) - float(spend)) / float(spend)
    row["romi_light"] = light(row["romi"])
    return row


def _names(reader: Reader) -> str:
    return f"(SELECT event_id, any(name) AS event_name FROM {reader.db}.{EVENTS} FINAL GROUP BY event_id)"


def _ad_spend(reader: Reader, filters: Filters) -> list[Row]:
    found = reader.rows(
        f"""
        SELECT a.channel, a.campaign_id, any(a.campaign_name), any(a.city), any(a.event_id), any(e.event_name),
               any(a.show_id), any(a.mapped_by), sum(a.spend), sum(a.impressions), sum(a.clicks), sum(a.orders),
               sum(a.tickets), sum(a.revenue)
        FROM {reader.db}.{AD_SPEND_VIEW} AS a LEFT JOIN {_names(reader)} AS e ON e.event_id = a.event_id
        WHERE {sales_where("a", "spend_date")}
        GROUP BY a.channel, a.campaign_id
        ORDER BY sum(a.spend) DESC, a.channel, a.campaign_id
        """,
        filters.params(),
    )
    rows = []
    for r in found:
        row: Row = {
            "channel": r[0], "campaign_id": int(r[1]), "campaign_name": r[2], "city": r[3], "event_id": int(r[4]),
            "event_name": r[5] or "", "show_id": int(r[6]), "mapped_by": r[7], "spend": r[8], "impressions": int(r[9]),
            "clicks": int(r[10]), "orders": int(r[11]), "tickets": int(r[12]), "revenue": r[13],
        }  # fmt: skip
        row["cpc"] = ratio(row["spend"], row["clicks"])
        row["ctr"] = ratio(row["clicks"], row["impressions"])
        rows.append(_ratios(row))
    return rows


def _romi(reader: Reader, filters: Filters) -> list[Row]:
    # bi_romi's rows, with the filters inside each branch (the view itself would aggregate every day first)
    db = reader.db
    spend_scope = sales_where("", "spend_date").replace(
        "city = {city:String}", "if(mapped_by = 'none', 'не сопоставлено', city) = {city:String}"
    )
    found = reader.rows(
        f"""
        WITH tagged AS
        (
            SELECT sales_date, city, event_id, show_id, tickets, revenue, orders_state,
                   multiIf(lower(utm_source) IN {_SOURCES["yandex_direct"]}, 'yandex_direct',
                           lower(utm_source) IN {_SOURCES["vk_ads"]}, 'vk_ads', '') AS channel,
                   toUInt64OrZero(utm_campaign) AS campaign_id
            FROM {db}.{SALES_DETAIL}
            WHERE utm_source != '' AND match(utm_campaign, '^[0-9]{{1,19}}$') AND {sales_where()}
        )
        SELECT u_channel, u_city, u_event, any(e.event_name), u_show, sum(u_spend), sum(u_impressions),
               sum(u_clicks), sum(u_orders), sum(u_tickets), sum(u_revenue)
        FROM
        (
            SELECT channel AS u_channel, if(mapped_by = 'none', 'не сопоставлено', city) AS u_city,
                   event_id AS u_event, show_id AS u_show, spend AS u_spend, impressions AS u_impressions,
                   clicks AS u_clicks, toUInt64(0) AS u_orders, toUInt64(0) AS u_tickets,
                   toDecimal128(0, 2) AS u_revenue
            FROM {db}.{AD_SPEND_TABLE} FINAL
            WHERE {spend_scope}
            UNION ALL
            SELECT channel, city, event_id, show_id, toDecimal128(0, 2), toUInt64(0), toUInt64(0),
                   toUInt64(uniqExactMerge(orders_state)), toUInt64(sum(tickets)), toDecimal128(sum(revenue), 2)
            FROM tagged
            WHERE (channel, campaign_id) IN (SELECT DISTINCT channel, campaign_id FROM {db}.{AD_SPEND_TABLE})
            GROUP BY channel, city, event_id, show_id
            UNION ALL
            SELECT 'без метки', city, event_id, show_id, toDecimal128(0, 2), toUInt64(0), toUInt64(0),
                   toUInt64(uniqExactMerge(orders_state)), toUInt64(sum(tickets)), toDecimal128(sum(revenue), 2)
            FROM {db}.{SALES_DETAIL}
            WHERE utm_source = '' AND {sales_where()}
            GROUP BY city, event_id, show_id
        ) AS r
        LEFT JOIN {_names(reader)} AS e ON e.event_id = r.u_event
        GROUP BY u_channel, u_city, u_event, u_show
        ORDER BY sum(u_spend) DESC, sum(u_revenue) DESC, u_channel, u_city, u_event, u_show
        """,
        filters.params(),
    )
    return [
        _ratios(
            {
                "channel": r[0],
                "campaign_id": None,
                "campaign_name": None,
                "city": r[1],
                "event_id": int(r[2]),
                "event_name": r[3] or "",
                "show_id": int(r[4]),
                "spend": r[5],
                "impressions": int(r[6]),
                "clicks": int(r[7]),
                "orders": int(r[8]),
                "tickets": int(r[9]),
                "revenue": r[10],
            }
        )
        for r in found
    ]


AD_SPEND = register(
    Panel(
        "ad_spend",
        "Реклама по кампаниям",
        (
            COMMON[0],
            Column("campaign_id", "ID кампании", "id"),
            Column("campaign_name", "Кампания", "text"),
            *COMMON[1:],
            Column("mapped_by", "Как сопоставлено", "text"),
            *MEASURES,
            Column("cpc", "CPC, ₽", "money"),
            Column("ctr", "CTR", "share"),
            Column("romi_light", "Светофор ROMI", "text"),
        ),
        _ad_spend,
    )
)
ROMI = register(
    Panel(
        "romi",
        "Окупаемость рекламы (ROMI)",
        (
            *COMMON[:1],
            Column("campaign_id", "ID кампании", "id"),
            Column("campaign_name", "Кампания", "text"),
            *COMMON[1:],
            *MEASURES,
            Column("romi_light", "Светофор ROMI", "text"),
        ),
        _romi,
    )
)

__all__ = ["AD_SPEND", "CHANNELS", "GREEN_FROM", "ROMI", "YELLOW_FROM", "Filters", "light"]
