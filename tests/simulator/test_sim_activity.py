"""Live activity: advance() and the wall clock create, pay, expire, cancel and refund, deterministically."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx

from qtickets_sim import OrderRejected, Simulator
from qtickets_sim.clock import SimClock
from qtickets_sim.dates import MSK

Start = Callable[..., tuple[Simulator, httpx.Client]]


def by_id(sim: Simulator) -> dict[int, dict[str, Any]]:
    return {order["id"]: order for order in sim.orders()}


def test_advance_moves_the_clock_and_changes_data(fresh: Callable[..., Simulator]) -> None:
    sim = fresh(orders=1500, activity_per_hour=120.0)
    before = by_id(sim)
    start = sim.now()
    summary = sim.advance(timedelta(hours=3))
    assert sim.now() == start + timedelta(hours=3)
    after = by_id(sim)
    assert summary["new_orders"] > 0 and summary["payments"] > 0 and summary["refunds"] > 0
    assert summary["new_order_ids"] == sorted(summary["new_order_ids"])
    assert min(summary["new_order_ids"]) > max(before)
    assert set(after) == set(before) | set(summary["new_order_ids"])
    for order_id in summary["new_order_ids"]:
        created = datetime.fromisoformat(after[order_id]["created_at"])
        assert start <= created <= sim.now()
    changed = [order_id for order_id in after if order_id in before and after[order_id] != before[order_id]]
    assert sorted(changed) == summary["changed_order_ids"]
    for order_id in changed:
        assert after[order_id]["updated_at"] > before[order_id]["updated_at"]
        assert datetime.fromisoformat(after[order_id]["updated_at"]) >= start


def test_refunds_reach_orders_paid_long_ago(fresh: Callable[..., Simulator]) -> None:
    sim = fresh(orders=1500, activity_per_hour=200.0)
    start = sim.now()
    summary = sim.advance(timedelta(hours=6))
    orders = by_id(sim)
    old_refunds = [
        order_id
        for order_id in summary["changed_order_ids"]
        if orders[order_id]["payed_at"]
        and datetime.fromisoformat(orders[order_id]["payed_at"]) < start - timedelta(days=14)
        and any(
            b["refunded_at"] and datetime.fromisoformat(b["refunded_at"]) >= start for b in orders[order_id]["baskets"]
        )
    ]
    assert old_refunds


def test_a_short_updated_at_window_catches_every_change(served: Start) -> None:
    sim, http = served(orders=1500, activity_per_hour=200.0)
    start = sim.now()
    summary = sim.advance(timedelta(hours=2))
    window = start.astimezone(MSK).strftime("%Y-%m-%d %H:%M:%S")
    reply = http.request(
        "GET", "/orders", json={"where": [{"column": "updated_at", "operator": ">=", "value": window}], "perPage": 500}
    )
    seen = {order["id"] for order in reply.json()["data"]}
    assert seen == set(summary["changed_order_ids"]) | set(summary["new_order_ids"])


def test_same_calls_same_activity(fresh: Callable[..., Simulator]) -> None:
    one, two = fresh(orders=400, seed=9), fresh(orders=400, seed=9)
    one.advance(timedelta(minutes=15))
    one.advance(timedelta(minutes=15))
    one.advance(timedelta(hours=1))
    two.advance(timedelta(minutes=90))
    assert one.orders() == two.orders()
    assert one.stats()["mutations"] == two.stats()["mutations"]


def test_reservations_get_paid_or_expire(fresh: Callable[..., Simulator]) -> None:
    sim = fresh(orders=600, activity_per_hour=150.0)
    sim.advance(timedelta(days=2))
    mutations = sim.stats()["mutations"]
    assert mutations["payment"] > 0 and mutations["expiry"] > 0
    now = sim.now()
    for order in sim.orders():
        if not order["payed"] and order["deleted_at"] is None:
            assert datetime.fromisoformat(order["reserved_to"]) > now


def test_zero_activity_changes_nothing_but_time(fresh: Callable[..., Simulator]) -> None:
    sim = fresh(orders=300, activity_per_hour=0.0)
    pending = [o["id"] for o in sim.orders() if not o["payed"] and o["deleted_at"] is None]
    before = sim.orders()
    summary = sim.advance(timedelta(minutes=5))
    assert summary["new_orders"] == 0 and summary["refunds"] == 0
    if not pending:
        assert sim.orders() == before


def test_create_order_via_post(served: Start) -> None:
    sim, http = served(orders=400)
    on_sale = {show_id for _, show_id in sim.shows_on_sale()}
    event, show = next(
        (event, show)
        for event in sim.events()
        if event["event_type_id"] == 1
        for show in event["shows"]
        if show["id"] in on_sale
    )
    free = sorted(
        (seat for seat in sim.seats(show["id"]).values() if seat["available"] and not seat["admission"]),
        key=lambda seat: seat["id"],
    )
    seat = free[0]
    body = {
        "data": {
            "event_id": event["id"],
            "baskets": [{"show_id": show["id"], "seat_id": seat["id"]}, {"show_id": show["id"]}],
        }
    }
    reply = http.post("/orders", json=body)
    assert reply.status_code == 200, reply.text
    order = reply.json()["data"]
    assert order["payed"] is False and order["reserved"] is True and order["reserved_to"]
    assert order["id"] > max(o["id"] for o in sim.orders() if o["id"] != order["id"])
    newest = http.request("GET", "/orders", json={"orderBy": {"id": "desc"}, "perPage": 1}).json()["data"][0]
    assert newest == order
    held = sim.seats(show["id"])[seat["id"]]
    assert held["ordered_quantity"] == 1 and held["free_quantity"] == 0
    again = http.post(
        "/orders",
        json={"data": {"event_id": event["id"], "baskets": [{"show_id": show["id"], "seat_id": seat["root_id"]}]}},
    )
    assert again.status_code == 503  # the seat is taken
    sim.advance(timedelta(minutes=31))
    expired = sim.order(order["id"])
    assert expired is not None and expired["deleted_at"] is not None and not expired["payed"]
    assert sim.seats(show["id"])[seat["id"]]["free_quantity"] == 1


def test_create_order_rejects_what_does_not_fit(fresh: Callable[..., Simulator]) -> None:
    sim = fresh(orders=200)
    past_event = sim.events()[0]
    bodies = [
        {"event_id": past_event["id"], "baskets": [{"show_id": past_event["shows"][0]["id"]}]},
        {"event_id": past_event["id"], "baskets": []},
        {"event_id": "x", "baskets": [{"show_id": 1}]},
        {"baskets": [{"show_id": 1}]},
    ]
    for body in bodies:
        try:
            sim.create_order(body)
        except OrderRejected:
            continue
        raise AssertionError(f"accepted {body}")


def test_wall_clock_follows_wall_time(fresh: Callable[..., Simulator]) -> None:
    sim = fresh(orders=300, clock="wall", speed=36_000.0, activity_per_hour=60.0)
    start = sim.now()
    time.sleep(0.3)
    stats = sim.stats()
    assert datetime.fromisoformat(stats["now"]) - start >= timedelta(hours=2)
    assert stats["mutations"].get("new_order", 0) > 0


def test_sim_clock_modes() -> None:
    ticks = [100.0]
    start = datetime.fromisoformat("2026-11-20T15:00:00+03:00")
    manual = SimClock(start, "manual", monotonic=lambda: ticks[0])
    wall = SimClock(start, "wall", speed=60.0, monotonic=lambda: ticks[0])
    ticks[0] += 10
    assert manual.now() == start
    assert wall.now() == start + timedelta(minutes=10)
    wall.advance(timedelta(hours=1))
    assert wall.now() == start + timedelta(hours=1, minutes=10)


def test_wall_clock_over_http(served: Start) -> None:
    _, http = served(orders=300, clock="wall", speed=36_000.0, activity_per_hour=60.0)
    first = http.request("GET", "/orders", json={"perPage": 1}).json()["paging"]["total"]
    time.sleep(0.3)
    second = http.request("GET", "/orders", json={"perPage": 1}).json()["paging"]["total"]
    assert second > first


def test_http_reads_see_advance(served: Start) -> None:
    sim, http = served(orders=300, activity_per_hour=300.0)
    total = http.get("/orders").json()["paging"]["total"]
    summary = sim.advance(timedelta(hours=1))
    assert http.get("/orders").json()["paging"]["total"] == total + summary["new_orders"]


def test_admin_endpoints(served: Start) -> None:
    sim, http = served(orders=300, activity_per_hour=100.0)
    root = str(http.base_url).removesuffix("/api/rest/v1/").removesuffix("/api/rest/v1")
    now = httpx.get(f"{root}/_sim/now").json()["now"]
    summary = httpx.post(f"{root}/_sim/advance", json={"minutes": 30}).json()
    assert summary["from"] != summary["to"]
    assert datetime.fromisoformat(httpx.get(f"{root}/_sim/now").json()["now"]) - datetime.fromisoformat(
        now
    ) == timedelta(minutes=30)
    assert httpx.get(f"{root}/_sim/orders").json() == sim.orders()
    assert httpx.get(f"{root}/_sim/events").json() == sim.events()
    stats = httpx.get(f"{root}/_sim/stats").json()
    assert {"requests", "faults", "mutations"} <= set(stats)
    applied = httpx.post(f"{root}/_sim/faults", json={"p_503": 1.0}).json()
    assert applied["p_503"] == 1.0 and sim.faults.p_503 == 1.0
    assert http.get("/orders").status_code == 503
    assert httpx.post(f"{root}/_sim/faults", json={"p_nope": 1}).status_code == 400
    assert httpx.post(f"{root}/_sim/faults", json={}).json()["p_503"] == 0.0
    assert http.get("/orders").status_code == 200


def test_refund_old_paid_order(fresh: Callable[..., Simulator]) -> None:
    sim = fresh(orders=600)
    before = {order["id"]: order for order in sim.orders()}
    order = sim.refund_old_paid_order(min_age=timedelta(days=21))
    assert datetime.fromisoformat(order["payed_at"]) <= sim.now() - timedelta(days=21)
    assert order["deleted_at"] is None
    was = {basket["id"]: basket["refunded_at"] for basket in before[order["id"]]["baskets"]}
    refunded = [basket for basket in order["baskets"] if basket["refunded_at"] and not was[basket["id"]]]
    assert len(refunded) == 1
    assert order["updated_at"] == refunded[0]["refunded_at"]
    assert datetime.fromisoformat(order["updated_at"]) == sim.now()
    assert sim.order(order["id"]) == order
    assert sim.stats()["mutations"]["refund"] == 1
