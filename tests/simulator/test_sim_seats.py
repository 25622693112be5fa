"""GET /shows/{id}/seats: flat and tree forms, tariff copies, quantities derived from live orders."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

import httpx

from qtickets_sim import Simulator

SEAT_FIELDS = {
    "id", "root_id", "zone_id", "zone_root_id", "name", "row", "place", "admission", "max_quantity", "free_quantity",
    "ordered_quantity", "payed_quantity", "in_basket_quantity", "available", "disabled", "price", "currency_id",
}  # fmt: skip


def shows(sim: Simulator) -> list[dict[str, Any]]:
    return [show for event in sim.events() for show in event["shows"]]


def live_holdings(sim: Simulator, show_id: int) -> tuple[Counter[str], Counter[str]]:
    """root seat id -> quantity held by paid orders, and by unpaid reservations."""
    paid: Counter[str] = Counter()
    reserved: Counter[str] = Counter()
    for order in sim.orders():
        if order["deleted_at"] is not None:
            continue
        for basket in order["baskets"]:
            if basket["show_id"] == show_id and basket["deleted_at"] is None and basket["refunded_at"] is None:
                (paid if order["payed"] else reserved)[basket["seat_id"]] += basket["quantity"]
    return paid, reserved


def busiest_show(sim: Simulator) -> int:
    """The seated show with the most baskets."""
    seated = {show["id"] for event in sim.events() if event["event_type_id"] == 1 for show in event["shows"]}
    counts = Counter(b["show_id"] for o in sim.orders() for b in o["baskets"] if b["show_id"] in seated)
    return int(counts.most_common(1)[0][0])


def test_flat_form_keys_seats_by_id_with_every_tariff_copy(client: httpx.Client, sim: Simulator) -> None:
    show_id = busiest_show(sim)
    data = client.request("GET", f"/shows/{show_id}/seats", json={"flat": True}).json()["data"]
    assert data == sim.seats(show_id, flat=True)
    copies: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for seat_id, seat in data.items():
        assert set(seat) == SEAT_FIELDS
        assert seat["id"] == seat_id
        tariff, _, root = seat_id.partition("_")
        assert tariff in ("full", "child") and root == seat["root_id"]
        assert seat["zone_id"] == f"{tariff}_{seat['zone_root_id']}"
        assert seat["root_id"].rpartition("-")[0] == seat["zone_root_id"]
        copies[seat["root_id"]].append(seat)
    assert any(len(group) == 2 for group in copies.values())
    for group in copies.values():
        quantities = {(s["free_quantity"], s["payed_quantity"], s["ordered_quantity"], s["disabled"]) for s in group}
        assert len(quantities) == 1
    assert all(not seat["admission"] and seat["max_quantity"] == 1 for seat in data.values())
    assert all(seat["zone_root_id"] == "PARTERRE" for seat in data.values())
    assert 500 * 0.97 <= len(copies) <= 830 * 1.03


def test_an_exhibition_is_sold_by_tariff_zones_of_unknown_capacity(client: httpx.Client, sim: Simulator) -> None:
    event = next(event for event in sim.events() if event["event_type_id"] == 4 and event["deleted_at"] is None)
    (show,) = event["shows"]
    data = client.request("GET", f"/shows/{show['id']}/seats", json={"flat": True}).json()["data"]
    zones = {seat["zone_root_id"] for seat in data.values()}
    assert len(zones) == len(data) >= 4  # one record per tariff zone
    paid, reserved = live_holdings(sim, show["id"])
    for seat_id, seat in data.items():
        assert seat["root_id"] == f"{seat['zone_root_id']}-1;1" and seat_id == f"full_{seat['root_id']}"
        assert seat["admission"] is True
        assert seat["max_quantity"] == "" and seat["free_quantity"] == ""  # the capacity is not known
        assert seat["payed_quantity"] == paid[seat["root_id"]]
        assert seat["ordered_quantity"] == reserved[seat["root_id"]]
    scheme = show["scheme_properties"]
    assert set(scheme["zones"]) == zones
    assert all(entry["max_quantity"] == "" for entry in scheme["seats"].values())
    assert sum(paid.values()) > 0


def test_tree_form_groups_by_zone(client: httpx.Client, sim: Simulator) -> None:
    show_id = busiest_show(sim)
    flat = sim.seats(show_id, flat=True)
    for body in ({}, {"flat": False}, {"flat": 0}):
        tree = client.request("GET", f"/shows/{show_id}/seats", json=body).json()["data"]
        merged = {}
        for zone_id, zone in tree.items():
            assert set(zone) == {"id", "name", "admission", "seats"} and zone["id"] == zone_id
            assert all(seat["zone_id"] == zone_id for seat in zone["seats"].values())
            merged.update(zone["seats"])
        assert merged == flat


def test_quantities_follow_live_orders(sim: Simulator) -> None:
    for show in shows(sim):
        paid, reserved = live_holdings(sim, show["id"])
        seats = {seat["root_id"]: seat for seat in sim.seats(show["id"]).values()}
        for root_id, seat in seats.items():
            assert seat["payed_quantity"] == paid[root_id]
            assert seat["ordered_quantity"] == reserved[root_id]
            if seat["max_quantity"] == "":
                assert seat["free_quantity"] == ""
                continue
            expected_free = max(0, seat["max_quantity"] - paid[root_id] - reserved[root_id])
            assert seat["free_quantity"] == expected_free
        assert set(paid) | set(reserved) <= set(seats)


def test_no_seat_is_sold_twice(sim: Simulator) -> None:
    for show in shows(sim):
        paid, reserved = live_holdings(sim, show["id"])
        seats = {seat["root_id"]: seat for seat in sim.seats(show["id"]).values()}
        for root_id in set(paid) | set(reserved):
            if seats[root_id]["max_quantity"] != "":
                assert paid[root_id] + reserved[root_id] <= seats[root_id]["max_quantity"], (show["id"], root_id)
            assert not seats[root_id]["disabled"]


def test_some_seats_are_disabled(sim: Simulator) -> None:
    assert any(seat["disabled"] for show in shows(sim) for seat in sim.seats(show["id"]).values())


def test_where_and_select_on_seats(client: httpx.Client, sim: Simulator) -> None:
    show_id = busiest_show(sim)
    body = {
        "flat": True,
        "where": [{"column": "payed_quantity", "operator": ">", "value": 0}],
        "select": ["id", "root_id"],
    }
    data = client.request("GET", f"/shows/{show_id}/seats", json=body).json()["data"]
    assert data and all(set(seat) == {"id", "root_id"} for seat in data.values())
    paid, _ = live_holdings(sim, show_id)
    assert {seat["root_id"] for seat in data.values()} == set(paid)
    bad = client.request("GET", f"/shows/{show_id}/seats", json={"where": [{"column": "nope", "value": 1}]})
    assert bad.status_code == 503


def test_unknown_show_is_404(client: httpx.Client) -> None:
    reply = client.request("GET", "/shows/1/seats", json={"flat": True})
    assert reply.status_code == 404
    assert reply.json() == {
        "error": 'Resource "Show" not found',
        "status": 404,
        "code": "RESOURCE_NOT_FOUND",
        "info": {"id": 1, "resource": "Show"},
    }


def test_barcodes_of_a_show(client: httpx.Client, sim: Simulator) -> None:
    show_id = busiest_show(sim)
    rows = client.get(f"/shows/{show_id}/barcodes").json()
    assert isinstance(rows, list) and rows
    assert all(row["barcode"].isdigit() for row in rows)


def test_future_shows_have_free_seats(sim: Simulator) -> None:
    now = sim.now()
    coming = [
        show for show in shows(sim) if datetime.fromisoformat(show["start_date"]) > now and show["deleted_at"] is None
    ]
    assert coming
    for show in coming:
        seats = sim.seats(show["id"]).values()
        assert any((seat["free_quantity"] == "" or seat["free_quantity"] > 0) and seat["available"] for seat in seats)
