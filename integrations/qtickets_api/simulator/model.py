"""The organiser's static world: cities, venues with their seats, events and shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from .dates import iso_local, iso_msk

TARIFF_PRICE_FACTOR = {"full": 1.0, "child": 0.6}


@dataclass(frozen=True, slots=True)
class City:
    id: int
    name: str
    timezone: str

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def api(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "timezone": self.timezone}


@dataclass(frozen=True, slots=True)
class SeatDef:
    """One physical seat, or the single record of a general-admission zone."""

    root_id: str
    row: int
    place: int
    name: str
    disabled: bool


@dataclass(frozen=True, slots=True)
class Zone:
    zone_id: str
    name: str
    admission: bool
    tariffs: tuple[str, ...]
    price_factor: float
    seats: tuple[SeatDef, ...]
    max_quantity: int  # per seat record: 1 for a seat, the capacity for a general-admission zone
    capacity: int  # tickets the zone can sell: its enabled seats times max_quantity


@dataclass(frozen=True, slots=True)
class Venue:
    id: int
    city: City
    name: str
    address: str
    zones: tuple[Zone, ...]
    capacity: int


@dataclass(slots=True)
class Show:
    id: int
    event_id: int
    venue: Venue
    start_ts: int
    finish_ts: int | None
    sale_start_ts: int
    sale_finish_ts: int
    open_ts: int
    created_ts: int
    # zone id -> (price id, full-tariff price in kopecks)
    prices: dict[str, tuple[int, int]]
    is_active: bool = True
    deleted_ts: int | None = None

    def on_sale(self, ts: int) -> bool:
        return self.deleted_ts is None and self.is_active and self.sale_start_ts <= ts < self.sale_finish_ts

    def price_kop(self, zone_id: str, tariff: str) -> int:
        full = self.prices[zone_id][1]
        if tariff == "full":
            return full
        return round(full * TARIFF_PRICE_FACTOR[tariff] / 1000) * 1000

    def api(self) -> dict[str, Any]:
        tz = self.venue.city.tz
        return {
            "id": self.id,
            "event_id": self.event_id,
            "is_active": self.is_active,
            "start_date": iso_local(self.start_ts, tz),
            "finish_date": iso_local(self.finish_ts, tz) if self.finish_ts is not None else None,
            "sale_start_date": iso_local(self.sale_start_ts, tz),
            "sale_finish_date": iso_local(self.sale_finish_ts, tz),
            "open_date": iso_local(self.open_ts, tz),
            "prices": [{"id": price_id, "default_price": money(kop)} for price_id, kop in self.prices.values()],
            "created_at": iso_msk(self.created_ts),
            "deleted_at": iso_msk(self.deleted_ts) if self.deleted_ts is not None else None,
        }


@dataclass(slots=True)
class Event:
    id: int
    name: str
    venue: Venue
    created_ts: int
    updated_ts: int
    popularity: float
    shows: list[Show] = field(default_factory=list)
    is_active: bool = True
    deleted_ts: int | None = None

    def api(self) -> dict[str, Any]:
        city = self.venue.city
        return {
            "id": self.id,
            "name": self.name,
            "is_active": self.is_active,
            "deleted_at": iso_msk(self.deleted_ts) if self.deleted_ts is not None else None,
            "created_at": iso_msk(self.created_ts),
            "updated_at": iso_msk(self.updated_ts),
            "place_name": self.venue.name,
            "place_address": self.venue.address,
            "site_url": f"https://tickets.example.org/event/{self.id}",
            "currency_id": "RUB",
            "city_id": city.id,
            "city": city.api(),
            "shows": [show.api() for show in self.shows],
        }


def money(kopecks: int) -> int | float:
    """Kopecks as the JSON number the API serves: whole roubles as an int, else a float with 2 decimals."""
    if kopecks % 100 == 0:
        return kopecks // 100
    return round(kopecks / 100, 2)


def kopecks(value: Any) -> int:
    """The inverse of :func:`money` for values the simulator itself wrote."""
    return round(float(value) * 100)
