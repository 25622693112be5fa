"""The parts of QTickets records the loader relies on, validated (pydantic); everything else is kept raw.

Field names follow the API (``payed`` is the real spelling). A timestamp without an offset is read as
Moscow time, the API's own zone.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

API_ZONE = ZoneInfo("Europe/Moscow")


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=API_ZONE) if value.tzinfo is None else value


Timestamp = Annotated[datetime, AfterValidator(_aware)]
Money = Annotated[Decimal, Field(max_digits=16, decimal_places=2)]


class _Record(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Basket(_Record):
    id: int
    show_id: int
    seat_id: str | None = None
    price: Money = Decimal(0)
    original_price: Money | None = None
    quantity: int = Field(default=1, ge=0, le=10_000)
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None
    deleted_at: Timestamp | None = None
    refunded_at: Timestamp | None = None
    refunded_amount: Money | None = None

    @property
    def zone(self) -> str:
        seat = self.seat_id or ""
        return seat.rsplit("-", 1)[0] if "-" in seat else seat


class Order(_Record):
    id: int
    event_id: int
    payed: bool = False
    payed_at: Timestamp | None = None
    created_at: Timestamp
    updated_at: Timestamp
    deleted_at: Timestamp | None = None
    price: Money = Decimal(0)
    currency_id: str = "RUB"
    baskets: list[Basket] = Field(default_factory=list)

    @property
    def is_paid(self) -> bool:
        return self.payed and self.payed_at is not None and self.deleted_at is None

    @property
    def version(self) -> int:
        """Milliseconds of the latest change we can see, so a basket refund bumps the version too."""
        stamps = [self.updated_at, self.deleted_at, self.payed_at]
        for basket in self.baskets:
            stamps.extend((basket.updated_at, basket.deleted_at, basket.refunded_at))
        return max(int(ts.timestamp() * 1000) for ts in stamps if ts is not None)


class City(_Record):
    id: int | None = None
    name: str = ""
    timezone: str | None = None


class Show(_Record):
    id: int
    is_active: Any = True
    start_date: Timestamp | None = None
    finish_date: Timestamp | None = None
    deleted_at: Timestamp | None = None

    def is_over(self, now: datetime) -> bool:
        end = self.finish_date or self.start_date
        return end is not None and end <= now


class Event(_Record):
    id: int
    name: str = ""
    is_active: Any = True
    deleted_at: Timestamp | None = None
    place_name: str | None = None
    city_id: int | None = None
    city: City | None = None
    shows: list[Show] = Field(default_factory=list)

    @property
    def city_name(self) -> str:
        return self.city.name if self.city else ""
