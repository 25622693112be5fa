"""The independent truth: sales and inventory computed straight from API-form data by the stated rules.

Tests and the soak compare what the loader put into ClickHouse with these. Written from the rules, not from the
loader, so that a shared misunderstanding cannot hide.

Sales: a basket counts when its order is paid (``payed`` true and ``payed_at`` set) and not deleted, and the basket
is neither deleted nor refunded. The sales date is the ``payed_at`` date in ``tz``; tickets sum ``quantity``,
revenue sums the basket ``price`` (after discount). Orders that do not parse are skipped and listed apart.

Inventory: for every show that is not deleted, of an event that is not deleted, and not over (its finish date, or
start date without one, is after ``now``): each physical seat once (by ``root_id``), disabled seats left out;
tickets_total sums ``max_quantity``, tickets_left sums ``free_quantity``. Where a seat has no ``max_quantity``
(``""`` or null: an exhibition sold by tariff) the capacity is unknown and so are total and left (None).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

CENTS = Decimal("0.01")
MOSCOW = ZoneInfo("Europe/Moscow")
_DECIMAL = re.compile(r"^-?\d+(?:\.\d+)?$")

SalesKey = tuple[date, int, int]  # (sales date, event id, show id)


class _Malformed(Exception):
    pass


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


def _sales_of(order: Any, zone: tzinfo) -> list[tuple[SalesKey, int, Decimal]]:
    """The counted baskets of one order; raises _Malformed when the order does not parse."""
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
    rows = []
    for basket in baskets:
        if not isinstance(basket, dict):
            raise _Malformed
        _int(basket.get("id"))
        show_id = _int(basket.get("show_id"))
        quantity = _int(basket.get("quantity"))
        price = _money(basket.get("price"))
        gone = _moment(basket.get("deleted_at")) is not None or _moment(basket.get("refunded_at")) is not None
        if payed and payed_at is not None and deleted_at is None and not gone:
            rows.append(((payed_at.astimezone(zone).date(), event_id, show_id), quantity, price))
    return rows


def malformed_order_ids(orders: Iterable[Any]) -> set[int | None]:
    """Ids of the orders that do not parse (None for one without a usable id)."""
    broken: set[int | None] = set()
    for order in orders:
        try:
            _sales_of(order, MOSCOW)
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
            rows = _sales_of(order, zone)
        except _Malformed:
            continue
        for key, quantity, price in rows:
            tickets, revenue = totals.get(key, (0, Decimal(0)))
            totals[key] = (tickets + quantity, revenue + price)
    return {key: (tickets, revenue.quantize(CENTS)) for key, (tickets, revenue) in totals.items()}


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


def expected_inventory(
    events: Iterable[Mapping[str, Any]],
    seats_by_show: Mapping[int, Mapping[str, Any]],
    now: datetime,
) -> dict[int, tuple[int | None, int | None]]:
    """show id -> (tickets total, tickets left) for the shows still to come; (None, None) where capacity is unknown.

    ``seats_by_show`` maps a show id to the ``data`` of its seats reply; a show to come without one is an error
    (KeyError), not a silent zero.
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=MOSCOW)
    inventory: dict[int, tuple[int | None, int | None]] = {}
    for event in events:
        if event.get("deleted_at") is not None:
            continue
        for show in event.get("shows") or []:
            if show.get("deleted_at") is not None:
                continue
            end = _moment(show.get("finish_date")) or _moment(show.get("start_date"))
            if end is None or end <= now:
                continue
            total: int | None = 0
            left: int | None = 0
            seen: set[str] = set()
            for seat in _seat_list(seats_by_show[show["id"]]):
                root_id = seat["root_id"]
                if seat.get("disabled") or root_id in seen:
                    continue
                seen.add(root_id)
                capacity, free = _quantity(seat.get("max_quantity")), _quantity(seat.get("free_quantity"))
                total = None if total is None or capacity is None else total + capacity
                left = None if left is None or free is None or capacity is None else left + free
            inventory[show["id"]] = (total, left)
    return inventory


__all__ = ["expected_inventory", "expected_sales", "malformed_order_ids"]
