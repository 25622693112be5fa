"""Seat inventory of a show, derived from the live baskets of its orders.

A seated show lists each seat once per tariff (``full_PARTERRE-3;14``, ``child_PARTERRE-3;14``). An exhibition's
tariff zones are one record each whose ``max_quantity`` is not set: the API writes ``""`` there, and so does the
simulator for ``free_quantity`` (what is left of an unknown capacity is unknown too); sold and reserved quantities
are still counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .model import SeatDef, Show, Zone
from .orders import is_live
from .state import Store

# root seat id -> [payed quantity, ordered (reserved, unpaid) quantity]
Occupancy = dict[str, list[int]]
UNLIMITED = 1_000_000_000


def occupancy(store: Store, show_id: int) -> Occupancy:
    """What the live baskets hold: a basket of a non-deleted order, itself neither deleted nor refunded."""
    taken: Occupancy = {}
    for order in store.orders_of_show(show_id):
        if order["deleted_at"] is not None:
            continue
        slot = 0 if order["payed"] else 1
        for basket in order["baskets"]:
            if basket["show_id"] != show_id or not is_live(basket):
                continue
            counts = taken.get(basket["seat_id"])
            if counts is None:
                counts = taken[basket["seat_id"]] = [0, 0]
            counts[slot] += basket["quantity"]
    return taken


def seat_records(store: Store, show: Show) -> Iterator[dict[str, Any]]:
    """Every seat record of a show, one per tariff of each physical seat, with live quantities."""
    taken = occupancy(store, show.id)
    for zone in show.zones:
        for seat in zone.seats:
            payed, ordered = taken.get(seat.root_id, (0, 0))
            if zone.max_quantity is None:
                max_quantity: int | str = ""
                free: int | str = ""
                room = True
            else:
                max_quantity = zone.max_quantity
                free = max(0, zone.max_quantity - payed - ordered)
                room = free > 0
            for tariff in zone.tariffs:
                yield {
                    "id": f"{tariff}_{seat.root_id}",
                    "root_id": seat.root_id,
                    "zone_id": f"{tariff}_{zone.zone_id}",
                    "zone_root_id": zone.zone_id,
                    "name": seat.name,
                    "row": seat.row,
                    "place": seat.place,
                    "admission": zone.admission,
                    "max_quantity": max_quantity,
                    "free_quantity": free,
                    "ordered_quantity": ordered,
                    "payed_quantity": payed,
                    "in_basket_quantity": 0,
                    "available": not seat.disabled and room and show.deleted_ts is None,
                    "disabled": seat.disabled,
                    "price": show.price(seat, tariff),
                    "currency_id": "RUB",
                }


def zone_names(show: Show) -> dict[str, tuple[str, bool]]:
    """Tariff zone id -> (name, admission), for the tree form of the seats reply."""
    return {f"{tariff}_{zone.zone_id}": (zone.name, zone.admission) for zone in show.zones for tariff in zone.tariffs}


def free_seats(zone: Zone, taken: Occupancy) -> list[SeatDef]:
    """Free, enabled seats of a seated zone, best first."""
    return [seat for seat in zone.seats if not seat.disabled and seat.root_id not in taken]


def free_quantity(zone: Zone, seat: SeatDef, taken: Occupancy) -> int:
    if seat.disabled:
        return 0
    if zone.max_quantity is None:
        return UNLIMITED
    payed, ordered = taken.get(seat.root_id, (0, 0))
    return max(0, zone.max_quantity - payed - ordered)


def find_seat(show: Show, seat_id: str) -> tuple[Zone, SeatDef, str] | None:
    """A seat by its root id (``ZONE-ROW;PLACE``) or by a tariff copy id (``child_ZONE-ROW;PLACE``)."""
    for zone in show.zones:
        for tariff in zone.tariffs:
            if seat_id.startswith(f"{tariff}_{zone.zone_id}-"):
                root_id, chosen = seat_id[len(tariff) + 1 :], tariff
                break
        else:
            if not seat_id.startswith(f"{zone.zone_id}-"):
                continue
            root_id, chosen = seat_id, zone.tariffs[0]
        for seat in zone.seats:
            if seat.root_id == root_id:
                return zone, seat, chosen
    return None
