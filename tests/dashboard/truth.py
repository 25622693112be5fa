"""What the dashboard must show, computed in Python from the simulator's own orders and events by the stated rules,
never from our SQL: a ticket counts when its order is paid (``payed`` with ``payed_at``) and not deleted, and the
basket is neither deleted nor refunded; it counts on the Moscow date (and hour) of ``payed_at``. A refund counts on
the Moscow date of the basket's ``refunded_at`` when its order was paid, for ``refunded_amount`` (the price when that
is 0)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

MSK = ZoneInfo("Europe/Moscow")


def _money(value: Any) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value).astimezone(MSK) if value else None


@dataclass(frozen=True)
class Ticket:
    """One counted basket."""

    order_id: int
    sales_date: date
    hour: int
    city: str
    event_id: int
    show_id: int
    zone: str
    zone_name: str  # the readable name of the show's scheme for that zone code, else the code
    promo_code: str
    utm_source: str
    tickets: int
    revenue: Decimal
    original: Decimal
    scanned: int


@dataclass(frozen=True)
class Refund:
    refund_date: date
    city: str
    event_id: int
    show_id: int
    tickets: int
    amount: Decimal
    sales_date: date  # the day the refunded tickets were paid
    price: Decimal  # what was paid for them (amount: what was returned)


@dataclass(frozen=True)
class Scope:
    date_from: date
    date_to: date
    city: str = ""
    event_id: int = 0
    show_id: int = 0

    def has(self, day: date, city: str, event_id: int, show_id: int) -> bool:
        return (
            self.date_from <= day <= self.date_to
            and (not self.city or city == self.city)
            and (not self.event_id or event_id == self.event_id)
            and (not self.show_id or show_id == self.show_id)
        )


class Truth:
    def __init__(self, orders: Iterable[dict[str, Any]], events: Iterable[dict[str, Any]], promo: dict[int, str]):
        events = list(events)
        self.city_of = {e["id"]: e["city"]["name"] for e in events}
        # the names a show's seat scheme gives its zones and tariffs (scheme_properties.zones), by show and code
        self.zone_names = {
            (s["id"], code): zone["name"]
            for e in events
            for s in e["shows"]
            for code, zone in ((s.get("scheme_properties") or {}).get("zones") or {}).items()
            if zone.get("name")
        }
        self.tickets: list[Ticket] = []
        self.refunds: list[Refund] = []
        for order in orders:
            payed_at = _moment(order["payed_at"])
            if not order["payed"] or payed_at is None:
                continue
            city = self.city_of.get(order["event_id"], "")
            utm = order.get("utm") or {}
            source = utm.get("utm_source") or "" if isinstance(utm, dict) else ""
            code = promo.get(order["promo_code_id"], "") if order.get("promo_code_id") else ""
            for basket in order["baskets"]:
                seat = basket["seat_id"] or ""
                zone = seat.rsplit("-", 1)[0] if "-" in seat else seat
                refunded = _moment(basket["refunded_at"])
                if refunded is not None:  # a refund of a paid order, on its own day; its amount, else the price
                    amount = _money(basket["refunded_amount"])
                    self.refunds.append(
                        Refund(refunded.date(), city, order["event_id"], basket["show_id"], basket["quantity"],
                               amount if amount > 0 else _money(basket["price"]), payed_at.date(),
                               _money(basket["price"]))
                    )  # fmt: skip
                    continue
                if basket["deleted_at"] is not None:
                    continue
                if order["deleted_at"] is not None:
                    continue
                self.tickets.append(
                    Ticket(
                        order_id=order["id"],
                        sales_date=payed_at.date(),
                        hour=payed_at.hour,
                        city=city,
                        event_id=order["event_id"],
                        show_id=basket["show_id"],
                        zone=zone,
                        zone_name=self.zone_names.get((basket["show_id"], zone), zone),
                        promo_code=code,
                        utm_source=source,
                        tickets=basket["quantity"],
                        revenue=_money(basket["price"]),
                        original=_money(basket["original_price"]),
                        scanned=basket["quantity"] if basket.get("checked_at") else 0,
                    )
                )

    def sold(self, scope: Scope) -> list[Ticket]:
        return [t for t in self.tickets if scope.has(t.sales_date, t.city, t.event_id, t.show_id)]

    def kpi(self, scope: Scope) -> dict[str, Any]:
        sold = self.sold(scope)
        tickets = sum(t.tickets for t in sold)
        revenue = sum((t.revenue for t in sold), Decimal(0))
        refunds = [r for r in self.refunds if scope.has(r.refund_date, r.city, r.event_id, r.show_id)]
        return {
            "tickets": tickets,
            "revenue": revenue,
            "orders": len({t.order_id for t in sold}),
            "avg_price": revenue / tickets if tickets else None,
            "refunds": sum(r.tickets for r in refunds),
            "refund_amount": sum((r.amount for r in refunds), Decimal(0)),
            "discount": sum((t.original - t.revenue for t in sold), Decimal(0)),
            "free_tickets": sum(t.tickets for t in sold if t.revenue == 0),
            **self.money(scope),
        }

    def money(self, scope: Scope) -> dict[str, Any]:
        """The three figures of a period: still valid and paid (by sale date), refunds (by refund date), and the
        cash (paid − refunded), each from the raw orders."""
        sold = self.sold(scope)
        later = [r for r in self.refunds if scope.has(r.sales_date, r.city, r.event_id, r.show_id)]
        made = [r for r in self.refunds if scope.has(r.refund_date, r.city, r.event_id, r.show_id)]
        revenue = sum((t.revenue for t in sold), Decimal(0))
        gross_revenue = revenue + sum((r.price for r in later), Decimal(0))
        refund_amount = sum((r.amount for r in made), Decimal(0))
        return {
            "tickets": sum(t.tickets for t in sold),
            "revenue": revenue,
            "gross_tickets": sum(t.tickets for t in sold) + sum(r.tickets for r in later),
            "gross_revenue": gross_revenue,
            "refunds": sum(r.tickets for r in made),
            "refund_amount": refund_amount,
            "cash_revenue": gross_revenue - refund_amount,
        }

    def by(self, scope: Scope, key: str) -> dict[Any, dict[str, Any]]:
        """tickets, revenue and distinct orders per value of ``key`` (a Ticket field)."""
        acc: dict[Any, dict[str, Any]] = defaultdict(lambda: {"tickets": 0, "revenue": Decimal(0), "orders": set()})
        for t in self.sold(scope):
            row = acc[getattr(t, key)]
            row["tickets"] += t.tickets
            row["revenue"] += t.revenue
            row["orders"].add(t.order_id)
        return {k: {**v, "orders": len(v["orders"])} for k, v in acc.items()}
