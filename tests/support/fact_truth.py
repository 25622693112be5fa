"""Every column of the fact tables, computed straight from the simulator's API-form orders and events.

Independent of the loader: it reads the JSON dicts the simulator serves and applies the rules as stated in
words (``domain/sold.py``'s docstring), not the loader's code. Orders the simulator made malformed are left
out, as the loader rejects them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

MOSCOW = ZoneInfo("Europe/Moscow")
CENTS = Decimal("0.01")


def moment(value: Any) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=MOSCOW)


def money(value: Any) -> Decimal:
    return Decimal(str(value if value is not None else 0)).quantize(CENTS)


def zone_of(seat_id: Any) -> str:
    seat = str(seat_id or "")
    return seat.rsplit("-", 1)[0] if "-" in seat else seat


def utm(order: Mapping[str, Any], name: str) -> str:
    tags = order.get("utm")
    value = tags.get(name) if isinstance(tags, dict) else None
    return str(value) if value not in (None, "") else ""


class Dimensions:
    """What the facts carry from /events: event name and city, a show's start and the venue's zone."""

    def __init__(self, events: Iterable[Mapping[str, Any]]) -> None:
        self.events: dict[int, Mapping[str, Any]] = {}
        self.shows: dict[int, tuple[datetime | None, str]] = {}
        for event in events:
            self.events[event["id"]] = event
            tz = (event.get("city") or {}).get("timezone") or ""
            for show in event.get("shows") or []:
                self.shows[show["id"]] = (moment(show.get("start_date")), tz)

    def city(self, event_id: int) -> str:
        return str((self.events.get(event_id, {}).get("city") or {}).get("name") or "")

    def name(self, event_id: int) -> str:
        return str(self.events.get(event_id, {}).get("name") or "")

    def show(self, show_id: int) -> tuple[datetime | None, datetime | None, str]:
        """(start in Moscow time, start as the venue's wall clock written as UTC, the venue's zone)."""
        start, tz = self.shows.get(show_id, (None, ""))
        if start is None:
            return None, None, tz
        local = start.astimezone(ZoneInfo(tz)).replace(tzinfo=UTC) if tz else None
        return start.astimezone(MOSCOW), local, tz


def _paid(order: Mapping[str, Any]) -> datetime | None:
    payed_at = moment(order.get("payed_at"))
    return payed_at if order.get("payed") is True and payed_at and not order.get("deleted_at") else None


def _sold(basket: Mapping[str, Any]) -> bool:
    return not basket.get("deleted_at") and not basket.get("refunded_at")


def sales_daily(orders: Iterable[Mapping[str, Any]], dims: Dimensions) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """(sales_date, city, event_id, event_name, show_id) -> (sale_ts, show_start, show_start_local, show_timezone,
    tickets_sold, revenue, orders)."""
    acc: dict[tuple[Any, ...], list[Any]] = {}
    for order in orders:
        payed_at = _paid(order)
        if payed_at is None:
            continue
        local = payed_at.astimezone(MOSCOW)
        for basket in order["baskets"]:
            if not _sold(basket):
                continue
            event_id = order["event_id"]
            key = (local.date(), dims.city(event_id), event_id, dims.name(event_id), basket["show_id"])
            row = acc.setdefault(key, [local, 0, Decimal(0), set()])
            row[0] = max(row[0], local)
            row[1] += basket["quantity"]
            row[2] += money(basket["price"])
            row[3].add(order["id"])
    out = {}
    for key, (sale_ts, tickets, revenue, ids) in acc.items():
        start, start_local, tz = dims.show(key[4])
        out[key] = (sale_ts, start, start_local, tz, tickets, revenue, len(ids))
    return out


def sales_detail(
    orders: Iterable[Mapping[str, Any]], dims: Dimensions, promo_codes: Mapping[int, str]
) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """(sales_date, sale_hour, city, event_id, show_id, zone, promo_code, utm_source, utm_medium, utm_campaign)
    -> (tickets, free_tickets, revenue, original_revenue, tickets_scanned, orders)."""
    acc: dict[tuple[Any, ...], list[Any]] = {}
    for order in orders:
        payed_at = _paid(order)
        if payed_at is None:
            continue
        local = payed_at.astimezone(MOSCOW)
        for basket in order["baskets"]:
            if not _sold(basket):
                continue
            promo_id = basket.get("promo_code_id") or order.get("promo_code_id")
            promo = promo_codes.get(promo_id, f"#{promo_id}") if promo_id else ""
            key = (local.date(), local.hour, dims.city(order["event_id"]), order["event_id"], basket["show_id"],
                   zone_of(basket.get("seat_id")), promo, utm(order, "utm_source"), utm(order, "utm_medium"),
                   utm(order, "utm_campaign"))  # fmt: skip
            row = acc.setdefault(key, [0, 0, Decimal(0), Decimal(0), 0, set()])
            price = money(basket["price"])
            original = basket.get("original_price")
            row[0] += basket["quantity"]
            row[1] += basket["quantity"] if price == 0 else 0
            row[2] += price
            row[3] += money(original) if original is not None else price
            row[4] += basket["quantity"] if basket.get("checked_at") else 0
            row[5].add(order["id"])
    return {key: (*row[:5], len(row[5])) for key, row in acc.items()}


def refunds_daily(orders: Iterable[Mapping[str, Any]], dims: Dimensions) -> dict[tuple[Any, ...], tuple[int, Decimal]]:
    """(refund_date, city, event_id, show_id, zone) -> (refunded tickets, refund amount)."""
    acc: dict[tuple[Any, ...], list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    for order in orders:
        if order.get("payed") is not True or not order.get("payed_at"):
            continue
        for basket in order["baskets"]:
            refunded_at = moment(basket.get("refunded_at"))
            if refunded_at is None:
                continue
            key = (refunded_at.astimezone(MOSCOW).date(), dims.city(order["event_id"]), order["event_id"],
                   basket["show_id"], zone_of(basket.get("seat_id")))  # fmt: skip
            amount = money(basket.get("refunded_amount"))
            acc[key][0] += basket["quantity"]
            acc[key][1] += amount if amount > 0 else money(basket["price"])
    return {key: (tickets, amount) for key, (tickets, amount) in acc.items()}


def well_formed(sim: Any) -> list[Mapping[str, Any]]:
    bad = sim.malformed_order_ids()
    return [o for o in sim.orders() if isinstance(o, dict) and o.get("id") not in bad]


def days(values: Iterable[date]) -> set[date]:
    return set(values)
