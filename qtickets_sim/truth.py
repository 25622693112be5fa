"""The independent truth: sales, refunds and inventory computed straight from API-form data by the stated rules.

Tests and the soak compare what the loader put into ClickHouse with these. Written from the rules, not from the
loader (nothing here imports the loader's code), so that a shared misunderstanding cannot hide.

Sales: a basket counts when its order is paid (``payed`` true and ``payed_at`` set) and not deleted, and the basket
is neither deleted nor refunded. The sales date (and hour) is that of ``payed_at`` in ``tz``; tickets sum
``quantity``, revenue sums the basket ``price`` (after discount), original revenue its ``original_price``; a free
ticket is one of a basket whose price is 0; a scanned ticket one of a basket with ``checked_at`` set. The zone of a
basket is its ``seat_id`` up to the last ``-`` (``PARTERRE-3;14`` -> ``PARTERRE``, an exhibition's
``detskij-bilet-v-budni-1;1`` -> ``detskij-bilet-v-budni``). Orders that do not parse are skipped and listed apart.

Refunds: a basket with ``refunded_at`` set, not deleted, of an order that was paid (``payed`` true), counts on the
``refunded_at`` date in ``tz``: its ``quantity`` refunded tickets and its ``refunded_amount`` (the money returned;
the deduction stays with the organiser) — or its ``price`` where no amount is given.

Inventory: for every show that is not deleted, of an event that is not deleted, and not over (its finish date, or
start date without one, is after ``now``): each physical seat once (by ``root_id``), disabled seats left out;
tickets_total sums ``max_quantity``, tickets_left sums ``free_quantity``. Where a seat has no ``max_quantity``
(``""`` or null: an exhibition sold by tariff) the capacity is unknown and so are total and left (None); sold and
reserved tickets (``payed_quantity``, ``ordered_quantity``) are still known.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

CENTS = Decimal("0.01")
MOSCOW = ZoneInfo("Europe/Moscow")
_DECIMAL = re.compile(r"^-?\d+(?:\.\d+)?$")

SalesKey = tuple[date, int, int]  # (sales date, event id, show id)
# (sales date, sale hour, city, event id, show id, zone, promo code, utm_source, utm_medium, utm_campaign)
DetailKey = tuple[date, int, str, int, int, str, str, str, str, str]
RefundKey = tuple[date, str, int, int, str]  # (refund date, city, event id, show id, zone)
ZoneKey = tuple[int, str]  # (show id, zone)


class _Malformed(Exception):
    pass


@dataclass
class SalesDetail:
    """The measures of one row of the sales detail. ``order_ids`` lets rows be merged with exact order counts."""

    tickets: int = 0
    free_tickets: int = 0
    revenue: Decimal = Decimal("0.00")
    original_revenue: Decimal = Decimal("0.00")
    tickets_scanned: int = 0
    order_ids: set[int] = field(default_factory=set)

    @property
    def orders(self) -> int:
        return len(self.order_ids)


@dataclass(frozen=True)
class ZoneInventory:
    capacity: int | None  # None: not known (no max_quantity)
    left: int | None
    sold: int
    reserved: int


@dataclass(frozen=True)
class _Sold:
    """One counted basket."""

    day: date
    hour: int
    event_id: int
    show_id: int
    zone: str
    quantity: int
    price: Decimal
    original_price: Decimal
    scanned: bool


def _int(value: Any) -> int:
    if type(value) is not int:
        raise _Malformed
    return value


def _moment(value: Any) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Malformed
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as problem:
        raise _Malformed from problem
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=MOSCOW)


def _money(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise _Malformed
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str) and _DECIMAL.match(value):
        return Decimal(value)
    raise _Malformed


def zone_of(seat_id: Any) -> str:
    """The zone of a basket's seat id: everything before the last ``-``."""
    if not isinstance(seat_id, str):
        return ""
    return seat_id.rsplit("-", 1)[0] if "-" in seat_id else seat_id


def _baskets(order: Any) -> tuple[bool, datetime | None, datetime | None, int, list[dict[str, Any]]]:
    """(payed, payed_at, deleted_at, event id, baskets) of an order; raises _Malformed when it does not parse."""
    if not isinstance(order, dict):
        raise _Malformed
    _int(order.get("id"))
    event_id = _int(order.get("event_id"))
    payed = order.get("payed")
    if not isinstance(payed, bool):
        raise _Malformed
    payed_at = _moment(order.get("payed_at"))
    deleted_at = _moment(order.get("deleted_at"))
    baskets = order.get("baskets")
    if not isinstance(baskets, list):
        raise _Malformed
    for basket in baskets:
        if not isinstance(basket, dict):
            raise _Malformed
        _int(basket.get("id"))
        _int(basket.get("show_id"))
        _int(basket.get("quantity"))
        _money(basket.get("price"))
        _moment(basket.get("deleted_at"))
        _moment(basket.get("refunded_at"))
    return payed, payed_at, deleted_at, event_id, baskets


