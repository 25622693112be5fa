"""The digest's numbers, read from the same facts the page reads (no formatting here).

«Продано» is the page's ``tickets`` / ``revenue`` (tickets still valid, by sale day), «Возвраты» its ``refunds`` /
``refund_amount`` (by refund day), «Оплачено» everything paid that day whether refunded later or not: the paid,
undeleted orders' baskets that were not deleted, by payment day, from the latest version of every order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from ..domain import sold
from ..forecast.curves import Reader
from ..storage import schema

UNTAGGED = "без метки"  # bi_romi's channel of orders without a UTM tag: sales, but no ad bought them


@dataclass(frozen=True)
class Day:
    day: date
    tickets: int = 0  # «Продано»
    revenue: Decimal = Decimal(0)
    paid_tickets: int = 0  # «Оплачено»
    paid_revenue: Decimal = Decimal(0)
    refunds: int = 0  # «Возвраты»
    refund_amount: Decimal = Decimal(0)


@dataclass(frozen=True)
class TopShow:
    show_id: int
    event_name: str
    city: str
    start_local: datetime | None
    tickets: int
    revenue: Decimal


@dataclass(frozen=True)
class PlanRow:
    event_id: int
    show_id: int
    event_name: str
    target_tickets: int
    fact_tickets: int
    target_revenue: Decimal
    fact_revenue: Decimal


@dataclass(frozen=True)
class AdDay:
    """A day's ad spend (every channel, mapped or not) and the sales its campaigns' own tags brought (bi_romi)."""

    day: date
    spend: Decimal = Decimal(0)
    tickets: int = 0
    revenue: Decimal = Decimal(0)

    @property
    def romi(self) -> float | None:
        return None if not self.spend else float((self.revenue - self.spend) / self.spend)

    @property
    def cost_per_ticket(self) -> Decimal | None:
        return None if not self.tickets else self.spend / self.tickets


@dataclass(frozen=True)
class Freshness:
    last_success_at: datetime | None
    failed_since_success: int
    last_error: str


def days(reader: Reader, wanted: Sequence[date], tz: str) -> dict[date, Day]:
    db, params = reader.db, {"days": list(wanted), "tz": tz}
    found: dict[date, dict[str, Any]] = {d: {} for d in wanted}
    for d, tickets, revenue in reader.rows(
        f"SELECT sales_date, sum(tickets), sum(revenue) FROM {db}.{schema.SALES_DETAIL} "
        "WHERE sales_date IN {days:Array(Date)} GROUP BY sales_date",
        params,
    ):
        found[d].update(tickets=int(tickets), revenue=Decimal(revenue))
    for d, refunds, amount in reader.rows(
        f"SELECT refund_date, sum(refunds), sum(refund_amount) FROM {db}.{schema.REFUNDS_DAILY} "
        "WHERE refund_date IN {days:Array(Date)} GROUP BY refund_date",
        params,
    ):
        found[d].update(refunds=int(refunds), refund_amount=Decimal(amount))
    day_sql = sold.sale_date_sql("o.payed_at", "tz")
    for d, tickets, revenue in reader.rows(
        f"""
        SELECT {day_sql} AS day, sum(b.quantity), sum(b.price)
        FROM (SELECT order_id, version, assumeNotNull(payed_at) AS payed_at FROM {db}.{schema.ORDERS_RAW} FINAL
              WHERE {sold.ORDER_SQL}) AS o
        INNER JOIN (SELECT order_id, version, quantity, price FROM {db}.{schema.BASKETS} FINAL
                    WHERE basket_deleted = 0) AS b ON b.order_id = o.order_id AND b.version = o.version
        WHERE day IN {{days:Array(Date)}}
        GROUP BY day
        """,
        params,
    ):
        found[d].update(paid_tickets=int(tickets), paid_revenue=Decimal(revenue))
    return {d: Day(d, **values) for d, values in found.items()}


def ad_day(reader: Reader, day: date) -> AdDay:
    """Spend and attributed sales of ``day`` (zero without ad sources: the digest then says nothing of ads)."""
    rows = reader.rows(
        f"SELECT sum(spend), sumIf(tickets, channel != {{untagged:String}}), "
        f"sumIf(revenue, channel != {{untagged:String}}) FROM {reader.db}.bi_romi WHERE day = {{day:Date}}",
        {"day": day, "untagged": UNTAGGED},
    )
    spend, tickets, revenue = rows[0] if rows else (0, 0, 0)
    return AdDay(day, Decimal(spend or 0), int(tickets or 0), Decimal(revenue or 0))


def top_shows(reader: Reader, day: date, limit: int = 3) -> list[TopShow]:
    rows = reader.rows(
        f"""
        SELECT show_id, any(event_name), any(city), any(show_start_local), sum(tickets) AS t, sum(revenue) AS r
        FROM {reader.db}.{schema.SALES_DETAIL} WHERE sales_date = {{day:Date}}
        GROUP BY show_id ORDER BY t DESC, r DESC, show_id LIMIT {{limit:UInt32}}
        """,
        {"day": day, "limit": limit},
    )
    return [
        TopShow(int(s), str(n), str(c), _naive(local), int(t), Decimal(r)) for s, n, c, local, t, r in rows if t > 0
    ]


def plans(reader: Reader) -> list[PlanRow]:
    """Targets for a whole run (no plan date) of an event or a show, with what is sold towards them."""
    rows = reader.rows(
        f"""
        SELECT event_id, show_id, ifNull(event_name, ''), target_tickets, fact_tickets, target_revenue, fact_revenue
        FROM {reader.db}.bi_plan_vs_fact WHERE plan_date IS NULL ORDER BY event_id, show_id
        """
    )
    return [
        PlanRow(int(e), int(s), str(n), int(tt), int(ft or 0), Decimal(tr or 0), Decimal(fr or 0))
        for e, s, n, tt, ft, tr, fr in rows
    ]


def freshness(reader: Reader) -> Freshness:
    rows = reader.rows(
        f"""
        SELECT maxIf(finished_at, status = 'success'), countIf(status = 'success'),
               arraySort(groupArray((finished_at, status, error)))
        FROM {reader.db}.{schema.JOB_RUNS} WHERE job = 'qtickets_api' AND status IN ('success', 'failed', 'lease_lost')
        """
    )  # a run that lost the run lease published nothing: a failure for the digest and the alerts too
    last_success, successes, runs = rows[0] if rows else (None, 0, [])
    failed, error = 0, ""
    for _at, status, text in reversed(runs):
        if status == "success":
            break
        failed += 1
        error = error or str(text)
    return Freshness(last_success if successes else None, failed, error)


def last_week(day: date) -> date:
    return day - timedelta(days=7)


def _naive(value: Any) -> datetime | None:
    return value.replace(tzinfo=None) if isinstance(value, datetime) else None
