"""The organiser's static world: cities, venues, seat layouts, events and shows.

Money is whole roubles everywhere (the real API writes prices as JSON integers). Two kinds of events, as on the
real account: exhibitions (one show lasting weeks, sold by tariff zones whose capacity is not set) and seated
shows (several shows in a hall with one numbered PARTERRE).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal
from zoneinfo import ZoneInfo

CHILD_PRICE_FACTOR = 0.6
Kind = Literal["exhibition", "seated"]


@dataclass(frozen=True, slots=True)
class City:
    id: int
    name: str
    timezone: str
    region: int
    latitude: float
    longitude: float

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def api(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "timezone": self.timezone}


@dataclass(frozen=True, slots=True)
class SeatDef:
    """One physical seat, or the single record of a zone sold by quantity (an exhibition's tariff)."""

    root_id: str
    row: int
    place: int
    name: str  # readable, as baskets carry it in seat_name
    disabled: bool
    category: int  # index of the show's price (its color theme) that the seat is sold at


@dataclass(frozen=True, slots=True)
class Zone:
    zone_id: str
    name: str
    admission: bool  # one record carries the whole zone
    tariffs: tuple[str, ...]  # the seat map lists each seat once per tariff: "full_<root id>", "child_<root id>"
    seats: tuple[SeatDef, ...]
    max_quantity: int | None  # per seat record; None: not set (served as ""), the capacity is unknown
    capacity: int | None  # tickets the zone can sell, None when unknown
    weight: float  # how often buyers choose it


@dataclass(frozen=True, slots=True)
class Layout:
    """The zones of a hall or of an exhibition, and the scheme the API serves with every show of it."""

    kind: Kind
    zones: tuple[Zone, ...]
    categories: int
    scheme: dict[str, Any]  # scheme_properties; shared by every show of the layout, never mutated

    @property
    def capacity(self) -> int | None:
        if any(zone.capacity is None for zone in self.zones):
            return None
        return sum(zone.capacity or 0 for zone in self.zones)


@dataclass(frozen=True, slots=True)
class Venue:
    id: int
    city: City
    name: str
    address: str
    coordinates: tuple[float, float]
    hall: Layout | None  # the seat layout of a hall; None for an exhibition space (layout per exhibition)


@dataclass(slots=True)
class Show:
    id: int
    event_id: int
    venue: Venue
    layout: Layout
    start_ts: int
    finish_ts: int
    sale_start_ts: int
    sale_finish_ts: int
    open_ts: int
    created_ts: int
    prices: list[tuple[int, int]]  # per price category: (price id, roubles)
    sale_start_public: bool = False  # the real API serves sale_start_date as null on most shows
    series: str = ""
    is_active: bool = True
    deleted_ts: int | None = None

    @property
    def zones(self) -> tuple[Zone, ...]:
        return self.layout.zones

    def on_sale(self, ts: int) -> bool:
        return self.deleted_ts is None and self.is_active and self.sale_start_ts <= ts < self.sale_finish_ts

    def price(self, seat: SeatDef, tariff: str) -> int:
        full = self.prices[seat.category][1]
        if tariff == "full":
            return full
        return round(full * CHILD_PRICE_FACTOR / 10) * 10


@dataclass(slots=True)
class Event:
    id: int
    name: str
    slug: str
    kind: Kind
    venue: Venue
    layout: Layout
    created_ts: int
    updated_ts: int
    popularity: float
    age: str
    shows: list[Show] = field(default_factory=list)
    is_active: bool = True
    deleted_ts: int | None = None