def _sold_of(order: Any, zone: tzinfo) -> list[_Sold]:
    """The counted baskets of one order; raises _Malformed when the order does not parse."""
    payed, payed_at, deleted_at, event_id, baskets = _baskets(order)
    if not payed or payed_at is None or deleted_at is not None:
        return []
    local = payed_at.astimezone(zone)
    rows = []
    for basket in baskets:
        if basket.get("deleted_at") is not None or basket.get("refunded_at") is not None:
            continue
        original = basket.get("original_price")
        rows.append(
            _Sold(
                day=local.date(),
                hour=local.hour,
                event_id=event_id,
                show_id=basket["show_id"],
                zone=zone_of(basket.get("seat_id")),
                quantity=basket["quantity"],
                price=_money(basket["price"]),
                original_price=_money(original) if original is not None else _money(basket["price"]),
                scanned=basket.get("checked_at") is not None,
            )
        )
    return rows


def malformed_order_ids(orders: Iterable[Any]) -> set[int | None]:
    """Ids of the orders that do not parse (None for one without a usable id)."""
    broken: set[int | None] = set()
    for order in orders:
        try:
            _sold_of(order, MOSCOW)
        except _Malformed:
            order_id = order.get("id") if isinstance(order, dict) else None
            broken.add(order_id if type(order_id) is int else None)
    return broken


def expected_sales(orders: Iterable[Any], tz: str = "Europe/Moscow") -> dict[SalesKey, tuple[int, Decimal]]:
    """(sales date, event id, show id) -> (tickets sold, revenue) over the orders that parse."""
    zone = ZoneInfo(tz)
    totals: dict[SalesKey, tuple[int, Decimal]] = {}
    for order in orders:
        try:
            rows = _sold_of(order, zone)
        except _Malformed:
            continue
        for row in rows:
            key = (row.day, row.event_id, row.show_id)
            tickets, revenue = totals.get(key, (0, Decimal(0)))
            totals[key] = (tickets + row.quantity, revenue + row.price)
    return {key: (tickets, revenue.quantize(CENTS)) for key, (tickets, revenue) in totals.items()}


def _cities(events: Iterable[Mapping[str, Any]]) -> dict[int, str]:
    cities = {}
    for event in events:
        city = event.get("city")
        cities[int(event["id"])] = city.get("name", "") if isinstance(city, Mapping) else ""
    return cities


def _codes(promo_codes: Iterable[Mapping[str, Any]] | Mapping[int, str]) -> dict[int, str]:
    if isinstance(promo_codes, Mapping):
        return {int(key): str(value) for key, value in promo_codes.items()}
    return {int(item["id"]): str(item["code"]) for item in promo_codes}


def _utm(order: dict[str, Any]) -> tuple[str, str, str]:
    utm = order.get("utm")
    if not isinstance(utm, Mapping):
        return "", "", ""
    return str(utm.get("utm_source") or ""), str(utm.get("utm_medium") or ""), str(utm.get("utm_campaign") or "")


def expected_sales_detail(
    orders: Iterable[Any],
    events: Iterable[Mapping[str, Any]],
    promo_codes: Iterable[Mapping[str, Any]] | Mapping[int, str],
    tz: str = "Europe/Moscow",
) -> dict[DetailKey, SalesDetail]:
    """The sales detail: (sales date, hour, city, event, show, zone, promo code, utm source/medium/campaign).

    ``events`` give each event's city (``city.name``); ``promo_codes`` are the /promo-codes records (or an
    id -> code mapping). An order's ``promo_code_id`` missing from them is an error (KeyError), not a silent ''.
    """
    zone = ZoneInfo(tz)
    cities = _cities(events)
    codes = _codes(promo_codes)
    rows: dict[DetailKey, SalesDetail] = {}
    for order in orders:
        try:
            sold = _sold_of(order, zone)
        except _Malformed:
            continue
        if not sold:
            continue
        promo_id = order.get("promo_code_id")
        code = codes[promo_id] if promo_id is not None else ""
        source, medium, campaign = _utm(order)
        for item in sold:
            key = (
                item.day,
                item.hour,
                cities[item.event_id],
                item.event_id,
                item.show_id,
                item.zone,
                code,
                source,
                medium,
                campaign,
            )
            row = rows.get(key)
            if row is None:
                row = rows[key] = SalesDetail()
            row.tickets += item.quantity
            row.free_tickets += item.quantity if item.price == 0 else 0
            row.revenue += item.price
            row.original_revenue += item.original_price
            row.tickets_scanned += item.quantity if item.scanned else 0
            row.order_ids.add(order["id"])
    for row in rows.values():
        row.revenue = row.revenue.quantize(CENTS)
        row.original_revenue = row.original_revenue.quantize(CENTS)
    return rows


