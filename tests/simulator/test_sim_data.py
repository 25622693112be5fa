"""The generated history: deterministic, realistic in shape, and with the field names of the real API."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

import httpx

from qtickets_sim import Simulator

ORDER_FIELDS = {
    "id", "uniqid", "payed", "payed_at", "created_at", "updated_at", "deleted_at", "event_id", "price",
    "original_price", "currency_id", "client_id", "client", "site", "site_id", "payment_type_id", "payment_id",
    "payment_url", "cancel_url", "payment_card_number", "basket_user_id", "backend_user_id", "access_code_id",
    "discount_id", "promo_code_id", "reserved", "reserve_extended", "reserved_to", "utm", "custom", "fields",
    "integrations", "refunds", "baskets",
}  # fmt: skip
BASKET_FIELDS = {
    "id", "show_id", "seat_id", "seat_name", "series", "price", "original_price", "discount_value",
    "ticket_original_price", "ticket_amount", "service_fee_amount", "quantity", "barcode", "pdf_url",
    "passbook_url", "checked_at", "created_at", "updated_at", "deleted_at", "refunded_at", "refunded_amount",
    "refunded_deduction_amount", "client_name", "client_surname", "client_email", "client_phone",
    "multiprice_code", "organization_name", "legal_name", "work_position", "inn", "kpp", "comment",
    "related_baskets", "services", "refunds",
}  # fmt: skip
SHOW_FIELDS = {
    "id", "name", "is_active", "start_date", "finish_date", "sale_start_date", "sale_finish_date", "open_date",
    "prices", "min_price", "max_price", "scheme_properties", "created_at", "updated_at", "deleted_at",
}  # fmt: skip
MSK_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+03:00$")
EXHIBITION, SEATED = 4, 1  # event_type_id
HOSTS = ("https://tickets.example.org/", "https://afisha.example.com/")


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
        assert {"name", "surname", "phone"} <= set(order["client"]["details"])
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
        for key in ("created_at", "updated_at", "deleted_at"):
            assert event[key] is None or MSK_STAMP.match(event[key])
        for show in event["shows"]:
            # Shows too are written in Moscow time; the venue's zone is only in city.timezone.
            for key in ("start_date", "finish_date", "sale_start_date", "sale_finish_date", "open_date"):
                assert show[key] is None or MSK_STAMP.match(show[key]), show[key]
            assert show["finish_date"] is not None


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
    assert len(events) == 6  # max(6, 2000 * 223 / 126000)
    assert any(not event["is_active"] for event in events)
    assert any(event["deleted_at"] for event in events)  # deleted events stay listed
    assert any(event["name"].startswith("Удалить - ") for event in events)
    assert any(show["deleted_at"] for event in events for show in event["shows"])
    now = sim.now()
    assert len(sim.shows_on_sale()) >= 2
    assert any(datetime.fromisoformat(show["start_date"]) < now for event in events for show in event["shows"])
    for event in events:
        assert event["city"]["timezone"].startswith("Asia/")
        assert event["city_id"] == event["city"]["id"]
        assert event["event_type_id"] in (EXHIBITION, SEATED)
        if event["event_type_id"] == EXHIBITION:
            assert len(event["shows"]) == 1
        else:
            assert 5 <= len(event["shows"]) <= 13


def test_personal_data_is_invented(sim: Simulator) -> None:
    phone = re.compile(r"^\+7 999 0\d{2}-\d{2}-\d{2}$")
    for order in sim.orders()[:500]:
        assert order["client"]["email"].endswith(("@example.com", "@example.org"))
        assert phone.match(order["client"]["details"]["phone"])
        for basket in order["baskets"]:
            assert basket["client_email"].endswith(("@example.com", "@example.org"))
            assert basket["barcode"] is None if basket["deleted_at"] else basket["barcode"].isdigit()
            for link in ("pdf_url", "passbook_url"):
                assert basket[link] is None or basket[link].startswith(HOSTS)
        assert order["cancel_url"].startswith(HOSTS) and order["payment_url"].startswith(HOSTS)


def test_scales_down_and_up(fresh: Callable[..., Simulator]) -> None:
    tiny = fresh(orders=50, seed=3)
    assert len(tiny.orders()) == 50
    assert len(tiny.events()) == 6
    bigger = fresh(orders=9000, seed=3)
    assert len(bigger.events()) == 16  # 9000 * 223 / 126000
    assert len(bigger.orders()) == 9000


def test_orders_are_deep_copies(sim: Simulator) -> None:
    first = sim.orders()[0]
    first["baskets"][0]["price"] = -1
    first["client"]["details"]["name"] = "changed"
    again = sim.orders()[0]
    assert again["baskets"][0]["price"] != -1
    assert again["client"]["details"]["name"] != "changed"


def test_the_account_sells_like_the_real_one(sim: Simulator, client: httpx.Client) -> None:
    orders = sim.orders()
    codes = {item["id"]: item for item in client.request("GET", "/promo-codes", json={"perPage": 500}).json()["data"]}
    cities = {event["id"]: event["city"]["name"] for event in sim.events()}
    free = [b for o in orders for b in o["baskets"] if b["price"] == 0]
    assert free and all(b["original_price"] > 0 and b["discount_value"] == b["original_price"] for b in free)
    free_codes = {
        codes[o["promo_code_id"]]["code"]
        for o in orders
        for b in o["baskets"]
        if b["price"] == 0 and b["original_price"] > 0
    }
    assert free_codes <= {"admin100", "guest100"} and free_codes
    city_coded = [o for o in orders if o["promo_code_id"] and codes[o["promo_code_id"]]["code"][0].isupper()]
    assert any(codes[o["promo_code_id"]]["code"].startswith(cities[o["event_id"]].upper()) for o in city_coded)
    tagged = [o["utm"] for o in orders if o["utm"] != []]
    assert 0.2 < len(tagged) / len(orders) < 0.6
    assert {utm["utm_source"] for utm in tagged} == {"insta", "yandex", "vk"}
    assert all({"utm_source", "utm_medium", "utm_campaign"} <= set(utm) for utm in tagged)
    payment_types = Counter(o["payment_type_id"] for o in orders)
    assert payment_types["card"] > 0.7 * len(orders) and all(kind == "card" or kind.isdigit() for kind in payment_types)
    # Exhibitions sell by tariff zone: baskets of one order in several zones, all on the zone's single seat.
    exhibition_shows = {
        show["id"] for event in sim.events() if event["event_type_id"] == EXHIBITION for show in event["shows"]
    }
    zones = [b["seat_id"] for o in orders for b in o["baskets"] if b["show_id"] in exhibition_shows]
    assert zones and all(seat.endswith("-1;1") for seat in zones)
    assert len({seat.rsplit("-", 1)[0] for seat in zones}) >= 4
