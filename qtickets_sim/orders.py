"""Orders as the simulator stores them: how one is built and how it changes (payment, cancellation, refund...).

A stored order holds what varies and what list filters read; :mod:`.wire` adds the fields the real API carries
that follow from these (URLs, masked card number, empty ``fields``/``integrations``, a basket's company-buyer
fields...) when an order is served. Every change goes through a function here, so that ``updated_at`` of the order
(and of a changed basket) always follows, and ``price`` stays the sum of the live baskets. Money is whole roubles.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .ads import CHANNELS, campaign_id
from .catalog import EMAIL_DOMAINS, FIRST_NAMES, MIDDLE_NAMES, SURNAMES, UTM_CAMPAIGNS, UTM_MEDIUMS, UTM_SOURCES
from .dates import MINUTE, iso_msk
from .model import SeatDef, Show, Zone
from .rand import between, mix, pick

Order = dict[str, Any]
Basket = dict[str, Any]
RESERVE_MINUTES = 20
PAYMENT_TYPES = ("card",) * 17 + ("4326371", "5210934", "7700412")


@dataclass(frozen=True, slots=True)
class Item:
    """One basket to create: a seat (or a tariff zone) of a show, a tariff and a quantity."""

    show: Show
    zone: Zone
    seat: SeatDef
    tariff: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    surname: str
    middlename: str | None
    email: str
    phone: str | None


def person_from(draw: int) -> Person:
    """An invented person from 64 random bits."""
    first, first_lat = FIRST_NAMES[draw % len(FIRST_NAMES)]
    draw //= len(FIRST_NAMES)
    last, last_lat = SURNAMES[draw % len(SURNAMES)]
    draw //= len(SURNAMES)
    middle = MIDDLE_NAMES[draw % len(MIDDLE_NAMES)]
    draw //= len(MIDDLE_NAMES)
    email = f"{first_lat}.{last_lat}{1 + draw % 9999}@{EMAIL_DOMAINS[(draw // 9999) % len(EMAIL_DOMAINS)]}"
    digits = f"{(draw // 19_998) % 1_000_000:06d}"
    phone = f"+7 999 0{digits[:2]}-{digits[2:4]}-{digits[4:]}"
    return Person(first, last, middle, email, phone)


def invent_person(rng: random.Random) -> Person:
    return person_from(rng.getrandbits(63))


class ClientBook:
    """The account's buyers, made on first use: a big account has about 0.74 clients per order (93k / 126k)."""

    def __init__(self, salt: int, size: int, first_id: int) -> None:
        self.salt = salt
        self.size = size
        self.first_id = first_id
        self.made: dict[int, dict[str, Any]] = {}

    def client_id(self, index: int) -> int:
        return self.first_id + index * 6 + mix(self.salt ^ index) % 6

    def person(self, index: int) -> Person:
        return person_from(mix(self.salt + 7 * index + 1))

    def client(self, index: int) -> dict[str, Any]:
        found = self.made.get(index)
        if found is None:
            person = self.person(index)
            found = self.made[index] = {
                "id": self.client_id(index),
                "email": person.email,
                "details": {
                    "name": person.name,
                    "surname": person.surname,
                    "middlename": person.middlename,
                    "phone": person.phone,
                    "vk_id": None,
                    "facebook_id": None,
                },
            }
        return found

    def index_of_email(self, email: str) -> int | None:
        for index, client in self.made.items():
            if client["email"] == email:
                return index
        return None


@dataclass(frozen=True, slots=True)
class Offers:
    """What can lower an order's price: discounts, and promo codes (by city, and the account-wide ones)."""

    discounts: Sequence[tuple[int, int]]  # (id, percent)
    city_codes: dict[int, list[tuple[int, int]]]  # city id -> (promo code id, percent)
    general_codes: Sequence[tuple[int, int]]
    free_codes: Sequence[tuple[int, int]]  # 100 % codes and the blogger's 99 %


