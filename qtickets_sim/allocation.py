"""Which seats a new order takes: the best free ones, or the ones a create-order body asks for."""

from __future__ import annotations

import itertools
import random
from typing import Any

from .history import GA_QUANTITIES
from .model import SeatDef, Show, Zone
from .orders import Item
from .rand import pick, weighted
from .seats import Occupancy, find_seat, free_quantity, free_seats, occupancy
from .state import Store


class OrderRejected(Exception):
    """A POST /orders body that does not describe an order the account can take."""


def requested_item(show: Show, raw: dict[str, Any], taken: Occupancy) -> Item:
    quantity = raw.get("quantity", 1)
    if type(quantity) is not int or quantity < 1:
        raise OrderRejected("quantity must be a positive integer")
    seat_id = raw.get("seat_id")
    if seat_id is None:
        item = first_free(show, quantity, taken)
    elif isinstance(seat_id, str) and (found := find_seat(show, seat_id)) is not None:
        zone, seat, tariff = found
        if (quantity > 1 and not zone.admission) or free_quantity(zone, seat, taken) < quantity:
            raise OrderRejected(f"seat {seat_id} is not free")
        item = Item(show, zone, seat, tariff, quantity)
    else:
        raise OrderRejected(f"no seat {seat_id!r} in show {show.id}")
    hold(taken, item.seat, quantity)
    return item


def first_free(show: Show, quantity: int, taken: Occupancy) -> Item:
    for zone in show.zones:
        if zone.admission:
            seat = zone.seats[0]
            if free_quantity(zone, seat, taken) >= quantity:
                return Item(show, zone, seat, zone.tariffs[0], quantity)
        elif quantity == 1:
            free = free_seats(zone, taken)
            if free:
                return Item(show, zone, free[0], zone.tariffs[0], 1)
    raise OrderRejected(f"show {show.id} has no {quantity} free tickets")


def hold(taken: Occupancy, seat: SeatDef, quantity: int) -> None:
    counts = taken.setdefault(seat.root_id, [0, 0])
    counts[1] += quantity


def choose_items(rng: random.Random, show: Show, wanted: int, store: Store) -> list[Item]:
    taken = occupancy(store, show.id)
    zones = show.zones
    if all(zone.admission for zone in zones):
        # An exhibition: each basket one tariff, by how often buyers choose it.
        cumulative = list(itertools.accumulate(zone.weight for zone in zones))
        items = []
        for _ in range(wanted):
            zone = weighted(rng, zones, cumulative)
            seat, quantity = zone.seats[0], pick(rng, GA_QUANTITIES)
            if free_quantity(zone, seat, taken) >= quantity:
                hold(taken, seat, quantity)
                items.append(Item(show, zone, seat, zone.tariffs[0], quantity))
        return items
    first = pick(rng, zones)
    for zone in (first, *[zone for zone in zones if zone is not first]):
        items = items_in(rng, show, zone, wanted, taken)
        if items:
            return items
    return []


def items_in(rng: random.Random, show: Show, zone: Zone, wanted: int, taken: Occupancy) -> list[Item]:
    if zone.admission:
        seat = zone.seats[0]
        items = []
        for _ in range(min(wanted, 2)):
            quantity = pick(rng, GA_QUANTITIES)
            if free_quantity(zone, seat, taken) < quantity:
                break
            hold(taken, seat, quantity)
            items.append(Item(show, zone, seat, zone.tariffs[0], quantity))
        return items
    free = free_seats(zone, taken)[:wanted]
    return [
        Item(show, zone, seat, "child" if len(zone.tariffs) > 1 and rng.random() < 0.15 else "full", 1) for seat in free
    ]
