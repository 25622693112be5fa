"""truth.py: sales and inventory by the stated rules, on hand-made orders and against the simulator."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from qtickets_sim import FaultConfig, Simulator
from qtickets_sim.truth import (
    expected_inventory,
    expected_inventory_zones,
    expected_refunds,
    expected_sales,
    expected_sales_detail,
    malformed_order_ids,
)


def basket(basket_id: int, show_id: int = 10, price: Any = 1000, quantity: Any = 1, **extra: Any) -> dict[str, Any]:
    fields = {"id": basket_id, "show_id": show_id, "price": price, "quantity": quantity}
    fields.update({"deleted_at": None, "refunded_at": None})
    fields.update(extra)
    return fields


def order(order_id: int, baskets: Any, **extra: Any) -> dict[str, Any]:
    fields = {
        "id": order_id,
        "event_id": 1,
        "payed": True,
        "payed_at": "2025-11-01T10:05:00+03:00",
        "deleted_at": None,
        "baskets": baskets,
    }
    fields.update(extra)
    return fields


def test_counts_only_live_baskets_of_paid_orders() -> None:
    orders = [
        order(1, [basket(11, price=1500), basket(12, price=999.5), basket(13, deleted_at="2025-11-02T00:00:00+03:00")]),
        order(2, [basket(21, refunded_at="2025-11-03T12:00:00+03:00"), basket(22, show_id=20, quantity=3, price=4500)]),
        order(3, [basket(31)], payed=False, payed_at=None),
        order(4, [basket(41)], deleted_at="2025-11-05T10:00:00+03:00"),
        order(5, [basket(51)], payed=True, payed_at=None),
    ]
    day = date(2025, 11, 1)
    assert expected_sales(orders) == {
        (day, 1, 10): (2, Decimal("2499.50")),
        (day, 1, 20): (3, Decimal("4500.00")),
    }


def test_sales_date_is_the_payment_date_in_the_zone() -> None:
    late = [order(1, [basket(11)], payed_at="2025-11-01T22:30:00+00:00")]
    assert list(expected_sales(late)) == [(date(2025, 11, 2), 1, 10)]
    assert list(expected_sales(late, tz="UTC")) == [(date(2025, 11, 1), 1, 10)]
    assert list(expected_sales(late, tz="Asia/Novosibirsk")) == [(date(2025, 11, 2), 1, 10)]


def test_malformed_orders_are_skipped_and_reported() -> None:
    good = order(1, [basket(11)])
    broken = [
        order(2, [basket(21, price="1 000 руб.")]),
        {key: value for key, value in order(3, [basket(31)]).items() if key != "id"},
        order(4, [basket(41)], payed_at="0000-00-00 00:00:00"),
        order(5, {"51": basket(51)}),
        order(6, [basket(61, quantity="1 шт.")]),
        order(7, [basket(71)], payed="1"),
        "not an order",
    ]
    assert malformed_order_ids([good, *broken]) == {2, None, 4, 5, 6, 7}
    assert expected_sales([good, *broken]) == expected_sales([good])
    assert malformed_order_ids([order(8, [basket(81, price="1500.00")])]) == set()


def test_sales_agree_with_the_seat_map(sim: Simulator) -> None:
    sold: Counter[int] = Counter()
    for (_, _, show_id), (tickets, _) in expected_sales(sim.orders()).items():
        sold[show_id] += tickets
    for event in sim.events():
        for show in event["shows"]:
            seats = {seat["root_id"]: seat for seat in sim.seats(show["id"]).values()}
            assert sold[show["id"]] == sum(seat["payed_quantity"] for seat in seats.values()), show["id"]


def test_revenue_matches_order_prices(sim: Simulator) -> None:
    revenue = sum((value for _, value in expected_sales(sim.orders()).values()), Decimal(0))
    paid = [o for o in sim.orders() if o["payed"] and o["payed_at"] and o["deleted_at"] is None]
    assert revenue == sum((Decimal(repr(o["price"])) for o in paid), Decimal(0)).quantize(Decimal("0.01"))


def test_malformed_orders_of_the_simulator(fresh: Callable[..., Simulator]) -> None:
    sim = fresh(orders=500, faults=FaultConfig(malformed_orders=3))
    served = sim.orders()
    reported = malformed_order_ids(served)
    broken = sim.malformed_order_ids()
    assert len(reported) == 3 and len(broken) == 3
    assert reported - {None} <= broken
    sim.set_faults(FaultConfig())
    clean = sim.orders()
    assert malformed_order_ids(clean) == set()
    assert expected_sales(served) == expected_sales([o for o in clean if o["id"] not in broken])


def test_inventory_counts_each_physical_seat_once(sim: Simulator) -> None:
    now = sim.now()
    events = sim.events()
    seats_by_show = {show["id"]: sim.seats(show["id"]) for event in events for show in event["shows"]}
    inventory = expected_inventory(events, seats_by_show, now)
    assert inventory
    for event in events:
        for show in event["shows"]:
            end = datetime.fromisoformat(show["finish_date"] or show["start_date"])
            if show["deleted_at"] or end <= now:
                assert show["id"] not in inventory
                continue
            roots = {s["root_id"]: s for s in seats_by_show[show["id"]].values() if not s["disabled"]}
            if any(seat["max_quantity"] == "" for seat in roots.values()):
                assert inventory[show["id"]] == (None, None)  # an exhibition: capacity unknown
            else:
                total = sum(seat["max_quantity"] for seat in roots.values())
                held = sum(seat["payed_quantity"] + seat["ordered_quantity"] for seat in roots.values())
                assert inventory[show["id"]] == (total, total - held)
            tree = sim.seats(show["id"], flat=False)
            assert (
                expected_inventory([event], {**seats_by_show, show["id"]: tree}, now)[show["id"]]
                == (inventory[show["id"]])
            )


def test_inventory_rules_on_hand_made_data() -> None:
    now = datetime.fromisoformat("2026-01-01T12:00:00+03:00")
    seats = {
        "full_A-1;1": {"root_id": "A-1;1", "max_quantity": 1, "free_quantity": 0, "disabled": False},
        "child_A-1;1": {"root_id": "A-1;1", "max_quantity": 1, "free_quantity": 0, "disabled": False},
        "full_A-1;2": {"root_id": "A-1;2", "max_quantity": 1, "free_quantity": 1, "disabled": False},
        "full_A-1;3": {"root_id": "A-1;3", "max_quantity": 1, "free_quantity": 1, "disabled": True},
        "full_GA-0;0": {"root_id": "GA-0;0", "max_quantity": 500, "free_quantity": 480, "disabled": False},
    }

    def show(show_id: int, start: datetime, finish: datetime | None = None, deleted: bool = False) -> dict[str, Any]:
        return {
            "id": show_id,
            "start_date": start.isoformat(),
            "finish_date": finish.isoformat() if finish else None,
            "deleted_at": "2025-12-01T00:00:00+03:00" if deleted else None,
        }

    events: list[dict[str, Any]] = [
        {
            "id": 1,
            "deleted_at": None,
            "shows": [
                show(1, now + timedelta(days=3)),
                show(2, now - timedelta(days=3)),
                show(3, now - timedelta(hours=1), now + timedelta(hours=1)),
                show(4, now + timedelta(days=3), deleted=True),
            ],
        },
        {"id": 2, "deleted_at": "2025-12-01T00:00:00+03:00", "shows": [show(5, now + timedelta(days=3))]},
    ]
    inventory = expected_inventory(events, dict.fromkeys(range(1, 6), seats), now)
    assert inventory == {1: (502, 481), 3: (502, 481)}


def test_sales_detail_on_hand_made_orders() -> None:
    events = [{"id": 1, "city": {"id": 5, "name": "Томск", "timezone": "Asia/Krasnoyarsk"}}]
    codes = [{"id": 77, "code": "admin100"}, {"id": 78, "code": "ТОМСК70"}]
    utm = {"utm_source": "vk", "utm_medium": "target", "utm_campaign": "kids", "utm_content": "x"}
    orders = [
        order(1, [basket(11, price=0, original_price=450, seat_id="detskij-bilet-v-budni-1;1")], promo_code_id=77),
        order(
            2,
            [
                basket(21, price=405, original_price=450, seat_id="detskij-bilet-v-budni-1;1", checked_at="x"),
                basket(22, price=810, original_price=900, quantity=2, seat_id="detskij-bilet-v-budni-1;1"),
                basket(23, price=500, refunded_at="2025-11-03T12:00:00+03:00", seat_id="masterklass-1;1"),
            ],
            promo_code_id=78,
            utm=utm,
            payed_at="2025-11-01T23:30:00+03:00",
        ),
        order(3, [basket(31, price=1000, original_price=1000, seat_id="PARTERRE-3;14", show_id=20)], utm=[]),
    ]
    rows = expected_sales_detail(orders, events, codes)
    day = date(2025, 11, 1)
    free = rows[(day, 10, "Томск", 1, 10, "detskij-bilet-v-budni", "admin100", "", "", "")]
    assert (free.tickets, free.free_tickets, free.revenue, free.original_revenue, free.orders) == (
        1, 1, Decimal("0.00"), Decimal("450.00"), 1,
    )  # fmt: skip
    tagged = rows[(day, 23, "Томск", 1, 10, "detskij-bilet-v-budni", "ТОМСК70", "vk", "target", "kids")]
    assert (tagged.tickets, tagged.free_tickets, tagged.tickets_scanned, tagged.revenue, tagged.orders) == (
        3, 0, 1, Decimal("1215.00"), 1,
    )  # fmt: skip
    seated = rows[(day, 10, "Томск", 1, 20, "PARTERRE", "", "", "", "")]
    assert (seated.tickets, seated.revenue) == (1, Decimal("1000.00"))
    assert len(rows) == 3
    # the sales date and hour follow tz; the plain sales agree with the detail
    assert {key[:2] for key in expected_sales_detail(orders[1:2], events, codes, tz="Asia/Krasnoyarsk")} == {
        (date(2025, 11, 2), 3)
    }
    by_show: Counter[tuple[date, int, int]] = Counter()
    for key, row in rows.items():
        by_show[(key[0], key[3], key[4])] += row.tickets
    assert by_show == {key: tickets for key, (tickets, _) in expected_sales(orders).items()}
    with pytest.raises(KeyError):
        expected_sales_detail([order(9, [basket(91)], promo_code_id=5)], events, codes)


def test_refunds_on_hand_made_orders() -> None:
    events = [{"id": 1, "city": {"name": "Омск"}}]
    orders = [
        order(
            1,
            [
                basket(11, price=500, refunded_at="2025-11-03T22:00:00+03:00", refunded_amount=450, seat_id="A-1;1"),
                basket(12, price=300, quantity=2, refunded_at="2025-11-03T10:00:00+03:00", seat_id="A-1;2"),
                basket(13, price=300, deleted_at="2025-11-02T10:00:00+03:00", refunded_at=None),
            ],
        ),
        order(2, [basket(21, refunded_at="2025-11-03T10:00:00+03:00")], payed=False, payed_at=None),
    ]
    assert expected_refunds(orders, events) == {(date(2025, 11, 3), "Омск", 1, 10, "A"): (3, Decimal("750.00"))}
    assert set(expected_refunds(orders, events, tz="Asia/Omsk")) == {
        (date(2025, 11, 4), "Омск", 1, 10, "A"),
        (date(2025, 11, 3), "Омск", 1, 10, "A"),
    }


def test_detail_refunds_and_zones_against_the_simulator(sim: Simulator, client: Any) -> None:
    orders, events = sim.orders(), sim.events()
    codes = client.request("GET", "/promo-codes", json={"perPage": 500}).json()["data"]
    rows = expected_sales_detail(orders, events, codes)
    sales = expected_sales(orders)
    assert sum(row.tickets for row in rows.values()) == sum(tickets for tickets, _ in sales.values())
    assert sum((row.revenue for row in rows.values()), Decimal(0)) == sum(
        (revenue for _, revenue in sales.values()), Decimal(0)
    )
    paid = {o["id"] for o in orders if o["payed"] and o["payed_at"] and o["deleted_at"] is None}
    counted = set().union(*(row.order_ids for row in rows.values()))
    assert counted <= paid and len(counted) > 0.9 * len(paid)
    assert any(row.free_tickets for row in rows.values()) and any(row.tickets_scanned for row in rows.values())
    assert {key[7] for key in rows} >= {"", "insta", "yandex", "vk"}
    refunds = expected_refunds(orders, events)
    refunded = sum(b["quantity"] for o in orders if o["payed"] for b in o["baskets"] if b["refunded_at"])
    assert sum(tickets for tickets, _ in refunds.values()) == refunded > 0
    now = sim.now()
    seats = {show["id"]: sim.seats(show["id"]) for event in events for show in event["shows"]}
    zones = expected_inventory_zones(events, seats, now)
    shows = expected_inventory(events, seats, now)
    assert {show_id for show_id, _ in zones} == set(shows)
    unknown = [key for key, zone in zones.items() if zone.capacity is None]
    assert unknown and all(shows[show_id] == (None, None) for show_id, _ in unknown)
    for (show_id, _zone), zone in zones.items():
        if zone.capacity is not None:
            assert zone.left == zone.capacity - zone.sold - zone.reserved
    for show_id, (total, left) in shows.items():
        if total is not None:
            assert total == sum(z.capacity or 0 for (s, _), z in zones.items() if s == show_id)
