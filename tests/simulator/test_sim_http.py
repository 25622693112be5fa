"""The list calls over HTTP: JSON body (never the query string), MySQL-like filters, paging, errors."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import msgspec
import pytest

from qtickets_sim import SimServer, Simulator
from qtickets_sim.dates import MSK

UNKNOWN_ERROR = {"error": "Unknown error", "status": 503, "code": "UNKNOWN_ERROR", "info": []}


def get(client: httpx.Client, body: dict[str, Any], path: str = "/orders") -> httpx.Response:
    return client.request("GET", path, json=body)


def ids_where(client: httpx.Client, where: list[dict[str, Any]]) -> tuple[list[int], int]:
    """Every matching id, read page by page, and the reported total."""
    found: list[int] = []
    page = 1
    while True:
        reply = get(client, {"where": where, "page": page, "perPage": 500})
        assert reply.status_code == 200, reply.text
        data = reply.json()
        found += [order["id"] for order in data["data"]]
        if len(data["data"]) < 500:
            return found, data["paging"]["total"]
        page += 1


def moscow(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp).astimezone(MSK).replace(tzinfo=None)


def test_query_string_is_ignored(client: httpx.Client, sim: Simulator) -> None:
    reply = client.get("/orders?organization=x&payed=1&since=2025-10-01&page=3&per_page=200")
    assert reply.status_code == 200
    data = reply.json()
    oldest = [order["id"] for order in sim.orders()[:50]]
    assert [order["id"] for order in data["data"]] == oldest
    assert data["paging"] == {"perPage": 50, "currentPage": 1, "total": 2000}
    assert data["data"][0]["created_at"].startswith("2021-05-")


def test_canary_order_by_id_desc_returns_the_newest(client: httpx.Client, sim: Simulator) -> None:
    reply = get(client, {"orderBy": {"id": "desc"}})
    assert reply.json()["data"][0]["id"] == sim.orders()[-1]["id"]


def test_body_is_read_only_as_application_json(client: httpx.Client, sim: Simulator) -> None:
    oldest = sim.orders()[0]["id"]
    text = client.request(
        "GET", "/orders", content=b'{"orderBy": {"id": "desc"}}', headers={"Content-Type": "text/plain"}
    )
    assert text.json()["data"][0]["id"] == oldest
    charset = client.request(
        "GET",
        "/orders",
        content=b'{"orderBy": {"id": "desc"}}',
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert charset.json()["data"][0]["id"] == sim.orders()[-1]["id"]
    broken = client.request(
        "GET", "/orders", content=b'{"orderBy": {"id": "de', headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 200
    assert broken.json()["data"][0]["id"] == oldest


def test_documented_request_form(client: httpx.Client, sim: Simulator) -> None:
    body = {
        "where": [
            {"column": "payed", "value": 1},
            {"column": "payed_at", "operator": ">=", "value": "2026-01-01 00:00:00"},
        ],
        "orderBy": {"id": "desc"},
        "page": 1,
        "perPage": 100,
    }
    data = get(client, body).json()
    expected = [
        o["id"] for o in sim.orders() if o["payed"] and o["payed_at"] and moscow(o["payed_at"]) >= datetime(2026, 1, 1)
    ]
    assert data["paging"]["total"] == len(expected)
    assert [order["id"] for order in data["data"]] == sorted(expected, reverse=True)[:100]


@pytest.mark.parametrize("value", [1, True, "1", 1.0])
def test_booleans_compare_as_zero_and_one(client: httpx.Client, sim: Simulator, value: Any) -> None:
    paid = sum(1 for order in sim.orders() if order["payed"])
    _, total = ids_where(client, [{"column": "payed", "value": value}])
    assert total == paid


def test_string_true_is_zero_as_in_mysql(client: httpx.Client, sim: Simulator) -> None:
    unpaid = sum(1 for order in sim.orders() if not order["payed"])
    _, total = ids_where(client, [{"column": "payed", "value": "true"}])
    assert total == unpaid


def test_every_operator(client: httpx.Client, sim: Simulator) -> None:
    orders = sim.orders()
    ids = [order["id"] for order in orders]
    pivot = ids[1000]
    picked = [ids[3], ids[500], ids[1999]]
    cases: list[tuple[dict[str, Any], list[int]]] = [
        ({"column": "id", "value": pivot}, [pivot]),
        ({"column": "id", "operator": "=", "value": str(pivot)}, [pivot]),
        ({"column": "id", "operator": "!=", "value": pivot}, [i for i in ids if i != pivot]),
        ({"column": "id", "operator": "<", "value": pivot}, [i for i in ids if i < pivot]),
        ({"column": "id", "operator": ">", "value": pivot}, [i for i in ids if i > pivot]),
        ({"column": "id", "operator": "<=", "value": pivot}, [i for i in ids if i <= pivot]),
        ({"column": "id", "operator": ">=", "value": pivot}, [i for i in ids if i >= pivot]),
        ({"column": "id", "operator": "in", "value": picked}, picked),
        ({"column": "id", "operator": "in array", "value": picked}, picked),
        ({"column": "id", "operator": "not in", "value": picked}, [i for i in ids if i not in picked]),
        ({"column": "id", "operator": "not in array", "value": picked}, [i for i in ids if i not in picked]),
        ({"column": "deleted_at", "operator": "null"}, [o["id"] for o in orders if o["deleted_at"] is None]),
        ({"column": "deleted_at", "operator": "not null"}, [o["id"] for o in orders if o["deleted_at"]]),
        ({"column": "id", "operator": "in", "value": []}, []),
        ({"column": "id", "operator": "not in", "value": []}, ids),
    ]
    for condition, expected in cases:
        found, total = ids_where(client, [condition])
        assert found == expected, condition
        assert total == len(expected), condition


def test_null_never_matches_a_comparison(client: httpx.Client, sim: Simulator) -> None:
    orders = sim.orders()
    cancelled = [o["id"] for o in orders if o["deleted_at"]]
    found, _ = ids_where(client, [{"column": "deleted_at", "operator": "!=", "value": "2000-01-01"}])
    assert found == cancelled
    found, _ = ids_where(client, [{"column": "discount_id", "operator": "not in", "value": [-1]}])
    assert found == [o["id"] for o in orders if o["discount_id"] is not None]
    found, _ = ids_where(client, [{"column": "deleted_at", "value": None}])
    assert found == []


def test_conditions_combine_with_and(client: httpx.Client, sim: Simulator) -> None:
    event_id = sim.orders()[-1]["event_id"]
    expected = [o["id"] for o in sim.orders() if o["event_id"] == event_id and o["payed"]]
    found, total = ids_where(client, [{"column": "event_id", "value": event_id}, {"column": "payed", "value": 1}])
    assert found == expected and total == len(expected)


def test_date_value_formats(client: httpx.Client, sim: Simulator) -> None:
    orders = sim.orders()
    stamp = orders[1234]["created_at"]  # +03:00, so its first 19 characters are Moscow wall-clock time
    local = stamp[:19].replace("T", " ")
    day = stamp[:10]
    at_least = [o["id"] for o in orders if moscow(o["created_at"]) >= datetime.fromisoformat(local)]
    from_day = [o["id"] for o in orders if moscow(o["created_at"]) >= datetime.fromisoformat(day)]
    assert ids_where(client, [{"column": "created_at", "operator": ">=", "value": local}])[0] == at_least
    assert ids_where(client, [{"column": "created_at", "operator": ">=", "value": day}])[0] == from_day
    # The offset of an ISO value is ignored, as MySQL does: "Z" still means Moscow wall-clock time.
    for iso in (f"{day}T00:00:00Z", f"{day}T00:00:00+05:00", f"{day}T00:00:00.000000Z"):
        assert ids_where(client, [{"column": "created_at", "operator": ">=", "value": iso}])[0] == from_day
    exact = ids_where(client, [{"column": "created_at", "value": local}])[0]
    assert orders[1234]["id"] in exact


@pytest.mark.parametrize("value", ["yesterday", "2025-13-01", "2025-02-30 10:00:00", "01.10.2025", ""])
def test_a_date_that_is_not_a_date_is_an_sql_error(client: httpx.Client, value: str) -> None:
    reply = get(client, {"where": [{"column": "payed_at", "operator": ">=", "value": value}]})
    assert reply.status_code == 503
    assert reply.json() == UNKNOWN_ERROR


@pytest.mark.parametrize(
    "body",
    [
        {"where": [{"column": "status", "value": "paid"}]},
        {"where": [{"column": "payed", "operator": "LIKE", "value": 1}]},
        {"where": [{"column": "payed", "operator": "<>", "value": 1}]},
        {"where": [{"column": "id", "operator": "in", "value": 5}]},
        {"where": [{"column": "id", "value": [1, 2]}]},
        {"where": {"column": "payed", "value": 1}},
        {"where": [{"value": 1}]},
        {"orderBy": {"status": "asc"}},
        {"orderBy": {"id": "down"}},
        {"orderBy": ["id"]},
        {"select": ["id", "nope"]},
    ],
)
def test_what_sql_rejects_is_503_unknown_error(client: httpx.Client, body: dict[str, Any]) -> None:
    reply = get(client, body)
    assert reply.status_code == 503
    assert reply.headers["content-type"] == "application/json"
    assert reply.json() == UNKNOWN_ERROR


def test_per_page_is_capped_and_reported(client: httpx.Client) -> None:
    data = get(client, {"perPage": 5000}).json()
    assert data["paging"]["perPage"] == 500 and len(data["data"]) == 500
    data = get(client, {"perPage": 0, "page": -3}).json()
    assert data["paging"] == {"perPage": 50, "currentPage": 1, "total": 2000}
    data = get(client, {"perPage": "20", "page": 2}).json()
    assert data["paging"]["perPage"] == 20 and data["paging"]["currentPage"] == 2
    assert get(client, {"page": 999}).json()["data"] == []


def test_keyset_paging_sees_every_order_once(client: httpx.Client, sim: Simulator) -> None:
    seen: list[int] = []
    last = 0
    while True:
        reply = get(
            client,
            {"where": [{"column": "id", "operator": ">", "value": last}], "orderBy": {"id": "asc"}, "perPage": 300},
        )
        data = reply.json()
        assert data["paging"]["total"] == 2000 - len(seen)
        if not data["data"]:
            break
        seen += [order["id"] for order in data["data"]]
        last = seen[-1]
    assert seen == [order["id"] for order in sim.orders()]


def test_page_numbers_cover_everything(client: httpx.Client, sim: Simulator) -> None:
    seen: list[int] = []
    for page in range(1, 6):
        seen += [o["id"] for o in get(client, {"page": page, "perPage": 450}).json()["data"]]
    assert seen == [order["id"] for order in sim.orders()]


def test_order_by_other_columns(client: httpx.Client, sim: Simulator) -> None:
    data = get(client, {"orderBy": {"updated_at": "desc"}, "perPage": 500}).json()["data"]
    stamps = [order["updated_at"] for order in data]
    assert stamps == sorted(stamps, reverse=True)
    assert stamps[0] == max(order["updated_at"] for order in sim.orders())
    # NULLs first ascending, and several keys
    data = get(client, {"orderBy": {"payed_at": "asc", "id": "desc"}, "perPage": 500}).json()["data"]
    unpaid = [o["id"] for o in sim.orders() if o["payed_at"] is None]
    assert [order["id"] for order in data[: len(unpaid)]] == sorted(unpaid, reverse=True)


def test_select_restricts_fields(client: httpx.Client) -> None:
    data = get(client, {"select": ["id", "payed", "baskets.price"], "perPage": 3}).json()["data"]
    for order in data:
        assert set(order) == {"id", "payed", "baskets"}
        assert all(set(basket) == {"price"} for basket in order["baskets"])
    events = get(client, {"select": ["id", "city.name", "shows.id"]}, "/events").json()["data"]
    assert set(events[0]) == {"id", "city", "shows"} and set(events[0]["city"]) == {"name"}


def test_select_with_dotted_paths_on_events(client: httpx.Client, sim: Simulator) -> None:
    body = {
        "select": ["id", "city.name", "city.timezone", "shows.id", "shows.start_date", "shows.prices.default_price"]
    }
    reply = get(client, {**body, "perPage": 100}, "/events")
    full = sim.events()
    assert len(reply.content) < sum(len(msgspec.json.encode(event)) for event in full) / 20  # no seat lists
    for event, whole in zip(reply.json()["data"], full, strict=True):
        assert event == {
            "id": whole["id"],
            "city": {"name": whole["city"]["name"], "timezone": whole["city"]["timezone"]},
            "shows": [
                {
                    "id": show["id"],
                    "start_date": show["start_date"],
                    "prices": [{"default_price": price["default_price"]} for price in show["prices"]],
                }
                for show in whole["shows"]
            ],
        }
    one = get(client, {"select": "shows.scheme_properties.zones", "perPage": 1}, "/events").json()["data"][0]
    assert one["shows"][0]["scheme_properties"] == {"zones": full[0]["shows"][0]["scheme_properties"]["zones"]}


@pytest.mark.parametrize("select", [["city.nope"], ["shows.nope"], ["id.name"], ["shows.prices.x"], ["nope.id"]])
def test_select_of_an_unknown_nested_field_is_503(client: httpx.Client, select: list[str]) -> None:
    reply = get(client, {"select": select}, "/events")
    assert reply.status_code == 503 and reply.json() == UNKNOWN_ERROR


def test_single_order_and_event(client: httpx.Client, sim: Simulator) -> None:
    order = sim.orders()[77]
    assert client.get(f"/orders/{order['id']}").json() == {"data": order}
    event = sim.events()[2]
    assert client.get(f"/events/{event['id']}").json() == {"data": event}
    some_client = client.get("/clients").json()["data"][3]
    assert client.get(f"/clients/{some_client['id']}").json() == {"data": some_client}
    discount = client.get("/discounts").json()["data"][0]
    assert client.get(f"/discounts/{discount['id']}").json() == {"data": discount}


@pytest.mark.parametrize(
    ("path", "resource"),
    [("/orders/4360", "Order"), ("/events/1", "Event"), ("/clients/2", "Client"), ("/discounts/3", "Discount")],
)
def test_a_missing_object_is_404_resource_not_found(client: httpx.Client, path: str, resource: str) -> None:
    reply = client.get(path)
    assert reply.status_code == 404 and reply.headers["content-type"] == "application/json"
    ident = int(path.rsplit("/", 1)[1])
    assert reply.json() == {
        "error": f'Resource "{resource}" not found',
        "status": 404,
        "code": "RESOURCE_NOT_FOUND",
        "info": {"id": ident, "resource": resource},
    }


def test_events_list(client: httpx.Client, sim: Simulator) -> None:
    data = client.get("/events").json()
    assert data["data"] == sim.events()[:10]
    assert data["paging"] == {"perPage": 10, "currentPage": 1, "total": len(sim.events())}
    deleted = get(client, {"where": [{"column": "deleted_at", "operator": "not null"}]}, "/events").json()["data"]
    assert deleted and all(event["deleted_at"] for event in deleted)
    active = get(client, {"where": [{"column": "is_active", "value": 0}]}, "/events").json()["data"]
    assert active and all(not event["is_active"] for event in active)


def test_other_lists_exist(client: httpx.Client) -> None:
    for path in ("/clients", "/discounts", "/promo-codes", "/color-themes"):
        reply = client.get(path)
        assert reply.status_code == 200, path
        assert set(reply.json()) == {"data", "paging"}


@pytest.mark.parametrize(
    ("path", "size"), [("/orders", 50), ("/events", 10), ("/clients", 100), ("/discounts", 100), ("/promo-codes", 500)]
)
def test_default_page_size_per_endpoint(client: httpx.Client, path: str, size: int) -> None:
    paging = client.get(path).json()["paging"]
    assert paging["perPage"] == size and paging["currentPage"] == 1
    assert len(client.get(path).json()["data"]) == min(size, paging["total"])
    asked = get(client, {"perPage": 7}, path).json()
    assert asked["paging"]["perPage"] == 7 and len(asked["data"]) == min(7, paging["total"])


def test_per_page_cap_is_configurable(served: Any) -> None:
    _, http = served(orders=300, per_page_cap=120)
    data = get(http, {"perPage": 1000}).json()
    assert data["paging"]["perPage"] == 120 and len(data["data"]) == 120
    events = get(http, {"perPage": 1000}, "/events").json()
    assert events["paging"]["perPage"] == 120


@pytest.mark.parametrize("header", [None, "Bearer wrong", "t0k", "Basic dDBrOg=="])
def test_a_bad_token_is_403(server: SimServer, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    for path in ("/orders", "/events", "/orders/1"):
        reply = httpx.get(server.base_url + path, headers=headers)
        assert reply.status_code == 403
        assert reply.json()["status"] == 403 and reply.json()["error"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/orders/filter"),
        ("GET", "/orders/filter"),
        ("GET", "/nope"),
        ("GET", "/orders/"),
        ("GET", ""),
        ("GET", "/barcodes"),
        ("GET", "/baskets"),
        ("GET", "/events/{event}/seats"),
    ],
)
def test_unknown_routes_are_html_404(client: httpx.Client, sim: Simulator, method: str, path: str) -> None:
    path = path.format(event=sim.events()[0]["id"])
    reply = client.request(method, client.base_url.raw_path.decode().rstrip("/") + path, json={})
    assert reply.status_code == 404
    assert reply.headers["content-type"] == "text/html; charset=UTF-8"
    assert "<title>Страница не найдена 404 – Qtickets</title>" in reply.text


def test_outside_the_api_is_html_404(server: SimServer) -> None:
    reply = httpx.get(server.url + "/api/rest/v2/orders")
    assert reply.status_code == 404 and reply.headers["content-type"].startswith("text/html")
    assert "Страница не найдена 404 – Qtickets" in reply.text


def test_post_orders_with_a_search_body_is_503(client: httpx.Client) -> None:
    for body in ({"filters": {"payed": 1}}, {"where": [{"column": "payed", "value": 1}]}, {}):
        reply = client.post("/orders", json=body)
        assert reply.status_code == 503
        assert reply.json() == UNKNOWN_ERROR


def test_write_methods_on_list_routes_are_405(client: httpx.Client) -> None:
    for method in ("PUT", "DELETE", "PATCH"):
        reply = client.request(method, "/orders")
        assert reply.status_code == 405
        assert reply.headers["content-type"].startswith("text/html")


def test_head_has_the_headers_of_get_and_no_body(client: httpx.Client) -> None:
    head = client.head("/orders")
    full = client.get("/orders")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == full.headers["content-length"]
    assert head.headers["content-type"] == full.headers["content-type"]
    assert client.head("/orders/1").status_code == 404


def test_keep_alive_connection_is_reused(server: SimServer) -> None:
    with httpx.Client(base_url=server.base_url, headers={"Authorization": "Bearer t0k"}) as http:
        replies = [http.get("/orders") for _ in range(5)]
    assert all(reply.status_code == 200 for reply in replies)
    assert all(reply.headers["content-length"] == str(len(reply.content)) for reply in replies)


def test_reading_does_not_move_the_manual_clock(sim: Simulator) -> None:
    before = sim.now()
    sim.orders()
    assert sim.now() == before
    assert before - datetime(2026, 11, 20, 12, 0, tzinfo=before.tzinfo) < timedelta(seconds=1)
