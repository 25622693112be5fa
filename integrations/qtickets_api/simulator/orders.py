"""Orders in API form: how one is built and how it changes (payment, cancellation, refund...).

An order is the dict the API serves. Every change goes through a function here, so that ``updated_at`` of the
order (and of a changed basket) always follows, and ``price`` stays the sum of the live baskets.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .catalog import EMAIL_DOMAINS, FIRST_NAMES, SURNAMES, UTM_SOURCES
from .dates import iso_msk
from .model import SeatDef, Show, Zone, kopecks, money
from .rand import between, pick

Order = dict[str, Any]
Basket = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Item:
    """One basket to create: a seat (or a general-admission zone) of a show, a tariff and a quantity."""

    show: Show
    zone: Zone
    seat: SeatDef
    tariff: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    surname: str
    email: str
    phone: str | None


def invent_person(rng: random.Random) -> Person:
    first, first_lat = pick(rng, FIRST_NAMES)
    last, last_lat = pick(rng, SURNAMES)
    email = f"{first_lat}.{last_lat}{between(rng, 1, 9999)}@{pick(rng, EMAIL_DOMAINS)}"
    digits = f"{int(rng.random() * 1_000_000):06d}"
    phone = f"+7 999 0{digits[:2]}-{digits[2:4]}-{digits[4:]}"
    return Person(first, last, email, phone)


def client_record(client_id: int, person: Person) -> dict[str, Any]:
    return {
        "id": client_id,
        "email": person.email,
        "details": {"name": person.name, "surname": person.surname, "phone": person.phone},
    }


class OrderFactory:
    """Builds new orders: buyer, discount, prices and baskets, all drawn from the given RNG."""

    def __init__(
        self,
        clients: list[dict[str, Any]],
        persons: list[Person],
        discounts: Sequence[tuple[int, int]],
        promo_codes: Sequence[tuple[int, int]],
    ) -> None:
        self.clients = clients
        self.persons = persons
        self._discounts = discounts
        self._promo_codes = promo_codes
        self._sites = ({"id": 1, "host": "tickets.example.org"}, {"id": 2, "host": "afisha.example.com"})
        self._utms = tuple(
            None if source is None else {"utm_source": source, "utm_medium": "cpc", "utm_campaign": "season"}
            for source in UTM_SOURCES
        )

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
        if client_index is None:
            client_index = int(rng.random() * len(self.clients))
        client = self.clients[client_index]
        buyer = self.persons[client_index]
        discount_id = promo_code_id = None
        percent = 0
        if rng.random() < 0.2:
            if rng.random() < 0.6:
                discount_id, percent = pick(rng, self._discounts)
            else:
                promo_code_id, percent = pick(rng, self._promo_codes)
        created = iso_msk(created_ts)
        baskets = []
        for position, item in enumerate(items):
            holder = buyer if position == 0 or rng.random() < 0.6 else invent_person(rng)
            unit = item.show.price_kop(item.zone.zone_id, item.tariff)
            original = unit * item.quantity
            price = original - original * percent // 100
            baskets.append(
                {
                    "id": next(basket_ids),
                    "show_id": item.show.id,
                    "seat_id": item.seat.root_id,
                    "price": money(price),
                    "original_price": money(original),
                    "discount_value": money(original - price),
                    "quantity": item.quantity,
                    "barcode": str(100_000_000_000 + int(rng.random() * 900_000_000_000)),
                    "checked_at": None,
                    "created_at": created,
                    "updated_at": created,
                    "deleted_at": None,
                    "refunded_at": None,
                    "refunded_amount": None,
                    "refunded_deduction_amount": None,
                    "client_name": holder.name,
                    "client_surname": holder.surname,
                    "client_email": holder.email,
                    "client_phone": holder.phone,
                    "multiprice_code": item.tariff,
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
            "payment_type_id": pick(rng, (1, 1, 1, 1, 1, 1, 1, 4, 4, 7)),
            "discount_id": discount_id,
            "promo_code_id": promo_code_id,
            "reserved": True,
            "reserved_to": None,
            "utm": pick(rng, self._utms),
            "custom": None,
            "fields": [],
            "refunds": [],
            "baskets": baskets,
        }
        recompute_price(order)
        return order


def copy_order(order: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of an order as served; strings are immutable, so they are shared, not copied."""
    copied = dict(order)
    for key, value in copied.items():
        if type(value) is list and key == "baskets":
            copied[key] = [dict(item) if type(item) is dict else json_copy(item) for item in value]
        elif type(value) is dict or type(value) is list:
            copied[key] = json_copy(value)
    return copied


def json_copy(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return {key: json_copy(item) for key, item in value.items()}
    if kind is list:
        return [json_copy(item) for item in value]
    return value


def is_live(basket: Basket) -> bool:
    return basket["deleted_at"] is None and basket["refunded_at"] is None


def recompute_price(order: Order) -> None:
    live = [basket for basket in order["baskets"] if is_live(basket)]
    order["price"] = money(sum(kopecks(basket["price"]) for basket in live))
    order["original_price"] = money(sum(kopecks(basket["original_price"]) for basket in live))


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
        price = kopecks(basket["price"])
        deduction = price * deduction_percent // 100
        basket["refunded_at"] = stamp
        basket["refunded_amount"] = money(price - deduction)
        basket["refunded_deduction_amount"] = money(deduction)
        total += price - deduction
        deducted += deduction
        _touch_basket(order, basket, stamp)
    order["refunds"] = [
        *order["refunds"],
        {
            "id": refund_id,
            "amount": money(total),
            "deduction_amount": money(deducted),
            "basket_ids": [basket["id"] for basket in baskets],
            "created_at": stamp,
        },
    ]
    recompute_price(order)


def delete_basket(order: Order, basket: Basket, ts: int) -> None:
    stamp = iso_msk(ts)
    basket["deleted_at"] = stamp
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
