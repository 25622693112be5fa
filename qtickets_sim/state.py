"""The store: orders, events and reference lists, their indexes, and every mutation (each bumps data_version)."""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from . import orders as ops
from .generator import World
from .ids import IdSequences
from .model import Event, Show
from .orders import Basket, Order, OrderFactory
from .wire import event_api

COLOR_THEMES: list[dict[str, Any]] = [
    {"id": 1, "name": "Светлая", "is_default": 1},
    {"id": 2, "name": "Тёмная", "is_default": 0},
]
SITE_HOST = "tickets.example.org"

# Told of every change of an order, as a QTickets webhook would be: (event type, the order, extra members by
# basket id: {"refunded_baskets": [ids]} or {"checked_basket": [id]}).
OrderListener = Callable[[str, "Order", dict[str, list[int]]], None]


class Store:
    """All mutable data of the simulated account. Not thread-safe: the simulator holds a lock around it."""

    def __init__(self, world: World) -> None:
        self.orders: list[Order] = world.orders
        self.order_ids: list[int] = [order["id"] for order in self.orders]
        self.by_id: dict[int, Order] = {order["id"]: order for order in self.orders}
        self.event_list: list[Event] = world.events
        self.event_by_id: dict[int, Event] = {event.id: event for event in world.events}
        self.show_by_id: dict[int, Show] = {show.id: show for event in world.events for show in event.shows}
        self.show_orders: dict[int, list[Order]] = {show_id: [] for show_id in self.show_by_id}
        for order in self.orders:
            self._index(order)
        self.events_api: list[dict[str, Any]] = [event_api(event, SITE_HOST) for event in world.events]
        self.event_ids: list[int] = [event.id for event in world.events]
        self.clients: list[dict[str, Any]] = sorted(world.factory.clients.made.values(), key=lambda item: item["id"])
        self.client_ids: list[int] = [client["id"] for client in self.clients]
        self.discounts = world.discounts
        self.promo_codes = world.promo_codes
        self.color_themes = COLOR_THEMES
        self.factory: OrderFactory = world.factory
        self.ids: IdSequences = world.ids
        self.data_version = 0
        self.mutations: Counter[str] = Counter()
        self.listener: OrderListener | None = None

    def _tell(self, event_type: str, order: Order, extra: dict[str, list[int]] | None = None) -> None:
        if self.listener is not None:
            self.listener(event_type, order, extra or {})

    # -- reading -----------------------------------------------------------------------------------------

    def order(self, order_id: int) -> Order | None:
        return self.by_id.get(order_id)

    def event_api(self, event_id: int) -> dict[str, Any] | None:
        index = bisect.bisect_left(self.event_ids, event_id)
        if index < len(self.event_ids) and self.event_ids[index] == event_id:
            return self.events_api[index]
        return None

    def client(self, client_id: int) -> dict[str, Any] | None:
        index = bisect.bisect_left(self.client_ids, client_id)
        if index < len(self.client_ids) and self.client_ids[index] == client_id:
            return self.clients[index]
        return None

    def discount(self, discount_id: int) -> dict[str, Any] | None:
        return next((item for item in self.discounts if item["id"] == discount_id), None)

    def orders_of_show(self, show_id: int) -> Sequence[Order]:
        return self.show_orders.get(show_id, ())

    # -- writing -----------------------------------------------------------------------------------------

    def _index(self, order: Order) -> None:
        for show_id in {basket["show_id"] for basket in order["baskets"]}:
            self.show_orders.setdefault(show_id, []).append(order)

    def reschedule_show(self, show_id: int, seconds: int) -> dict[str, Any]:
        """The organiser moves a show (start and finish) by ``seconds``; returns its event as /events serves it."""
        show = self.show_by_id[show_id]
        show.start_ts += seconds
        show.finish_ts += seconds
        event = self.event_by_id[show.event_id]
        index = self.event_ids.index(event.id)
        self.events_api[index] = event_api(event, SITE_HOST)
        self._changed("reschedule")
        return self.events_api[index]

    def _changed(self, kind: str) -> None:
        self.data_version += 1
        self.mutations[kind] += 1

    def add_order(self, order: Order, kind: str = "new_order") -> None:
        if self.order_ids and order["id"] <= self.order_ids[-1]:
            raise ValueError("order ids must ascend")
        self.orders.append(order)
        self.order_ids.append(order["id"])
        self.by_id[order["id"]] = order
        self._index(order)
        self._remember_client(order["client"])
        self._changed(kind)
        self._tell("created", order)
        if order["payed"]:
            self._tell("payed", order)

    def _remember_client(self, client: dict[str, Any]) -> None:
        position = bisect.bisect_left(self.client_ids, client["id"])
        if position < len(self.client_ids) and self.client_ids[position] == client["id"]:
            return
        self.client_ids.insert(position, client["id"])
        self.clients.insert(position, client)

    def pay(self, order: Order, ts: int) -> None:
        ops.pay(order, ts)
        self._changed("payment")
        self._tell("payed", order)

    def expire(self, order: Order, ts: int) -> None:
        ops.cancel(order, ts)
        self._changed("expiry")
        self._tell("deleted", order)

    def cancel(self, order: Order, ts: int) -> None:
        ops.cancel(order, ts)
        self._changed("cancellation")
        self._tell("deleted", order)

    def refund(self, order: Order, baskets: Sequence[Basket], ts: int, deduction_percent: int, refund_id: int) -> None:
        ops.refund(order, baskets, ts, refund_id, deduction_percent)
        self._changed("refund")
        self.mutations["refunded_baskets"] += len(baskets)
        self._tell("refunded", order, {"refunded_baskets": [basket["id"] for basket in baskets]})

    def delete_basket(self, order: Order, basket: Basket, ts: int) -> None:
        ops.delete_basket(order, basket, ts)
        self._changed("basket_deleted")
        self._tell("updated", order)

    def check_in(self, order: Order, basket: Basket, ts: int) -> None:
        ops.check_in(order, basket, ts)
        self._changed("scan")
        self._tell("checked", order, {"checked_basket": [basket["id"]]})
