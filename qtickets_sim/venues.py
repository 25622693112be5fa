"""Venues and seat layouts: halls with a numbered PARTERRE, and exhibitions' tariff zones of unknown capacity.

Each layout carries the ``scheme_properties`` the API serves with every show of it: ``admin`` settings, ``zones``
and one entry per seat, all values strings (``"0"``, ``"1"``, ``""``) as on the real account. Listing every seat is
what makes a seated event hundreds of kilobytes of JSON.
"""

from __future__ import annotations

import random
from typing import Any

from .catalog import CORE_TARIFFS, EXPO_NAMES, HALL_NAMES, STREETS, TARIFFS
from .model import City, Layout, SeatDef, Venue, Zone

DISABLED_SHARE = 0.015
PARTERRE = "PARTERRE"
ADMIN_SETTINGS = {"show_seat_names": "1", "hide_sold_seats": "0", "max_in_order": "", "reserve_minutes": "20"}


def build_venues(rng: random.Random, venue_id: int, city: City, gap: int) -> tuple[list[Venue], int]:
    """A city's halls and exhibition spaces; returns them and the last id used."""
    venues = []
    for _ in range(1 + int(rng.random() < 0.5)):
        venue_id += rng.randint(1, gap)
        venues.append(_venue(rng, venue_id, city, rng.choice(HALL_NAMES), hall_layout(rng)))
    for _ in range(1 + int(rng.random() < 0.4)):
        venue_id += rng.randint(1, gap)
        venues.append(_venue(rng, venue_id, city, rng.choice(EXPO_NAMES), None))
    return venues, venue_id


def _venue(rng: random.Random, venue_id: int, city: City, name: str, hall: Layout | None) -> Venue:
    address = f"г. {city.name}, {rng.choice(STREETS)}, д. {rng.randint(1, 120)}"
    latitude = round(city.latitude + rng.uniform(-0.03, 0.03), 6)
    longitude = round(city.longitude + rng.uniform(-0.05, 0.05), 6)
    coordinates = (latitude, longitude)
    return Venue(venue_id, city, name, address, coordinates, hall)


def hall_layout(rng: random.Random) -> Layout:
    """One numbered PARTERRE of 500-830 seats, priced by bands of rows."""
    target = rng.randint(500, 830)
    places = rng.randint(24, 36)
    rows = max(12, round(target / places))
    categories = rng.randint(2, 4)
    band = -(-rows // categories)
    seats = tuple(
        SeatDef(
            root_id=f"{PARTERRE}-{row};{place}",
            row=row,
            place=place,
            name=f"Партер, ряд {row}, место {place}",
            disabled=rng.random() < DISABLED_SHARE,
            category=(row - 1) // band,
        )
        for row in range(1, rows + 1)
        for place in range(1, places + 1)
    )
    tariffs = ("full", "child")  # the seat map lists every seat once per tariff
    enabled = sum(1 for seat in seats if not seat.disabled)
    zone = Zone(PARTERRE, "Партер", False, tariffs, seats, 1, enabled, 1.0)
    return Layout("seated", (zone,), categories, scheme_of((zone,)))


def exhibition_layout(rng: random.Random) -> Layout:
    """Tariff zones, each one seat ``"<tariff>-1;1"`` with no max_quantity: the capacity is not known."""
    extras = rng.sample(TARIFFS[CORE_TARIFFS:], rng.randint(0, 3))
    chosen = [*TARIFFS[:CORE_TARIFFS], *sorted(extras, key=TARIFFS.index)]
    zones = tuple(
        Zone(
            zone_id=slug,
            name=name,
            admission=True,
            tariffs=("full",),
            seats=(SeatDef(f"{slug}-1;1", 1, 1, name, False, position),),
            max_quantity=None,
            capacity=None,
            weight=weight,
        )
        for position, (slug, name, _price, weight) in enumerate(chosen)
    )
    return Layout("exhibition", zones, len(zones), scheme_of(zones))


def exhibition_prices(layout: Layout, factor: float) -> list[int]:
    """The tariffs' prices (roubles) of one exhibition: the catalogue's, scaled and rounded to 10."""
    base = {slug: price for slug, _name, price, _weight in TARIFFS}
    return [max(100, round(base[zone.zone_id] * factor / 10) * 10) for zone in layout.zones]


def scheme_of(zones: tuple[Zone, ...]) -> dict[str, Any]:
    quantity = {True: "", False: "1"}
    return {
        "admin": dict(ADMIN_SETTINGS),
        "zones": {
            zone.zone_id: {
                "name": zone.name,
                "disabled": "0",
                "max_quantity": "",
                "admission": str(int(zone.admission)),
            }
            for zone in zones
        },
        "seats": {
            seat.root_id: {
                "color_theme": str(seat.category + 1),
                "disabled": str(int(seat.disabled)),
                "max_quantity": quantity[zone.max_quantity is None],
            }
            for zone in zones
            for seat in zone.seats
        },
    }
