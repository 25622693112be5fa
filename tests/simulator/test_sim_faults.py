"""Fault injection: each kind fires, looks like the real thing on the wire, and is counted."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable

import httpx
import msgspec
import pytest

from qtickets_sim import FaultConfig, Simulator, truth

UNKNOWN_ERROR = {"error": "Unknown error", "status": 503, "code": "UNKNOWN_ERROR", "info": []}
Start = Callable[..., tuple[Simulator, httpx.Client]]


def test_no_faults_by_default(served: Start) -> None:
    sim, http = served()
    for _ in range(20):
        assert http.get("/orders").status_code == 200
    assert sim.stats()["faults"] == {}


def test_429_with_retry_after_in_seconds_and_as_a_date(served: Start) -> None:
    sim, http = served(faults=FaultConfig(p_429=1.0, retry_after_s=2))
    first, second = http.get("/orders"), http.get("/orders")
    assert first.status_code == second.status_code == 429
    assert first.headers["retry-after"] == "2"
    when = email.utils.parsedate_to_datetime(second.headers["retry-after"])
    assert 0 < when.timestamp() - time.time() <= 3.5
    assert sim.stats()["faults"]["429"] == 2


@pytest.mark.parametrize(("kind", "status"), [("p_502", 502), ("p_504", 504)])
def test_gateway_errors_are_html(served: Start, kind: str, status: int) -> None:
    sim, http = served(faults=FaultConfig.from_dict({kind: 1.0}))
    reply = http.get("/orders")
    assert reply.status_code == status
    assert reply.headers["content-type"].startswith("text/html") and "nginx" in reply.text
    assert sim.stats()["faults"][str(status)] == 1


def test_503_is_plain_text_or_html(served: Start) -> None:
    sim, http = served(faults=FaultConfig(p_503=1.0))
    replies = [http.get("/orders") for _ in range(2)]
    assert {reply.status_code for reply in replies} == {503}
    assert {reply.headers["content-type"].split(";")[0] for reply in replies} == {"text/plain", "text/html"}
    assert any("retry-after" in reply.headers for reply in replies)
    assert sim.stats()["faults"]["503"] == 2


def test_unknown_error_and_all_503(served: Start) -> None:
    sim, http = served(faults=FaultConfig(p_unknown_error=1.0))
    assert http.get("/orders").json() == UNKNOWN_ERROR
    sim.set_faults(FaultConfig(all_503=True))
    for path in ("/orders", "/events", "/orders/1", "/shows/1/seats"):
        reply = http.get(path)
        assert reply.status_code == 503 and reply.json() == UNKNOWN_ERROR
    assert sim.stats()["faults"] == {"unknown_error": 1, "all_503": 4}


def test_timeout_hangs_past_the_client_timeout(served: Start) -> None:
    sim, http = served(faults=FaultConfig(p_timeout=1.0, hang_s=3.0))
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        http.get("/orders", timeout=0.5)
    assert time.monotonic() - started < 2.5
    assert sim.stats()["faults"]["timeout"] == 1


def test_drop_cuts_the_body_short(served: Start) -> None:
    sim, http = served(faults=FaultConfig(p_drop=1.0))
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        http.get("/orders")
    sim.set_faults(FaultConfig())
    assert http.get("/orders").status_code == 200  # the client recovers on a new connection
    assert sim.stats()["faults"]["drop"] == 1


def test_truncated_json(served: Start) -> None:
    sim, http = served(faults=FaultConfig(p_truncated_json=1.0))
    reply = http.get("/orders")
    assert reply.status_code == 200
    assert int(reply.headers["content-length"]) == len(reply.content)
    with pytest.raises(msgspec.DecodeError):
        msgspec.json.decode(reply.content)
    assert sim.stats()["faults"]["truncated_json"] == 1


def test_html_200(served: Start) -> None:
    sim, http = served(faults=FaultConfig(p_html_200=1.0))
    reply = http.get("/orders")
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/html")
    assert sim.stats()["faults"]["html_200"] == 1


def test_latency(served: Start) -> None:
    sim, http = served(faults=FaultConfig(latency_ms=150, latency_jitter_ms=50))
    started = time.monotonic()
    assert http.get("/orders").status_code == 200
    assert 0.15 <= time.monotonic() - started < 1.5
    assert sim.stats()["faults"]["latency"] == 1


def test_probabilities_mix_faults_deterministically(served: Start) -> None:
    def run() -> list[int]:
        _, http = served(seed=21, faults=FaultConfig(p_503=0.2, p_429=0.1, retry_after_s=0))
        return [http.get("/orders/1").status_code for _ in range(60)]

    first, second = run(), run()
    assert first == second
    assert {404, 503, 429} <= set(first)


def test_mutation_during_paging(served: Start) -> None:
    sim, http = served(orders=500, faults=FaultConfig(p_mutation_during_paging=1.0))
    total = http.request("GET", "/orders", json={"perPage": 100}).json()["paging"]["total"]
    assert "mutation_during_paging" not in sim.stats()["faults"]  # page 1 without id > is left alone
    second = http.request("GET", "/orders", json={"page": 2, "perPage": 100}).json()
    keyset = http.request("GET", "/orders", json={"where": [{"column": "id", "operator": ">", "value": 0}]}).json()
    assert sim.stats()["faults"]["mutation_during_paging"] == 2
    assert sim.stats()["data_version"] >= 2
    assert keyset["paging"]["total"] >= second["paging"]["total"] >= total


def test_malformed_orders_are_served_broken_the_same_way_every_time(served: Start) -> None:
    sim, http = served(orders=600, faults=FaultConfig(malformed_orders=5))
    broken = sim.malformed_order_ids()
    assert len(broken) == 5
    served_orders = sim.orders()
    reported = truth.malformed_order_ids(served_orders)
    assert None in reported  # one lost its id
    assert len(reported) == 5
    assert reported - {None} <= broken
    listing = []
    for page in (1, 2):
        listing += http.request("GET", "/orders", json={"page": page, "perPage": 500}).json()["data"]
    assert listing == served_orders[:1000]
    assert msgspec.json.encode(sim.orders()) == msgspec.json.encode(served_orders)
    for order_id in broken:
        single = http.get(f"/orders/{order_id}").json()["data"]
        assert single in served_orders
    assert sim.stats()["faults"]["malformed_order"] >= 5
    kinds = set()
    for order in served_orders:
        if "id" not in order:
            kinds.add("missing id")
        elif isinstance(order["baskets"], dict):
            kinds.add("baskets not a list")
        elif order["payed_at"] == "0000-00-00 00:00:00":
            kinds.add("payed_at not a date")
        elif isinstance(order["price"], str):
            kinds.add("price not a number")
        elif any(isinstance(b["quantity"], str) for b in order["baskets"]):
            kinds.add("quantity not a number")
    assert len(kinds) == 5


def test_strip_get_bodies_makes_the_canary_fail(served: Start) -> None:
    sim, http = served(faults=FaultConfig(strip_get_bodies=True))
    oldest = sim.orders()[0]["id"]
    reply = http.request("GET", "/orders", json={"orderBy": {"id": "desc"}})
    assert reply.json()["data"][0]["id"] == oldest
    assert sim.stats()["faults"]["strip_get_body"] == 1
    created = http.post("/orders", json={"filters": {}})
    assert created.status_code == 503  # POST bodies still arrive


def test_admin_routes_have_no_faults(served: Start) -> None:
    sim, http = served(faults=FaultConfig(all_503=True, latency_ms=300))
    root = str(http.base_url).rstrip("/").removesuffix("/api/rest/v1")
    started = time.monotonic()
    assert httpx.get(f"{root}/_sim/now").status_code == 200
    assert time.monotonic() - started < 0.3
    assert sim.stats()["faults"] == {}


def test_drop_paging_leaves_lists_without_their_paging_block(served: Start) -> None:
    sim, http = served(faults=FaultConfig(drop_paging=True))
    for path in ("/orders", "/events", "/clients", "/discounts", "/promo-codes"):
        reply = http.request("GET", path, json={"perPage": 20})
        assert reply.status_code == 200 and set(reply.json()) == {"data"}, path
    assert len(http.request("GET", "/orders", json={"perPage": 20}).json()["data"]) == 20
    assert set(http.get(f"/orders/{sim.orders()[0]['id']}").json()) == {"data"}  # single objects never had it
    assert sim.stats()["faults"]["drop_paging"] == 6


def test_ignore_select_answers_the_full_form(served: Start) -> None:
    sim, http = served(faults=FaultConfig(ignore_select=True))
    events = http.request("GET", "/events", json={"select": ["id", "shows.start_date"], "perPage": 100}).json()
    assert events["data"] == sim.events()
    orders = http.request("GET", "/orders", json={"select": ["id"], "perPage": 3}).json()["data"]
    assert orders == sim.orders()[:3]
    assert sim.stats()["faults"]["ignore_select"] == 2
    assert http.request("GET", "/events", json={"select": ["nope"]}).status_code == 503  # still parsed
