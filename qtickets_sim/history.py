"""The orders of the generated history and everything that happened to them before the simulated now.

Orders are drawn first and numbered afterwards, in time order, so that ids ascend with ``created_at`` even when a
draw that found its show sold out is replaced by one for an exhibition (whose capacity is not limited).
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from dataclasses import dataclass
from datetime import datetime

from .dates import DAY, HOUR, MINUTE, to_ts
from .ids import IdSequences
from .model import Event, Show, Zone
from .orders import Item, Order, OrderFactory, cancel, check_in, delete_basket, pay, refund, reserve
from .pickup import sale_moment
from .rand import between, pick, weighted
from .schedule import sale_share

BASKET_COUNTS = (1, 2, 3, 4, 5, 6)
BASKET_COUNT_CUMULATIVE = tuple(itertools.accumulate((0.30, 0.38, 0.14, 0.11, 0.04, 0.03)))
GA_QUANTITIES = (1, 1, 1, 1, 1, 1, 1, 2, 2, 3)


@dataclass
class Pending:
    """Something that will happen to an order after the simulated now: a payment or an expiry."""

    ts: int
    kind: str  # "pay" | "expire"
    order_id: int


class HistoryWriter:
    """Draws the historical orders and applies what happened to them before now."""

    def __init__(
        self,
        rng: random.Random,
        events: list[Event],
        factory: OrderFactory,
        ids: IdSequences,
        start_ts: int,
        now_ts: int,
        pickup: str = "simple",
    ) -> None:
        self.rng = rng
        self.pickup = pickup
        self.factory = factory
        self.ids = ids
        self.start_ts = start_ts
        self.now_ts = now_ts
        self.event_of = {event.id: event for event in events}
        self.shows = [
            show for event in events if event.popularity > 0 for show in event.shows if show.deleted_ts is None
        ]
        self.show_by_id = {show.id: show for event in events for show in event.shows}
        self.seat_cursor: dict[tuple[int, str], int] = {}
        self.zone_cumulative: dict[int, list[float]] = {}
        self.orders: list[Order] = []
        self.pending: list[Pending] = []
        self._later: list[tuple[int, str, Order]] = []

    def _window(self, show: Show) -> tuple[int, int]:
        return max(show.sale_start_ts, self.start_ts), min(show.sale_finish_ts, self.now_ts - MINUTE)

    def write(self, count: int) -> None:
        built = self._draw(count, self.shows, first_to_earliest=True)
        unlimited = [show for show in self.shows if show.layout.capacity is None]
        while len(built) < count and unlimited:
            built += self._draw(count - len(built), unlimited, first_to_earliest=False)
        built.sort(key=lambda order: order["created_at"])
        self._number(built)
        self.orders = built

    def _draw(self, count: int, shows: list[Show], first_to_earliest: bool) -> list[Order]:
        rng = self.rng
        weights = [
            self.event_of[show.event_id].popularity
            * sale_share(show.sale_start_ts, show.sale_finish_ts, self.start_ts, self.now_ts)
            for show in shows
        ]
        cumulative = list(itertools.accumulate(weights))
        if not cumulative or cumulative[-1] <= 0:
            return []
        # The first order goes to the earliest show on sale, so that the history starts in May 2021.
        earliest = min(range(len(shows)), key=lambda index: shows[index].sale_start_ts)
        draws: list[tuple[int, int]] = []
        for position in range(count):
            if position == 0 and first_to_earliest:
                index = earliest
            else:
                index = bisect.bisect(cumulative, rng.random() * cumulative[-1])
            begin, end = self._window(shows[index])
            if self.pickup == "realistic":
                show = shows[index]
                city = show.venue.city.id
                ts = sale_moment(rng, begin, end, show.start_ts, show.finish_ts, show.event_id, city)
                draws.append((ts, index))
            else:
                draws.append((begin + int((end - begin) * math.sqrt(rng.random())), index))
        draws.sort()
        built = []
        for created_ts, index in draws:
            order = self._order(created_ts, shows[index])
            if order is not None:
                built.append(order)
        return built

    def _number(self, orders: list[Order]) -> None:
        """Ids in time order: orders and baskets by creation, refunds by when they happened."""
        rng, ids = self.rng, self.ids
        for order in orders:
            order["id"] = ids.order.take(rng)
            for basket in order["baskets"]:
                basket["id"] = ids.basket.take(rng)
        refunds = [item for order in orders for item in order["refunds"]]
        refunds.sort(key=lambda item: item["created_at"])
        by_basket = {id(basket): basket for order in orders for basket in order["baskets"]}
        for item in refunds:
            item["id"] = ids.refund.take(rng)
            item["basket_ids"] = [by_basket[key]["id"] for key in item.pop("basket_keys")]
        self.pending = [Pending(ts, kind, order["id"]) for ts, kind, order in self._later]

    def _order(self, created_ts: int, show: Show) -> Order | None:
        rng = self.rng
        items = self._items(created_ts, show)
        if not items:
            # Sold out: the buyer takes another show on sale at that moment.
            others = [other for other in self.shows if other is not show and other.on_sale(created_ts)]
            rng.shuffle(others)
            for other in others:
                items = self._items(created_ts, other)
                if items:
                    break
            else:
                return None
        order = self.factory.build(rng, 0, itertools.repeat(0), created_ts, items[0].show.event_id, items)
        self._fate(order, created_ts, max(item.show.sale_finish_ts for item in items), items)
        return order

    def _items(self, created_ts: int, show: Show) -> list[Item]:
        rng = self.rng
        wanted = weighted(rng, BASKET_COUNTS, BASKET_COUNT_CUMULATIVE)
        targets = [show]
        if wanted > 1 and len(show.zones) == 1 and rng.random() < 0.04:
            siblings = [
                other
                for other in self.event_of[show.event_id].shows
                if other is not show and other.deleted_ts is None and other.on_sale(created_ts)
            ]
            if siblings:
                targets.append(rng.choice(siblings))
        items: list[Item] = []
        for position, target in enumerate(targets):
            share = wanted if len(targets) == 1 else (wanted + 1) // 2 if position == 0 else wanted // 2
            items += self._take(target, share)
        return items

    def _take(self, show: Show, wanted: int) -> list[Item]:
        if show.layout.kind == "exhibition":
            # A family: each basket one tariff (adult, child ...), drawn by how often buyers choose it.
            rng = self.rng
            weights = self._zone_weights(show)
            items: list[Item] = []
            for _ in range(wanted):
                zone = weighted(rng, show.zones, weights)
                items.append(Item(show, zone, zone.seats[0], zone.tariffs[0], pick(rng, GA_QUANTITIES)))
            return items
        for zone in show.zones:
            items = self._seats_in(show, zone, wanted)
            if items:
                return items
        return []

    def _zone_weights(self, show: Show) -> list[float]:
        cumulative = self.zone_cumulative.get(id(show.layout))
        if cumulative is None:
            cumulative = list(itertools.accumulate(zone.weight for zone in show.zones))
            self.zone_cumulative[id(show.layout)] = cumulative
        return cumulative

    def _seats_in(self, show: Show, zone: Zone, wanted: int) -> list[Item]:
        rng = self.rng
        key = (show.id, zone.zone_id)
        cursor = self.seat_cursor.get(key, 0)
        items: list[Item] = []
        while len(items) < wanted and cursor < len(zone.seats):
            seat = zone.seats[cursor]
            cursor += 1
            if seat.disabled:
                continue
            tariff = "child" if len(zone.tariffs) > 1 and rng.random() < 0.15 else "full"
            items.append(Item(show, zone, seat, tariff, 1))
        self.seat_cursor[key] = cursor
        return items

    def _fate(self, order: Order, created_ts: int, last_ts: int, items: list[Item]) -> None:
        """Payment, expiry, cancellation, refunds, deleted baskets and check-ins that happened before now."""
        rng = self.rng
        now_ts = self.now_ts
        latest = max(created_ts + 10 * MINUTE, last_ts)
        roll = rng.random()
        if roll < 0.80:
            pay_ts = created_ts + between(rng, 30, 15 * MINUTE)
            if pay_ts > now_ts:
                self._later.append((pay_ts, "pay", order))
                return
            pay(order, pay_ts)
        else:
            until = min(latest, created_ts + between(rng, 30 * MINUTE, 3 * DAY))
            reserve(order, until)
            if roll < 0.84:
                pay_ts = created_ts + int((until - created_ts) * rng.uniform(0.05, 0.9))
                if pay_ts > now_ts:
                    self._later.append((pay_ts, "pay", order))
                    return
                pay(order, pay_ts)
            else:
                if until > now_ts:
                    self._later.append((until, "expire", order))
                else:
                    cancel(order, until)
                return
        self._after_payment(order, last_ts, items)

    def _after_payment(self, order: Order, last_ts: int, items: list[Item]) -> None:
        rng = self.rng
        paid_ts = to_ts(datetime.fromisoformat(order["payed_at"]))
        horizon = min(last_ts, self.now_ts)
        baskets = order["baskets"]
        if horizon - paid_ts > HOUR:
            roll = rng.random()
            when = between(rng, paid_ts + HOUR, horizon)
            if roll < 0.025:
                cancel(order, when)
                return
            if roll < 0.065:
                count = len(baskets) if rng.random() < 0.4 else rng.randint(1, len(baskets))
                chosen = rng.sample(baskets, count)
                refund(order, chosen, when, 0, rng.choice((0, 0, 10)))
                order["refunds"][-1]["basket_keys"] = [id(basket) for basket in chosen]
            elif roll < 0.075 and len(baskets) > 1:
                delete_basket(order, rng.choice(baskets), when)
        for basket, item in zip(baskets, items, strict=True):
            show = item.show
            if basket["deleted_at"] is not None or basket["refunded_at"] is not None:
                continue
            if show.layout.kind == "exhibition":
                first, last = max(paid_ts, show.start_ts), min(show.finish_ts, self.now_ts)
                if first > last or rng.random() >= 0.75:
                    continue
                visit = between(rng, first, last)
            else:
                if show.start_ts > self.now_ts or rng.random() >= 0.8:
                    continue
                visit = max(paid_ts, show.start_ts - between(rng, 0, 90 * MINUTE))
            check_in(order, basket, visit)
