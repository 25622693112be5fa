"""The parts of QTickets records the loader relies on, validated with msgspec; the rest is kept raw.

msgspec rather than pydantic because this is the backfill's hot path: converting 126k orders with
their baskets took 9 µs an order with msgspec and 38 µs with pydantic on the same machine.
Field names follow the API (``payed`` is the real spelling). A timestamp without an offset is read
as Moscow time, the API's own zone.
"""

from __future__ import annotations

import functools
import zlib
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from ..errors import InvalidRecordError
from . import sold
from .moscow import aware as _aware

T = TypeVar("T")

# version bits: milliseconds of the latest change (< 2**44) | progress (8 bits) | content digest (12 bits)
_DIGEST_BITS = 12
_DIGEST_MASK = (1 << _DIGEST_BITS) - 1
_PROGRESS_MAX = 255
_MS_SHIFT = _DIGEST_BITS + 8


def flag(value: Any) -> bool:
    """A flag as the API writes them: true/false, 0/1, or "0"/"1"/"" text."""
    if isinstance(value, str):
        return value.strip().lower() not in ("", "0", "false", "no")
    return bool(value)


def convert(item: Any, kind: type[T]) -> T:
    try:
        return msgspec.convert(item, kind, strict=False)
    except msgspec.ValidationError as exc:
        raise InvalidRecordError(str(exc)) from None


def decode_order(data: bytes | msgspec.Raw) -> Order:
    """An order straight from its JSON text; the same rules as ``convert(item, Order)``."""
    try:
        return _ORDER_DECODER.decode(data)
    except msgspec.DecodeError as exc:  # ValidationError included
        raise InvalidRecordError(str(exc)) from None


class Basket(msgspec.Struct):
    id: int
    show_id: int
    seat_id: str | None = None
    price: Decimal = Decimal(0)
    original_price: Decimal | None = None
    quantity: int = 1
    created_at: datetime | None = None
    updated_at: datetime | None = None
    deleted_at: datetime | None = None
    refunded_at: datetime | None = None
    refunded_amount: Decimal | None = None
    checked_at: datetime | None = None
    promo_code_id: int | None = None
    discount_id: int | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.quantity <= 10_000:
            raise ValueError(f"quantity {self.quantity} is out of range")
        for name in ("created_at", "updated_at", "deleted_at", "refunded_at", "checked_at"):
            setattr(self, name, _aware(getattr(self, name)))

    @property
    def is_live(self) -> bool:
        """A ticket of a paid order that counts as sold (``sold.basket_counts``)."""
        return sold.basket_counts(basket_deleted=self.deleted_at is not None, refunded=self.refunded_at is not None)

    @property
    def zone(self) -> str:
        seat = self.seat_id or ""
        return seat.rsplit("-", 1)[0] if "-" in seat else seat


class Order(msgspec.Struct):
    id: int
    event_id: int
    created_at: datetime
    updated_at: datetime
    payed: bool = False
    payed_at: datetime | None = None
    deleted_at: datetime | None = None
    price: Decimal = Decimal(0)
    currency_id: str = "RUB"
    promo_code_id: int | None = None
    utm: Any = None  # an object of utm_* tags, or [] when there are none
    baskets: list[Basket] = []

    def __post_init__(self) -> None:
        for name in ("created_at", "updated_at", "payed_at", "deleted_at"):
            setattr(self, name, _aware(getattr(self, name)))

    def utm_tag(self, name: str) -> str:
        """``utm_source``, ``utm_medium`` or ``utm_campaign``; "" when the order has no such tag."""
        value = self.utm.get(name) if isinstance(self.utm, dict) else None
        return str(value)[:200] if isinstance(value, (str, int)) and not isinstance(value, bool) else ""

    @property
    def is_paid(self) -> bool:
        return sold.order_counts(payed=self.payed, payed_at=self.payed_at, deleted_at=self.deleted_at)

    @property
    def version(self) -> int:
        """Orders the states of one order: a later state has a higher version, also within one second.

        The API's timestamps have one-second resolution, so an order booked and paid in the same second (common
        with webhooks) shows two states with the same latest timestamp. The version is, from the high bits down:
        the milliseconds of the latest change we can see (a basket refund bumps it too); then how far the order
        has gone in its life (paid, cancelled, each basket deleted, refunded or scanned: each happens once and is
        never undone), so the later of two same-second states wins; then a digest of the content, so two
        different states are never taken for one and dropped as "already stored". The same state always gets the
        same version, from /orders and from a webhook alike: a duplicate changes nothing.
        """
        stamps = [self.updated_at, self.deleted_at, self.payed_at]
        progress = int(self.is_paid or self.payed) + int(self.deleted_at is not None)
        for basket in self.baskets:
            stamps.extend((basket.updated_at, basket.deleted_at, basket.refunded_at, basket.checked_at))
            progress += (
                (basket.deleted_at is not None) + (basket.refunded_at is not None) + (basket.checked_at is not None)
            )
        ms = max(int(ts.timestamp() * 1000) for ts in stamps if ts is not None)
        digest = zlib.crc32(_CONTENT.encode(self)) & _DIGEST_MASK
        return (ms << _MS_SHIFT) | (min(progress, _PROGRESS_MAX) << _DIGEST_BITS) | digest


class City(msgspec.Struct):
    id: int | None = None
    name: str = ""
    timezone: str | None = None


class PromoCode(msgspec.Struct):
    id: int
    code: str = ""
    is_active: Any = True


class Show(msgspec.Struct):
    id: int
    is_active: Any = True
    start_date: datetime | None = None
    finish_date: datetime | None = None
    deleted_at: datetime | None = None

    def __post_init__(self) -> None:
        for name in ("start_date", "finish_date", "deleted_at"):
            setattr(self, name, _aware(getattr(self, name)))

    def is_over(self, now: datetime) -> bool:
        end = self.finish_date or self.start_date
        return end is not None and end <= now


class Event(msgspec.Struct):
    id: int
    name: str = ""
    is_active: Any = True
    deleted_at: datetime | None = None
    place_name: str | None = None
    city_id: int | None = None
    city: City | None = None
    shows: list[Show] = []

    def __post_init__(self) -> None:
        self.deleted_at = _aware(self.deleted_at)

    @property
    def city_name(self) -> str:
        return self.city.name if self.city else ""

    @property
    def timezone(self) -> str:
        """The venue's IANA zone (``city.timezone``); "" when the API gave none or an unknown one."""
        name = self.city.timezone if self.city else None
        return name if name and _known_zone(name) else ""

    def local(self, moment: datetime | None) -> datetime | None:
        """``moment`` as the venue's wall clock, written as if UTC (what the ``*_local`` columns hold)."""
        if moment is None or not self.timezone:
            return None
        return moment.astimezone(ZoneInfo(self.timezone)).replace(tzinfo=UTC)


@functools.lru_cache(maxsize=64)
def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


_ORDER_DECODER = msgspec.json.Decoder(Order, strict=False)
_CONTENT = msgspec.msgpack.Encoder()  # the fields we model, in a fixed order: the state, not the JSON's spelling
