"""What the mapping and the ROMI must be, from the simulators' own data and the rules as stated in words
(docs/ads.md), not from the loader's code."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from qtickets_sim.ads import Campaign

CENT = Decimal("0.01")
SOURCE = {"yandex": "yandex_direct", "vk": "vk_ads"}


def vat(day: date) -> int:
    return 22 if day >= date(2026, 1, 1) else 20


def with_vat(kopecks: int, day: date) -> Decimal:
    return (Decimal(kopecks) * (100 + vat(day)) / 10_000).quantize(CENT, ROUND_HALF_UP)


def counted_baskets(order: dict[str, Any]) -> list[dict[str, Any]]:
    """A paid order that is not deleted counts its baskets that are neither deleted nor refunded."""
    if order.get("payed") is not True or not order.get("payed_at") or order.get("deleted_at"):
        return []
    return [b for b in order["baskets"] if not b.get("deleted_at") and not b.get("refunded_at")]


def attributed(orders: list[dict[str, Any]], campaigns: set[tuple[str, int]]) -> dict[tuple[str, int, int], list[Any]]:
    """(channel, event, show) -> [tickets, revenue, order ids] of orders tagged with a loaded campaign's id."""
    found: dict[tuple[str, int, int], list[Any]] = defaultdict(lambda: [0, Decimal("0.00"), set()])
    for order in orders:
        utm = order.get("utm")
        if not isinstance(utm, dict) or utm.get("utm_source") not in SOURCE:
            continue
        channel = SOURCE[utm["utm_source"]]
        campaign = str(utm.get("utm_campaign") or "")
        if not campaign.isdigit() or (channel, int(campaign)) not in campaigns:
            continue
        for basket in counted_baskets(order):
            cell = found[(channel, order["event_id"], basket["show_id"])]
            cell[0] += basket["quantity"]
            cell[1] += Decimal(str(basket["price"]))
            cell[2].add(order["id"])
    return dict(found)


def season_show(campaign: Campaign, events: list[Any]) -> tuple[str, int, int] | None:
    """The season campaign's name carries the city and day of its event's first show: that event, and the show
    when it is the only one that day; None when another event shows in that city the same dd.mm."""
    event = next(e for e in events if e.id == campaign.event_id)
    city = event.venue.city
    zone = ZoneInfo(city.timezone)
    first = min(event.shows, key=lambda s: s.start_ts)
    day = datetime.fromtimestamp(first.start_ts, zone).date()
    dates = {
        (e.id, s.id): datetime.fromtimestamp(s.start_ts, zone).date()
        for e in events
        if e.venue.city.name == city.name
        for s in e.shows
    }
    if any((d.day, d.month) == (day.day, day.month) and e != event.id for (e, _), d in dates.items()):
        return None
    that_day = [s for (e, s), d in dates.items() if e == event.id and d == day]
    return city.name, event.id, first.id if len(that_day) == 1 else 0
