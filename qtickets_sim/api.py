"""The routes of /api/rest/v1: matching, auth, and the handlers. Callers hold the simulator's lock."""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from .activity import LiveActivity
from .allocation import OrderRejected
from .faults import FaultInjector
from .messages import Request, Response, forbidden, json_response, laravel_page, not_found_json, unknown_error
from .orders import Order, is_live
from .query import (
    ListQuery,
    ListSource,
    QueryError,
    ResultCache,
    Schema,
    parse_list_query,
    parse_select,
    parse_where,
    predicate,
    projector,
    run_query,
)
from .schemas import (
    BARCODE_FIELDS,
    CLIENT_FIELDS,
    CLIENT_SCHEMA,
    COLOR_THEME_SCHEMA,
    DEFAULT_PER_PAGE,
    DISCOUNT_SCHEMA,
    EVENT_FIELDS,
    EVENT_SCHEMA,
    ORDER_FIELDS,
    ORDER_SCHEMA,
    PROMO_CODE_SCHEMA,
    SEAT_SCHEMA,
)
from .seats import seat_records, zone_names
from .state import Store

API_PREFIX = "/api/rest/v1"
DEFAULT_LIST_PAGE = 50


@dataclass(frozen=True, slots=True)
class Route:
    name: str  # for statistics, e.g. "/orders/{id}"
    methods: frozenset[str]
    handler: str
    ident: int | None = None


_ROUTES: Sequence[tuple[re.Pattern[str], str, frozenset[str], str]] = [
    (re.compile(r"/orders"), "/orders", frozenset({"GET", "POST"}), "orders"),
    (re.compile(r"/orders/(\d+)"), "/orders/{id}", frozenset({"GET"}), "order"),
    (re.compile(r"/events"), "/events", frozenset({"GET"}), "events"),
    (re.compile(r"/events/(\d+)"), "/events/{id}", frozenset({"GET"}), "event"),
    (re.compile(r"/shows/(\d+)/seats"), "/shows/{id}/seats", frozenset({"GET"}), "seats"),
    (re.compile(r"/shows/(\d+)/barcodes"), "/shows/{id}/barcodes", frozenset({"GET"}), "barcodes"),
    (re.compile(r"/clients"), "/clients", frozenset({"GET"}), "clients"),
    (re.compile(r"/clients/(\d+)"), "/clients/{id}", frozenset({"GET"}), "client"),
    (re.compile(r"/discounts"), "/discounts", frozenset({"GET"}), "discounts"),
    (re.compile(r"/discounts/(\d+)"), "/discounts/{id}", frozenset({"GET"}), "discount"),
    (re.compile(r"/promo-codes"), "/promo-codes", frozenset({"GET"}), "promo_codes"),
    (re.compile(r"/color-themes"), "/color-themes", frozenset({"GET"}), "color_themes"),
]


def match_route(path: str) -> Route | None:
    """The route of an API path (without the query string), or None: the real server's HTML 404."""
    if not path.startswith(API_PREFIX + "/"):
        return None
    rest = path[len(API_PREFIX) :]
    for pattern, name, methods, handler in _ROUTES:
        found = pattern.fullmatch(rest)
        if found:
            ident = int(found.group(1)) if found.groups() else None
            return Route(name, methods, handler, ident)
    return None


def php_truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value not in ("", "0")
    return bool(value)


