"""The simulator's answers against the shapes a live account really sent (``/work/shared/real_answers.md``).

Field by field, type and nullability, over every record the HTTP API serves: orders with their baskets, events
with their shows, discounts, promo codes and clients. A field added, dropped or served with another type fails
here, so the simulator cannot drift back to an easier API than the real one.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from qtickets_sim import Simulator

Check = Callable[[Any], bool]
MSK = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+03:00$")  # every timestamp is written in Moscow time


def integer(value: Any) -> bool:
    return type(value) is int


def money(value: Any) -> bool:
    """Prices are JSON integers (roubles) in the real capture."""
    return type(value) is int and value >= 0


def flag(value: Any) -> bool:
    """``is_active`` is an integer 0/1, not a boolean."""
    return type(value) is int and value in (0, 1)


def boolean(value: Any) -> bool:
    return type(value) is bool


def text(value: Any) -> bool:
    return type(value) is str


def digits(value: Any) -> bool:
    return type(value) is str and value.isdigit()


def stamp(value: Any) -> bool:
    return type(value) is str and MSK.match(value) is not None


def empty_list(value: Any) -> bool:
    return value == [] and type(value) is list


def null(value: Any) -> bool:
    return value is None


def a_list(value: Any) -> bool:
    return type(value) is list


def an_object(value: Any) -> bool:
    return type(value) is dict


def optional(check: Check) -> Check:
    def test(value: Any) -> bool:
        return value is None or check(value)

    test.__name__ = f"optional({check.__name__})"
    return test


def exactly(*values: Any) -> Check:
    def test(value: Any) -> bool:
        return any(type(value) is type(item) and value == item for item in values)

    test.__name__ = f"one of {values!r}"
    return test


def payment_type(value: Any) -> bool:
    """A string: "card" or the digits of a payment integration ("4326371")."""
    return type(value) is str and (value == "card" or value.isdigit())


def utm(value: Any) -> bool:
    """``[]`` when empty, else an object of utm_* strings with at least source, medium and campaign."""
    if value == [] and type(value) is list:
        return True
    return (
        type(value) is dict
        and {"utm_source", "utm_medium", "utm_campaign"} <= set(value)
        and all(key.startswith("utm_") and type(item) is str for key, item in value.items())
    )


def masked_card(value: Any) -> bool:
    return type(value) is str and re.fullmatch(r"\d{6}\*{6}\d{4}", value) is not None


def coordinates(value: Any) -> bool:
    return type(value) is list and len(value) == 2 and all(type(item) is float for item in value)


def shape_of(fields: dict[str, Check]) -> Check:
    def test(value: Any) -> bool:
        return type(value) is dict and set(value) == set(fields) and all(fields[k](value[k]) for k in fields)

    test.__name__ = f"object{sorted(fields)}"
    return test


def list_of(check: Check) -> Check:
    def test(value: Any) -> bool:
        return type(value) is list and all(check(item) for item in value)

    test.__name__ = f"list_of({check.__name__})"
    return test


def strings_only(value: Any) -> bool:
    """scheme_properties: nested objects whose leaves are all strings ("0", "1", "")."""
    if type(value) is dict:
        return all(strings_only(item) for item in value.values())
    return type(value) is str


ORDER: dict[str, Check] = {
    "id": integer,
    "uniqid": text,
    "event_id": integer,
    "client_id": integer,
    "site_id": optional(integer),
    "payment_type_id": payment_type,
    "payment_id": optional(integer),
    "discount_id": optional(integer),
    "promo_code_id": optional(integer),
    "access_code_id": null,
    "basket_user_id": optional(integer),
    "backend_user_id": null,
    "currency_id": exactly("RUB"),
    "price": money,
    "original_price": money,
    "payed": boolean,
    "payed_at": optional(stamp),
    "reserved": boolean,
    "reserve_extended": boolean,
    "reserved_to": stamp,  # always a timestamp, even on paid orders
    "created_at": stamp,
    "updated_at": stamp,
    "deleted_at": optional(stamp),
    "payment_url": text,
    "cancel_url": text,
    "payment_card_number": optional(masked_card),
    "utm": utm,
    "custom": exactly(""),
    "fields": empty_list,
    "integrations": empty_list,
    "client": an_object,
    "site": shape_of({"id": integer, "host": text}),
    "refunds": a_list,
    "baskets": a_list,
}
BASKET: dict[str, Check] = {
    "id": integer,
    "show_id": integer,
    "seat_id": text,
    "seat_name": text,
    "series": digits,
    "multiprice_code": null,
    "quantity": integer,
    "price": money,
    "original_price": money,
    "discount_value": money,
    "ticket_original_price": money,
    "ticket_amount": money,
    "service_fee_amount": money,
    "barcode": optional(digits),
    "pdf_url": optional(text),
    "passbook_url": optional(text),
    "checked_at": optional(stamp),
    "created_at": stamp,
    "updated_at": stamp,
    "deleted_at": optional(stamp),
    "refunded_at": optional(stamp),
    "refunded_amount": optional(money),
    "refunded_deduction_amount": optional(money),
    "client_name": optional(text),
    "client_surname": optional(text),
    "client_email": optional(text),
    "client_phone": optional(text),
    "organization_name": optional(text),
    "legal_name": optional(text),
    "work_position": optional(text),
    "inn": optional(digits),
    "kpp": optional(digits),
    "comment": optional(text),
    "related_baskets": empty_list,
    "services": empty_list,
    "refunds": a_list,
}
PRICE = shape_of({"id": integer, "default_price": money, "color_theme": digits, "modifiers": a_list})
SHOW: dict[str, Check] = {
    "id": integer,
    "name": text,
    "is_active": flag,
    "sale_start_date": optional(stamp),
    "sale_finish_date": stamp,
    "open_date": stamp,
    "start_date": stamp,
    "finish_date": stamp,  # never null
    "created_at": stamp,
    "updated_at": stamp,
    "deleted_at": optional(stamp),
    "prices": list_of(PRICE),
    "min_price": optional(PRICE),
    "max_price": optional(PRICE),
    "scheme_properties": lambda value: (
        type(value) is dict and set(value) == {"admin", "zones", "seats"} and strings_only(value)
    ),
}
EVENT: dict[str, Check] = {
    "id": integer,
    "name": text,
    "slug": text,
    "url": text,
    "site_url": text,
    "is_active": flag,
    "event_type_id": integer,
    "age": lambda value: type(value) is str and re.fullmatch(r"\d{1,2}\+", value) is not None,
    "currency_id": exactly("RUB"),
    "city_id": integer,
    "city": shape_of({"id": integer, "name": text, "timezone": text}),
    "place_name": text,
    "place_address": text,
    "place_coordinates": coordinates,
    "external_id": null,
    "created_at": stamp,
    "updated_at": stamp,
    "deleted_at": optional(stamp),
    "poster": an_object,
    "ticket": an_object,
    "mail_template": an_object,
    "payments": list_of(shape_of({"id": integer, "is_active": flag, "name": text, "handler": text, "agree_url": text})),
    "shows": a_list,
}
OFFER_DATES: dict[str, Check] = {"created_at": stamp, "updated_at": stamp, "deleted_at": optional(stamp)}
DISCOUNT: dict[str, Check] = {
    "id": integer,
    "name": text,
    "type": text,
    "value": integer,
    "is_active": flag,
    **OFFER_DATES,
}
PROMO_CODE: dict[str, Check] = {
    "id": integer,
    "code": text,
    "type": text,
    "value": integer,
    "is_active": flag,
    **OFFER_DATES,
}
CLIENT = shape_of(
    {
        "id": integer,
        "email": text,
        "details": shape_of(
            {
                "name": optional(text),
                "surname": optional(text),
                "middlename": optional(text),
                "phone": optional(text),
                "vk_id": optional(integer),
                "facebook_id": optional(integer),
            }
        ),
    }
)


def every(client: httpx.Client, path: str) -> Iterator[dict[str, Any]]:
    """Every record of a list, by keyset over id (as a loader would)."""
    last = 0
    while True:
        body = {"where": [{"column": "id", "operator": ">", "value": last}], "orderBy": {"id": "asc"}, "perPage": 500}
        data = client.request("GET", path, json=body).json()["data"]
        if not data:
            return
        yield from data
        last = data[-1]["id"]


def mismatches(record: dict[str, Any], shape: dict[str, Check], where: str) -> list[str]:
    found = []
    missing, extra = set(shape) - set(record), set(record) - set(shape)
    if missing or extra:
        found.append(f"{where}: missing {sorted(missing)}, unexpected {sorted(extra)}")
    for name, check in shape.items():
        if name in record and not check(record[name]):
            found.append(f"{where}.{name} = {record[name]!r} is not {getattr(check, '__name__', 'valid')}")
    return found


@pytest.fixture(scope="module")
def orders(client: httpx.Client) -> list[dict[str, Any]]:
    return list(every(client, "/orders"))


@pytest.fixture(scope="module")
def events(client: httpx.Client) -> list[dict[str, Any]]:
    return list(every(client, "/events"))


def test_orders_and_baskets(orders: list[dict[str, Any]]) -> None:
    problems: list[str] = []
    for order in orders:
        problems += mismatches(order, ORDER, f"order {order['id']}")
        for basket in order["baskets"]:
            problems += mismatches(basket, BASKET, f"basket {basket['id']}")
    assert not problems, "\n".join(problems[:20])


def test_values_as_the_capture_has_them(orders: list[dict[str, Any]]) -> None:
    baskets = [basket for order in orders for basket in order["baskets"]]
    for basket in baskets:
        deleted = basket["deleted_at"] is not None
        # A deleted basket has no barcode and no ticket links; its refund amounts read 0.
        for name in ("barcode", "pdf_url", "passbook_url"):
            assert (basket[name] is None) is deleted, (basket["id"], name)
        if deleted:
            assert basket["refunded_amount"] == basket["refunded_deduction_amount"] == 0
        elif basket["refunded_at"] is None:
            assert basket["refunded_amount"] is None and basket["refunded_deduction_amount"] is None
    assert any(basket["deleted_at"] for basket in baskets)
    paid = [order for order in orders if order["payed"]]
    assert all(order["reserved_to"] for order in paid)
    assert all(order["payment_card_number"] is None for order in orders if order["payment_type_id"] != "card")
    kinds = Counter("empty" if order["utm"] == [] else "tagged" for order in orders)
    assert kinds["empty"] > kinds["tagged"] > 0
    companies = [basket for basket in baskets if basket["inn"] is not None]
    assert all(basket["organization_name"] and basket["kpp"] for basket in companies)


def test_events_and_shows(events: list[dict[str, Any]]) -> None:
    problems: list[str] = []
    for event in events:
        problems += mismatches(event, EVENT, f"event {event['id']}")
        for show in event["shows"]:
            problems += mismatches(show, SHOW, f"show {show['id']}")
            assert "event_id" not in show
    assert not problems, "\n".join(problems[:20])
    shows = [show for event in events for show in event["shows"]]
    # sale_start_date is null on most shows (38 of 40 in the capture)
    assert sum(show["sale_start_date"] is None for show in shows) > 0.7 * len(shows)
    # scheme_properties lists every seat; prices' color themes are "1".."n"
    for show in shows:
        themes = [price["color_theme"] for price in show["prices"]]
        assert themes == [str(position) for position in range(1, len(themes) + 1)]
        used = {seat["color_theme"] for seat in show["scheme_properties"]["seats"].values()}
        assert used <= set(themes)
    assert any(not event["is_active"] for event in events) and any(event["is_active"] for event in events)


def test_single_objects_have_the_shapes_of_the_lists(
    client: httpx.Client, orders: list[dict[str, Any]], events: list[dict[str, Any]]
) -> None:
    assert client.get(f"/orders/{orders[10]['id']}").json()["data"] == orders[10]
    event = client.get(f"/events/{events[-1]['id']}").json()["data"]
    assert not mismatches(event, EVENT, "event") and event == events[-1]


def test_discounts_promo_codes_and_clients(client: httpx.Client, sim: Simulator) -> None:
    problems: list[str] = []
    for record in every(client, "/discounts"):
        problems += mismatches(record, DISCOUNT, f"discount {record['id']}")
    codes = list(every(client, "/promo-codes"))
    for record in codes:
        problems += mismatches(record, PROMO_CODE, f"promo code {record['id']}")
    assert not problems, "\n".join(problems[:20])
    assert {record["is_active"] for record in codes} == {0, 1}
    clients = list(every(client, "/clients"))
    assert clients and all(CLIENT(record) for record in clients)
    assert {order["client_id"] for order in sim.orders()} == {record["id"] for record in clients}
