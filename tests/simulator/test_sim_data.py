"""The generated history: deterministic, realistic in shape, and with the field names of the real API."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from integrations.qtickets_api.simulator import Simulator

ORDER_FIELDS = {
    "id", "uniqid", "payed", "payed_at", "created_at", "updated_at", "deleted_at", "event_id", "price",
    "original_price", "currency_id", "client_id", "client", "site", "payment_type_id", "discount_id",
    "promo_code_id", "reserved", "reserved_to", "utm", "custom", "fields", "refunds", "baskets",
}  # fmt: skip
BASKET_FIELDS = {
    "id", "show_id", "seat_id", "price", "original_price", "discount_value", "quantity", "barcode", "checked_at",
    "created_at", "updated_at", "deleted_at", "refunded_at", "refunded_amount", "refunded_deduction_amount",
    "client_name", "client_surname", "client_email", "client_phone", "multiprice_code",
}  # fmt: skip
SHOW_FIELDS = {
    "id", "event_id", "is_active", "start_date", "finish_date", "sale_start_date", "sale_finish_date",
    "open_date", "prices", "created_at", "deleted_at",
}  # fmt: skip
MSK_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+03:00$")
OFFSET_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")


def money(value: int | float) -> Decimal:
    return Decimal(repr(value)).quantize(Decimal("0.01"))


def test_same_seed_gives_the_same_data(fresh: Callable[..., Simulator]) -> None:
    first, second, other = fresh(orders=200, seed=11), fresh(orders=200, seed=11), fresh(orders=200, seed=12)
    assert first.orders() == second.orders()
    assert first.events() == second.events()
    assert first.orders() != other.orders()


def test_fields_are_named_as_in_the_contract(sim: Simulator) -> None:
    for order in sim.orders()[:300]:
        assert set(order) == ORDER_FIELDS
        assert set(order["client"]) == {"id", "email", "details"}
        assert set(order["client"]["details"]) == {"name", "surname", "phone"}
        for basket in order["baskets"]:
            assert set(basket) == BASKET_FIELDS
    for event in sim.events():
        assert {"id", "name", "is_active", "deleted_at", "place_name", "city_id", "city", "shows"} <= set(event)
        assert set(event["city"]) == {"id", "name", "timezone"}
        for show in event["shows"]:
            assert set(show) == SHOW_FIELDS


def test_history_runs_from_may_2021_to_now_with_ascending_ids(sim: Simulator) -> None:
    orders = sim.orders()
    assert len(orders) == 2000
    ids = [order["id"] for order in orders]
    created = [order["created_at"] for order in orders]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert created == sorted(created)
    assert created[0].startswith("2021-05-")
    assert datetime.fromisoformat(created[-1]) <= sim.now()
    basket_ids = [basket["id"] for order in orders for basket in order["baskets"]]
    assert len(set(basket_ids)) == len(basket_ids)


def test_timestamps_carry_offsets(sim: Simulator) -> None:
    for order in sim.orders():
        for key in ("payed_at", "created_at", "updated_at", "deleted_at", "reserved_to"):
            assert order[key] is None or MSK_STAMP.match(order[key]), order[key]
        for basket in order["baskets"]:
            for key in ("created_at", "updated_at", "deleted_at", "refunded_at", "checked_at"):
                assert basket[key] is None or MSK_STAMP.match(basket[key])
    for event in sim.events():
        for show in event["shows"]:
            assert OFFSET_STAMP.match(show["start_date"])


def test_all_order_states_occur(sim: Simulator) -> None:
    orders = sim.orders()
    states: Counter[str] = Counter()
    for order in orders:
        if order["payed"] and order["deleted_at"] is None:
            states["paid"] += 1
        if order["payed"] and order["deleted_at"] is not None:
            states["paid then cancelled"] += 1
        if not order["payed"] and order["deleted_at"] is not None:
            states["expired reservation"] += 1
            assert order["reserved"] and order["reserved_to"]
        if not order["payed"] and order["deleted_at"] is None:
            states["pending reservation"] += 1
        if any(basket["refunded_at"] for basket in order["baskets"]):
            states["refunded basket"] += 1
        if any(basket["deleted_at"] for basket in order["baskets"]):
            states["deleted basket"] += 1
        if order["discount_id"] or order["promo_code_id"]:
            states["discounted"] += 1
    assert states["paid"] > 0.75 * len(orders)
    for state in ("paid then cancelled", "expired reservation", "refunded basket", "deleted basket"):
        assert states[state] > 0, state
    assert 0.12 < states["discounted"] / len(orders) < 0.3


def test_updated_at_follows_every_change(sim: Simulator) -> None:
    for order in sim.orders():
        stamps = [order["created_at"], order["payed_at"], order["deleted_at"]]
        for basket in order["baskets"]:
            stamps += [basket["updated_at"], basket["refunded_at"], basket["deleted_at"], basket["checked_at"]]
            assert basket["updated_at"] >= basket["created_at"]
        assert order["updated_at"] == max(stamp for stamp in stamps if stamp)


def test_prices_add_up(sim: Simulator) -> None:
    ga_multi = 0
    for order in sim.orders():
        live = [b for b in order["baskets"] if b["deleted_at"] is None and b["refunded_at"] is None]
        assert money(order["price"]) == sum((money(b["price"]) for b in live), Decimal("0.00"))
        assert money(order["original_price"]) == sum((money(b["original_price"]) for b in live), Decimal("0.00"))
        for basket in order["baskets"]:
            assert money(basket["original_price"]) - money(basket["price"]) == money(basket["discount_value"])
            assert basket["quantity"] >= 1
            ga_multi += basket["quantity"] > 1
            if basket["refunded_at"]:
                refunded = money(basket["refunded_amount"]) + money(basket["refunded_deduction_amount"])
                assert refunded == money(basket["price"])
        if not order["discount_id"] and not order["promo_code_id"]:
            assert order["price"] == order["original_price"]
        assert order["currency_id"] == "RUB"
    assert ga_multi > 0


def test_one_event_per_order_and_baskets_on_its_shows(sim: Simulator) -> None:
    show_event = {show["id"]: event["id"] for event in sim.events() for show in event["shows"]}
    shows_per_order: Counter[int] = Counter()
    for order in sim.orders():
        assert 1 <= len(order["baskets"]) <= 6
        assert {show_event[basket["show_id"]] for basket in order["baskets"]} == {order["event_id"]}
        shows_per_order[len({basket["show_id"] for basket in order["baskets"]})] += 1
    assert shows_per_order[1] > 0.9 * sum(shows_per_order.values())


def test_events_cities_and_retired_items(sim: Simulator) -> None:
    events = sim.events()
    assert len(events) == 6  # clamp(2000 / 450, 6, 320)
    assert any(not event["is_active"] for event in events)
    assert any(show["deleted_at"] for event in events for show in event["shows"])
    now = sim.now()
    on_sale = [
        show
        for event in events
        if event["is_active"]
        for show in event["shows"]
        if show["deleted_at"] is None
        and datetime.fromisoformat(show["sale_start_date"]) <= now < datetime.fromisoformat(show["start_date"])
    ]
    assert len(on_sale) >= 2
    assert any(datetime.fromisoformat(show["start_date"]) < now for event in events for show in event["shows"])
    for event in events:
        assert event["city"]["timezone"].startswith(("Europe/", "Asia/"))
        assert event["city_id"] == event["city"]["id"]
        assert 1 <= len(event["shows"]) <= 4


def test_personal_data_is_invented(sim: Simulator) -> None:
    phone = re.compile(r"^\+7 999 0\d{2}-\d{2}-\d{2}$")
    for order in sim.orders()[:500]:
        assert order["client"]["email"].endswith(("@example.com", "@example.org"))
        assert phone.match(order["client"]["details"]["phone"])
        for basket in order["baskets"]:
            assert basket["client_email"].endswith(("@example.com", "@example.org"))
            assert basket["barcode"].isdigit()


def test_scales_down_and_up(fresh: Callable[..., Simulator]) -> None:
    tiny = fresh(orders=50, seed=3)
    assert len(tiny.orders()) == 50
    assert len(tiny.events()) == 6
    bigger = fresh(orders=9000, seed=3)
    assert len(bigger.events()) == 20
    assert len(bigger.orders()) == 9000


def test_orders_are_deep_copies(sim: Simulator) -> None:
    first = sim.orders()[0]
    first["baskets"][0]["price"] = -1
    first["client"]["details"]["name"] = "changed"
    again = sim.orders()[0]
    assert again["baskets"][0]["price"] != -1
    assert again["client"]["details"]["name"] != "changed"