def expected_refunds(
    orders: Iterable[Any], events: Iterable[Mapping[str, Any]], tz: str = "Europe/Moscow"
) -> dict[RefundKey, tuple[int, Decimal]]:
    """(refund date, city, event id, show id, zone) -> (refunded tickets, amount returned)."""
    zone = ZoneInfo(tz)
    cities = _cities(events)
    totals: dict[RefundKey, tuple[int, Decimal]] = {}
    for order in orders:
        try:
            payed, _payed_at, _deleted_at, event_id, baskets = _baskets(order)
            if not payed:
                continue
            for basket in baskets:
                refunded_at = _moment(basket.get("refunded_at"))
                if refunded_at is None or basket.get("deleted_at") is not None:
                    continue
                amount = basket.get("refunded_amount")
                money = _money(amount if amount is not None else basket["price"])
                key = (
                    refunded_at.astimezone(zone).date(),
                    cities[event_id],
                    event_id,
                    basket["show_id"],
                    zone_of(basket.get("seat_id")),
                )
                tickets, total = totals.get(key, (0, Decimal(0)))
                totals[key] = (tickets + basket["quantity"], total + money)
        except _Malformed:
            continue
    return {key: (tickets, total.quantize(CENTS)) for key, (tickets, total) in totals.items()}


def _seat_list(seats: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Seat records of a seats reply's ``data``, flat (keyed by seat id) or tree (keyed by zone)."""
    records: list[Mapping[str, Any]] = []
    for value in seats.values():
        if isinstance(value, Mapping) and isinstance(value.get("seats"), Mapping) and "root_id" not in value:
            records.extend(value["seats"].values())
        elif isinstance(value, Mapping):
            records.append(value)
    return records


def _quantity(value: Any) -> int | None:
    """A seat quantity; None where it is not set (``""`` or null)."""
    if value is None or value == "":
        return None
    return int(value)


def _coming_shows(events: Iterable[Mapping[str, Any]], now: datetime) -> Iterable[Mapping[str, Any]]:
    if now.tzinfo is None:
        now = now.replace(tzinfo=MOSCOW)
    for event in events:
        if event.get("deleted_at") is not None:
            continue
        for show in event.get("shows") or []:
            if show.get("deleted_at") is not None:
                continue
            end = _moment(show.get("finish_date")) or _moment(show.get("start_date"))
            if end is None or end <= now:
                continue
            yield show


def _distinct_seats(seats: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    seen: set[str] = set()
    result = []
    for seat in _seat_list(seats):
        root_id = seat["root_id"]
        if seat.get("disabled") or root_id in seen:
            continue
        seen.add(root_id)
        result.append(seat)
    return result


def expected_inventory(
    events: Iterable[Mapping[str, Any]],
    seats_by_show: Mapping[int, Mapping[str, Any]],
    now: datetime,
) -> dict[int, tuple[int | None, int | None]]:
    """show id -> (tickets total, tickets left) for the shows still to come; (None, None) where capacity is unknown.

    ``seats_by_show`` maps a show id to the ``data`` of its seats reply; a show to come without one is an error
    (KeyError), not a silent zero.
    """
    inventory: dict[int, tuple[int | None, int | None]] = {}
    for show in _coming_shows(events, now):
        total: int | None = 0
        left: int | None = 0
        for seat in _distinct_seats(seats_by_show[show["id"]]):
            capacity, free = _quantity(seat.get("max_quantity")), _quantity(seat.get("free_quantity"))
            total = None if total is None or capacity is None else total + capacity
            left = None if left is None or free is None or capacity is None else left + free
        inventory[show["id"]] = (total, left)
    return inventory


def expected_inventory_zones(
    events: Iterable[Mapping[str, Any]],
    seats_by_show: Mapping[int, Mapping[str, Any]],
    now: datetime,
) -> dict[ZoneKey, ZoneInventory]:
    """(show id, zone) -> capacity, left (None where unknown), sold and reserved, for the shows still to come.

    The zone is the seat's ``zone_root_id`` (a tariff copy's ``zone_id`` without its tariff), which is the
    basket's zone as :func:`zone_of` reads it from ``seat_id``.
    """
    zones: dict[ZoneKey, ZoneInventory] = {}
    for show in _coming_shows(events, now):
        for seat in _distinct_seats(seats_by_show[show["id"]]):
            key = (show["id"], str(seat.get("zone_root_id") or zone_of(seat["root_id"])))
            capacity, free = _quantity(seat.get("max_quantity")), _quantity(seat.get("free_quantity"))
            known = zones.get(key, ZoneInventory(0, 0, 0, 0))
            zones[key] = ZoneInventory(
                capacity=None if known.capacity is None or capacity is None else known.capacity + capacity,
                left=None if known.left is None or free is None or capacity is None else known.left + free,
                sold=known.sold + int(seat.get("payed_quantity") or 0),
                reserved=known.reserved + int(seat.get("ordered_quantity") or 0),
            )
    return zones


__all__ = [
    "SalesDetail",
    "ZoneInventory",
    "expected_inventory",
    "expected_inventory_zones",
    "expected_refunds",
    "expected_sales",
    "expected_sales_detail",
    "malformed_order_ids",
    "zone_of",
]