class OrderFactory:
    """Builds new orders: buyer, discount, prices and baskets, all drawn from the given RNG."""

    def __init__(self, clients: ClientBook, offers: Offers, city_of_event: dict[int, int]) -> None:
        self.clients = clients
        self.offers = offers
        self.city_of_event = city_of_event
        self._sites = ({"id": 1, "host": "tickets.example.org"}, {"id": 2, "host": "afisha.example.com"})
        self._utms = tuple(
            {"utm_source": source, "utm_medium": medium, "utm_campaign": campaign}
            for source in UTM_SOURCES
            for medium in UTM_MEDIUMS[source]
            for campaign in UTM_CAMPAIGNS
        )

    def _price_cut(self, rng: random.Random, event_id: int) -> tuple[int | None, int | None, int]:
        offers = self.offers
        roll = rng.random()
        if roll < 0.10 and offers.discounts:
            discount_id, percent = pick(rng, offers.discounts)
            return discount_id, None, percent
        if roll < 0.19:
            kind = rng.random()
            codes = offers.city_codes.get(self.city_of_event.get(event_id, -1)) or offers.general_codes
            if kind < 0.25 and offers.free_codes:
                codes = offers.free_codes
            elif kind < 0.45 and offers.general_codes:
                codes = offers.general_codes
            if codes:
                code_id, percent = pick(rng, codes)
                return None, code_id, percent
        return None, None, 0

    def _utm(self, rng: random.Random, event_id: int) -> dict[str, str] | None:
        if rng.random() < 0.62:
            return None
        utm = dict(pick(rng, self._utms))
        if utm["utm_source"] in CHANNELS:  # the organiser's links carry the campaign id macro of the ad account
            utm["utm_campaign"] = str(campaign_id(utm["utm_source"], event_id, utm["utm_campaign"]))
        if rng.random() < 0.2:
            utm["utm_content"] = f"banner{between(rng, 1, 4)}"
        return utm

    def build(
        self,
        rng: random.Random,
        order_id: int,
        basket_ids: Iterator[int],
        created_ts: int,
        event_id: int,
        items: Sequence[Item],
        client_index: int | None = None,
    ) -> Order:
        book = self.clients
        if client_index is None:
            client_index = int(rng.random() * book.size)
        client = book.client(client_index)
        details = client["details"]
        buyer = (details["name"], details["surname"], client["email"], details["phone"])
        discount_id, promo_code_id, percent = self._price_cut(rng, event_id)
        created = iso_msk(created_ts)
        baskets = []
        for position, item in enumerate(items):
            if position == 0 or rng.random() < 0.6:
                name, surname, email, phone = buyer
            else:
                other = invent_person(rng)
                name, surname, email, phone = other.name, other.surname, other.email, other.phone
            original = item.show.price(item.seat, item.tariff) * item.quantity
            price = original - original * percent // 100
            baskets.append(
                {
                    "id": next(basket_ids),
                    "show_id": item.show.id,
                    "seat_id": item.seat.root_id,
                    "seat_name": item.seat.name,
                    "series": item.show.series,
                    "price": price,
                    "original_price": original,
                    "discount_value": original - price,
                    "quantity": item.quantity,
                    "barcode": str(100_000_000_000 + int(rng.random() * 900_000_000_000)),
                    "checked_at": None,
                    "created_at": created,
                    "updated_at": created,
                    "deleted_at": None,
                    "refunded_at": None,
                    "refunded_amount": None,
                    "refunded_deduction_amount": None,
                    "client_name": name,
                    "client_surname": surname,
                    "client_email": email,
                    "client_phone": phone,
                }
            )
        order: Order = {
            "id": order_id,
            "uniqid": f"{created_ts:08x}{rng.getrandbits(20):05x}",
            "payed": False,
            "payed_at": None,
            "created_at": created,
            "updated_at": created,
            "deleted_at": None,
            "event_id": event_id,
            "price": 0,
            "original_price": 0,
            "currency_id": "RUB",
            "client_id": client["id"],
            "client": client,
            "site": self._sites[0] if rng.random() < 0.85 else self._sites[1],
            "payment_type_id": pick(rng, PAYMENT_TYPES),
            "discount_id": discount_id,
            "promo_code_id": promo_code_id,
            "reserved": True,
            "reserved_to": iso_msk(created_ts + RESERVE_MINUTES * MINUTE),
            "utm": self._utm(rng, event_id),
            "refunds": [],
            "baskets": baskets,
        }
        recompute_price(order)
        return order


def is_live(basket: Basket) -> bool:
    return basket["deleted_at"] is None and basket["refunded_at"] is None


def recompute_price(order: Order) -> None:
    live = [basket for basket in order["baskets"] if is_live(basket)]
    order["price"] = sum(basket["price"] for basket in live)
    order["original_price"] = sum(basket["original_price"] for basket in live)


def touch(order: Order, stamp: str) -> None:
    # All order timestamps share the +03:00 form, so string order is time order.
    if stamp > order["updated_at"]:
        order["updated_at"] = stamp


def _touch_basket(order: Order, basket: Basket, stamp: str) -> None:
    if stamp > basket["updated_at"]:
        basket["updated_at"] = stamp
    touch(order, stamp)


def reserve(order: Order, until_ts: int) -> None:
    order["reserved"] = True
    order["reserved_to"] = iso_msk(until_ts)


def pay(order: Order, ts: int) -> None:
    """Paid: ``reserved`` goes false, ``reserved_to`` stays (the real API keeps it on paid orders)."""
    stamp = iso_msk(ts)
    order["payed"] = True
    order["payed_at"] = stamp
    order["reserved"] = False
    touch(order, stamp)


def cancel(order: Order, ts: int) -> None:
    stamp = iso_msk(ts)
    order["deleted_at"] = stamp
    touch(order, stamp)


def refund(order: Order, baskets: Sequence[Basket], ts: int, refund_id: int, deduction_percent: int) -> None:
    stamp = iso_msk(ts)
    total = deducted = 0
    for basket in baskets:
        price = basket["price"]
        deduction = price * deduction_percent // 100
        basket["refunded_at"] = stamp
        basket["refunded_amount"] = price - deduction
        basket["refunded_deduction_amount"] = deduction
        total += price - deduction
        deducted += deduction
        _touch_basket(order, basket, stamp)
    order["refunds"] = [
        *order["refunds"],
        {
            "id": refund_id,
            "amount": total,
            "deduction_amount": deducted,
            "basket_ids": [basket["id"] for basket in baskets],
            "created_at": stamp,
        },
    ]
    recompute_price(order)


def delete_basket(order: Order, basket: Basket, ts: int) -> None:
    """A deleted basket loses its barcode (and its ticket links); its refund amounts read 0."""
    stamp = iso_msk(ts)
    basket["deleted_at"] = stamp
    basket["barcode"] = None
    basket["refunded_amount"] = 0
    basket["refunded_deduction_amount"] = 0
    _touch_basket(order, basket, stamp)
    recompute_price(order)


def check_in(order: Order, basket: Basket, ts: int) -> None:
    stamp = iso_msk(ts)
    basket["checked_at"] = stamp
    _touch_basket(order, basket, stamp)


def is_paid(order: Order) -> bool:
    return bool(order["payed"]) and order["deleted_at"] is None


def live_baskets(order: Order) -> list[Basket]:
    return [basket for basket in order["baskets"] if is_live(basket)]
