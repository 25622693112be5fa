"""The orders of the generated history and everything that happened to them before the simulated now."""

from __future__ import annotations

import bisect
import itertools
import math
import random
from dataclasses import dataclass
from datetime import datetime

from .dates import DAY, HOUR, MINUTE, to_ts
from .ids import IdSequences
from .model import Event, Show, Venue, Zone
from .orders import Item, Order, OrderFactory, cancel, check_in, delete_basket, pay, refund, reserve
from .rand import between, pick, weighted
from .schedule import sale_share

BASKET_COUNTS = (1, 2, 3, 4, 5, 6)
BASKET_COUNT_CUMULATIVE = tuple(itertools.accumulate((0.28, 0.37, 0.14, 0.12, 0.05, 0.04)))
GA_QUANTITIES = (1, 1, 1, 1, 2, 2, 2, 3, 4)


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
    ) -> None:
        self.rng = rng
        self.factory = factory
        self.ids = ids
        self.start_ts = start_ts
        self.now_ts = now_ts
        self.shows = [show for event in events for show in event.shows if show.deleted_ts is None]
        self.event_of = {event.id: event for event in events}
        self.show_by_id = {show.id: show for event in events for show in event.shows}
        self.seat_cursor: dict[tuple[int, str], int] = {}
        self.ga_sold: dict[tuple[int, str], int] = {}
        self.zone_cumulative: dict[int, list[int]] = {}
        self.basket_ids = ids.basket.stream(rng)
        self.orders: list[Order] = []
        self.pending: list[Pending] = []

    def _window(self, show: Show) -> tuple[int, int]:
        return max(show.sale_start_ts, self.start_ts), min(show.sale_finish_ts, self.now_ts - MINUTE)

    def write(self, count: int) -> None:
        rng = self.rng
        weights = [
            self.event_of[show.event_id].popularity
            * sale_share(show.sale_start_ts, show.sale_finish_ts, self.start_ts, self.now_ts)
            for show in self.shows
        ]
        cumulative = list(itertools.accumulate(weights))
        # The first order goes to the earliest show on sale, so that the history starts in May 2021.
        earliest = min(range(len(self.shows)), key=lambda index: self.shows[index].sale_start_ts)
        draws: list[tuple[int, int]] = []
        for position in range(count):
            index = earliest if position == 0 else bisect.bisect(cumulative, rng.random() * cumulative[-1])
            begin, end = self._window(self.shows[index])
            draws.append((begin + int((end - begin) * math.sqrt(rng.random())), index))
        draws.sort()
        orders = self.orders
        for created_ts, index in draws:
            order = self._order(created_ts, self.shows[index])
            if order is not None:
                orders.append(order)

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
        order = self.factory.build(
            rng,
            self.ids.order.take(rng),
            self.basket_ids,
            created_ts,
            items[0].show.event_id,
            items,
        )
        self._fate(order, created_ts, max(item.show.start_ts for item in items))
        return order

    def _items(self, created_ts: int, show: Show) -> list[Item]:
        rng = self.rng
        wanted = weighted(rng, BASKET_COUNTS, BASKET_COUNT_CUMULATIVE)
        targets = [show]
        if wanted > 1 and rng.random() < 0.04:
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
        rng = self.rng
        zones = show.venue.zones
        zone = weighted(rng, zones, self._zone_weights(show.venue))
        ordered = [zone, *[other for other in zones if other is not zone]]
        for candidate in ordered:
            items = self._seats_in(show, candidate, wanted)
            if items:
                return items
        return []

    def _zone_weights(self, venue: Venue) -> list[int]:
        cumulative = self.zone_cumulative.get(venue.id)
        if cumulative is None:
            cumulative = list(itertools.accumulate(zone.capacity for zone in venue.zones))
            self.zone_cumulative[venue.id] = cumulative
        return cumulative

    def _seats_in(self, show: Show, zone: Zone, wanted: int) -> list[Item]:
        rng = self.rng
        key = (show.id, zone.zone_id)
        if zone.admission:
            seat = zone.seats[0]
            items = []
            for _ in range(min(wanted, 2)):
                quantity = pick(rng, GA_QUANTITIES)
                if self.ga_sold.get(key, 0) + quantity > zone.max_quantity:
                    break
                self.ga_sold[key] = self.ga_sold.get(key, 0) + quantity
                items.append(Item(show, zone, seat, "full", quantity))
            return items
        cursor = self.seat_cursor.get(key, 0)
        items = []
        while len(items) < wanted and cursor < len(zone.seats):
            seat = zone.seats[cursor]
            cursor += 1
            if seat.disabled:
                continue
            tariff = "child" if len(zone.tariffs) > 1 and rng.random() < 0.15 else "full"
            items.append(Item(show, zone, seat, tariff, 1))
        self.seat_cursor[key] = cursor
        return items

    def _fate(self, order: Order, created_ts: int, show_ts: int) -> None:
        """Payment, expiry, cancellation, refunds, deleted baskets and check-ins that happened before now."""
        rng = self.rng
        now_ts = self.now_ts
        latest = max(created_ts + 10 * MINUTE, show_ts)
        roll = rng.random()
        if roll < 0.80:
            pay_ts = created_ts + between(rng, 30, 15 * MINUTE)
            if pay_ts > now_ts:
                reserve(order, created_ts + 20 * MINUTE)
                self.pending.append(Pending(pay_ts, "pay", order["id"]))
                return
            pay(order, pay_ts)
            order["reserved_to"] = None
        else:
            until = min(latest, created_ts + between(rng, 30 * MINUTE, 3 * DAY))
            reserve(order, until)
            if roll < 0.88:
                pay_ts = created_ts + int((until - created_ts) * rng.uniform(0.05, 0.9))
                if pay_ts > now_ts:
                    self.pending.append(Pending(pay_ts, "pay", order["id"]))
                    return
                pay(order, pay_ts)
            else:
                if until > now_ts:
                    self.pending.append(Pending(until, "expire", order["id"]))
                else:
                    cancel(order, until)
                return
        self._after_payment(order, show_ts)

    def _after_payment(self, order: Order, show_ts: int) -> None:
        rng = self.rng
        paid_ts = to_ts(datetime.fromisoformat(order["payed_at"]))
        horizon = min(show_ts, self.now_ts)
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
                refund(order, chosen, when, self.ids.refund.take(rng), rng.choice((0, 0, 10)))
            elif roll < 0.075 and len(baskets) > 1:
                delete_basket(order, rng.choice(baskets), when)
        for basket in baskets:
            start_ts = self.show_by_id[basket["show_id"]].start_ts
            if start_ts > self.now_ts or basket["deleted_at"] is not None or basket["refunded_at"] is not None:
                continue
            if rng.random() < 0.8:
                check_in(order, basket, max(paid_ts, start_ts - between(rng, 0, 90 * MINUTE)))
