"""Venue layouts: seated zones of rows x places and general-admission zones."""

from __future__ import annotations

import random

from .catalog import STREETS, VENUE_TEMPLATES, VENUE_WORDS, ZoneTemplate
from .model import City, SeatDef, Venue, Zone

DISABLED_SHARE = 0.015


def build_venue(rng: random.Random, venue_id: int, city: City, template_index: int) -> Venue:
    title, zone_templates = VENUE_TEMPLATES[template_index]
    name = title.format(n=rng.choice(VENUE_WORDS))
    address = f"г. {city.name}, {rng.choice(STREETS)}, д. {rng.randint(1, 120)}"
    zones = tuple(_build_zone(rng, template) for template in zone_templates)
    capacity = sum(zone.capacity for zone in zones)
    return Venue(id=venue_id, city=city, name=name, address=address, zones=zones, capacity=capacity)


def _build_zone(rng: random.Random, template: ZoneTemplate) -> Zone:
    zone_id, name, rows, places, tariffs, factor = template
    if rows == 0:
        capacity = max(300, min(places, round(places * rng.uniform(0.2, 1.2) / 50) * 50))
        seat = SeatDef(root_id=f"{zone_id}-0;0", row=0, place=0, name=name, disabled=False)
        return Zone(zone_id, name, True, tariffs, factor, (seat,), capacity, capacity)
    rows = max(2, round(rows * rng.uniform(0.8, 1.2)))
    places = max(4, round(places * rng.uniform(0.8, 1.2)))
    seats = tuple(
        SeatDef(
            root_id=f"{zone_id}-{row};{place}",
            row=row,
            place=place,
            name=f"Ряд {row}, место {place}",
            disabled=rng.random() < DISABLED_SHARE,
        )
        for row in range(1, rows + 1)
        for place in range(1, places + 1)
    )
    enabled = sum(1 for seat in seats if not seat.disabled)
    return Zone(zone_id, name, False, tariffs, factor, seats, 1, enabled)


def template_for_city(rng: random.Random, big_city: bool) -> list[int]:
    """Which venue templates a city has (indexes into VENUE_TEMPLATES); every city has a concert hall."""
    optional = [1, 2]
    rng.shuffle(optional)
    chosen = [0, *optional[: rng.randint(1, 2)]]
    if big_city:
        chosen.append(3)
    return sorted(chosen)