class Api:
    def __init__(
        self,
        store: Store,
        activity: LiveActivity,
        faults: FaultInjector,
        token: str,
        per_page_cap: int,
        served: Callable[[Order], dict[str, Any]],
    ) -> None:
        self.store = store
        self.activity = activity
        self.faults = faults
        self.token = token
        self.per_page_cap = per_page_cap
        self.served = served
        self.cache = ResultCache()

    def authorized(self, request: Request) -> bool:
        header = request.header("authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return False
        return hmac.compare_digest(token.strip().encode(), self.token.encode())

    def handle(self, route: Route, request: Request, body: Mapping[str, Any]) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        if method not in route.methods:
            page = laravel_page(405)
            page.headers.append(("Allow", ", ".join(sorted(route.methods | {"HEAD"}))))
            return page
        if not self.authorized(request):
            return forbidden()
        handler: Callable[[Route, str, Mapping[str, Any]], Response] = getattr(self, f"_{route.handler}")
        try:
            return handler(route, method, body)
        except QueryError:
            return unknown_error()

    # -- lists ---------------------------------------------------------------------------------------------

    def _list(
        self,
        name: str,
        records: Sequence[Mapping[str, Any]],
        ids: Sequence[int],
        schema: Schema,
        fields: Collection[str],
        body: Mapping[str, Any],
        serve: Callable[[Any], Any] | None = None,
    ) -> Response:
        default = DEFAULT_PER_PAGE.get(name, DEFAULT_LIST_PAGE)
        query = parse_list_query(body, schema, self.per_page_cap, fields, default)
        if name == "orders":
            self._maybe_mutate(query)
            records, ids = self.store.orders, self.store.order_ids
        source = ListSource(name, records, ids, schema, self.store.data_version)
        page, total = run_query(source, query, self.cache)
        data: list[Any] = [serve(record) for record in page] if serve is not None else list(page)
        if query.select is not None:
            if self.faults.config.ignore_select:
                self.faults.count("ignore_select")
            else:
                keep = projector(query.select)
                data = [keep(item) for item in data]
        if self.faults.config.drop_paging:
            self.faults.count("drop_paging")
            return Response(200, msgspec.json.encode({"data": data}))
        paging = {"perPage": query.per_page, "currentPage": query.page, "total": total}
        return Response(200, msgspec.json.encode({"data": data, "paging": paging}))

    def _maybe_mutate(self, query: ListQuery) -> None:
        """Fault: the data changes between two pages of a listing."""
        deep = query.page > 1 or any(cond.column == "id" and cond.op in (">", ">=") for cond in query.where)
        probability = self.faults.config.p_mutation_during_paging
        if deep and self.faults.chance(probability):
            self.activity.burst(self.faults.rng, 1 + int(self.faults.rng.random() * 4))
            self.faults.count("mutation_during_paging")

    def _orders(self, route: Route, method: str, body: Mapping[str, Any]) -> Response:
        if method == "POST":
            return self._create_order(body)
        store = self.store
        return self._list("orders", store.orders, store.order_ids, ORDER_SCHEMA, ORDER_FIELDS, body, self.served)

    def _create_order(self, body: Mapping[str, Any]) -> Response:
        data = body.get("data")
        if not isinstance(data, dict):
            return unknown_error()
        try:
            order = self.activity.create_order(data)
        except OrderRejected:
            return unknown_error()
        return json_response({"data": self.served(order)})

    def _order(self, route: Route, method: str, body: Mapping[str, Any]) -> Response:
        order = self.store.order(route.ident or 0)
        if order is None:
            return not_found_json("Order", route.ident or 0)
        return json_response({"data": self.served(order)})

    def _events(self, route: Route, method: str, body: Mapping[str, Any]) -> Response:
        store = self.store
        return self._list("events", store.events_api, store.event_ids, EVENT_SCHEMA, EVENT_FIELDS, body)

    def _event(self, route: Route, method: str, body: Mapping[str, Any]) -> Response:
        event = self.store.event_api(route.ident or 0)
        if event is None:
            return not_found_json("Event", route.ident or 0)
        return json_response({"data": event})

    def _clients(self, route: Route, method: str, body: Mapping[str, Any]) -> Response:
        store = self.store
        return self._list("clients", store.clients, store.client_ids, CLIENT_SCHEMA, CLIENT_FIELDS, body)

    def _client(self, route: Route, method: str, body: Mapping[str, Any]) -> Response:
        client = self.store.client(route.ident or 0)
        if client is None:
            return not_found_json("Client", route.ident or 0)
        return json_response({"data": client})

    def _discount(self, route: Route, method: str, body: Mapping[str, Any]) -> Response:
        discount = self.store.discount(route.ident or 0)
        if discount is None:
            return not_found_json("Discount", route.ident or 0)
        return json_response({"data": discount})

    def _discounts(self, route: Route, method: str, body: Mapping[str, Any]) -> Response:
        records = self.store.discounts
        ids = [item["id"] for item in records]
        return self._list("discounts", records, ids, DISCOUNT_SCHEMA, frozenset(DISCOUNT_SCHEMA), body)

    def _promo_codes(self, route: Route, method: str, body: Mapping[str, Any]) -> Response:
        records = self.store.promo_codes
        ids = [item["id"] for item in records]
        return self._list("promo_codes", records, ids, PROMO_CODE_SCHEMA, frozenset(PROMO_CODE_SCHEMA), body)

    def _color_themes(self, route: Route, method: str, body: Mapping[str, Any]) -> Response:
        records = self.store.color_themes
        ids = [item["id"] for item in records]
        return self._list("color_themes", records, ids, COLOR_THEME_SCHEMA, frozenset(COLOR_THEME_SCHEMA), body)

    # -- seats and barcodes ----------------------------------------------------------------------------------

    def _seats(self, route: Route, method: str, body: Mapping[str, Any]) -> Response:
        data = self.seats(route.ident or 0, php_truthy(body.get("flat")), body.get("where"), body.get("select"))
        if data is None:
            return not_found_json("Show", route.ident or 0)
        return json_response({"data": data})

    def seats(self, show_id: int, flat: bool, where: Any = None, select: Any = None) -> dict[str, Any] | None:
        show = self.store.show_by_id.get(show_id)
        if show is None:
            return None
        tests = [predicate(condition, SEAT_SCHEMA) for condition in parse_where(where, SEAT_SCHEMA)]
        paths = parse_select(select, frozenset(SEAT_SCHEMA))
        keep = projector(paths) if paths is not None else None
        records = [record for record in seat_records(self.store, show) if all(test(record) for test in tests)]
        if flat:
            return {record["id"]: keep(record) if keep else record for record in records}
        names = zone_names(show)
        tree: dict[str, Any] = {}
        for record in records:
            zone_id = record["zone_id"]
            if zone_id not in tree:
                name, admission = names[zone_id]
                tree[zone_id] = {"id": zone_id, "name": name, "admission": admission, "seats": {}}
            tree[zone_id]["seats"][record["id"]] = keep(record) if keep else record
        return tree

    def _barcodes(self, route: Route, method: str, body: Mapping[str, Any]) -> Response:
        show_id = route.ident or 0
        if show_id not in self.store.show_by_id:
            return not_found_json("Show", show_id)
        paths = parse_select(body.get("select"), BARCODE_FIELDS)
        rows = [
            {
                "barcode": basket["barcode"],
                "basket_id": basket["id"],
                "order_id": order["id"],
                "seat_id": basket["seat_id"],
                "checked_at": basket["checked_at"],
            }
            for order in self.store.orders_of_show(show_id)
            if order["payed"] and order["deleted_at"] is None
            for basket in order["baskets"]
            if basket["show_id"] == show_id and is_live(basket)
        ]
        if paths is not None:
            keep = projector(paths)
            rows = [keep(row) for row in rows]
        return json_response(rows)
