"""Live activity after the generated history: new orders, payments, expiries, cancellations, refunds.

Arrivals form a Poisson process whose next arrival time is kept between calls, and follow-ups (a payment or an
expiry of a reservation) sit in a time-ordered heap, so advancing by 15 + 15 minutes gives the same result as
advancing by 30.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .allocation import OrderRejected, choose_items, requested_item
from .dates import DAY, HOUR, MINUTE, iso_msk
from .history import BASKET_COUNT_CUMULATIVE, BASKET_COUNTS, Pending
from .model import Show
from .orders import Item, Order, is_paid, live_baskets, reserve
from .orders import pay as mark_paid
from .rand import between, pick, weighted
from .seats import Occupancy, occupancy
from .state import Store

ARRIVALS = ("new_order", "late_payment", "cancellation", "refund", "basket_deleted")
ARRIVAL_CUMULATIVE = tuple(itertools.accumulate((0.55, 0.08, 0.07, 0.24, 0.06)))
RESERVATION = 30 * MINUTE


@dataclass
class Summary:
    """What one stretch of simulated time changed."""

    start: str
    end: str
    counts: Counter[str] = field(default_factory=Counter)
    new_order_ids: list[int] = field(default_factory=list)
    changed_order_ids: list[int] = field(default_factory=list)

    def note(self, kind: str, order: Order, new: bool = False) -> None:
        self.counts[kind] += 1
        (self.new_order_ids if new else self.changed_order_ids).append(order["id"])

    def as_dict(self) -> dict[str, Any]:
        changed = sorted(set(self.changed_order_ids) - set(self.new_order_ids))
        return {
            "from": self.start,
            "to": self.end,
            "new_orders": self.counts["new_order"],
            "payments": self.counts["payment"],
            "expiries": self.counts["expiry"],
            "cancellations": self.counts["cancellation"],
            "refunds": self.counts["refund"],
            "refunded_baskets": self.counts["refunded_basket"],
            "deleted_baskets": self.counts["basket_deleted"],
            "scans": self.counts["scan"],
            "new_order_ids": list(self.new_order_ids),
            "changed_order_ids": changed,
        }


class LiveActivity:
    def __init__(
        self,
        store: Store,
        seed: int,
        rate_per_hour: float,
        start_ts: int,
        pending: Sequence[Pending],
        scans_per_hour: float = 0.0,
    ) -> None:
        self.store = store
        self.rng = random.Random(f"qtickets-sim:{seed}:activity")
        self.scan_rng = random.Random(f"qtickets-sim:{seed}:scans")  # its own stream: scans change no other draw
        self.rate = max(0.0, rate_per_hour)
        self.scan_rate = max(0.0, scans_per_hour)
        self._seq = itertools.count()
        self.heap: list[tuple[int, int, str, int]] = [
            (item.ts, next(self._seq), item.kind, item.order_id) for item in pending
        ]
        heapq.heapify(self.heap)
        self.ts = start_ts
        self.next_arrival = self.ts + self._gap(self.rng)
        self.next_scan = self.ts + self._gap(self.scan_rng, self.scan_rate)

    def _gap(self, rng: random.Random, rate: float | None = None) -> float:
        per_hour = self.rate if rate is None else rate
        if per_hour <= 0:
            return float("inf")
        return rng.expovariate(per_hour / HOUR)

    # -- time ----------------------------------------------------------------------------------------------

    def run_until(self, target_ts: int) -> Summary:
        summary = Summary(iso_msk(self.ts), iso_msk(max(self.ts, target_ts)))
        while True:
            due = self.heap[0][0] if self.heap else None
            if (
                self.next_scan <= target_ts
                and self.next_scan < self.next_arrival
                and (due is None or self.next_scan < due)
            ):
                self._scan(self.scan_rng, max(int(self.next_scan), self.ts), summary)
                self.next_scan += self._gap(self.scan_rng, self.scan_rate)
            elif due is not None and due <= self.next_arrival and due <= target_ts:
                _, _, kind, order_id = heapq.heappop(self.heap)
                self._follow_up(kind, order_id, due, summary)
            elif self.next_arrival <= target_ts:
                at = int(self.next_arrival)
                self._arrival(self.rng, max(at, self.ts), summary)
                self.next_arrival += self._gap(self.rng)
            else:
                break
        self.ts = max(self.ts, target_ts)
        return summary

    def burst(self, rng: random.Random, count: int) -> Summary:
        """A few arrivals at the current simulated time (a fault: changes while a client pages)."""
        summary = Summary(iso_msk(self.ts), iso_msk(self.ts))
        for _ in range(count):
            self._arrival(rng, self.ts, summary)
        return summary

    def _schedule(self, ts: int, kind: str, order_id: int) -> None:
        heapq.heappush(self.heap, (ts, next(self._seq), kind, order_id))

    def _follow_up(self, kind: str, order_id: int, ts: int, summary: Summary) -> None:
        order = self.store.order(order_id)
        if order is None or order["payed"] or order["deleted_at"] is not None:
            return
        if kind == "pay":
            self.store.pay(order, ts)
            summary.note("payment", order)
        else:
            self.store.expire(order, ts)
            summary.note("expiry", order)

    # -- arrivals ------------------------------------------------------------------------------------------

    def _arrival(self, rng: random.Random, ts: int, summary: Summary) -> None:
        kind = weighted(rng, ARRIVALS, ARRIVAL_CUMULATIVE)
        if kind == "late_payment" and self._late_payment(rng, ts, summary):
            return
        if kind == "cancellation" and self._cancellation(rng, ts, summary):
            return
        if kind == "refund" and self._refund(rng, ts, summary):
            return
        if kind == "basket_deleted" and self._basket_deleted(rng, ts, summary):
            return
        self._new_order(rng, ts, summary)

    def _on_sale(self, ts: int) -> list[Show]:
        return [
            show
            for event in self.store.event_list
            if event.is_active and event.deleted_ts is None
            for show in event.shows
            if show.on_sale(ts)
        ]

    def _new_order(self, rng: random.Random, ts: int, summary: Summary) -> None:
        shows = self._on_sale(ts)
        if not shows:
            return
        cumulative = list(itertools.accumulate(self.store.event_by_id[show.event_id].popularity for show in shows))
        show = weighted(rng, shows, cumulative)
        items = choose_items(rng, show, weighted(rng, BASKET_COUNTS, BASKET_COUNT_CUMULATIVE), self.store)
        if not items:
            return
        order = self._build(rng, ts, show.event_id, items)
        roll = rng.random()
        if roll < 0.5:
            mark_paid(order, ts)
        elif roll < 0.7:
            reserve(order, ts + 20 * MINUTE)
            self._schedule(ts + between(rng, 30, 10 * MINUTE), "pay", order["id"])
        else:
            until = max(ts + 10 * MINUTE, min(ts + between(rng, RESERVATION, DAY), show.sale_finish_ts))
            reserve(order, until)
            if rng.random() < 0.6:
                self._schedule(between(rng, ts + MINUTE, until - MINUTE), "pay", order["id"])
            else:
                self._schedule(until, "expire", order["id"])
        self.store.add_order(order)
        summary.note("new_order", order, new=True)

    def _build(
        self, rng: random.Random, ts: int, event_id: int, items: Sequence[Item], client_index: int | None = None
    ) -> Order:
        store = self.store
        basket_ids = store.ids.basket.stream(rng)
        return store.factory.build(rng, store.ids.order.take(rng), basket_ids, ts, event_id, items, client_index)

    def _late_payment(self, rng: random.Random, ts: int, summary: Summary) -> bool:
        waiting = sorted(
            {
                order_id
                for _, _, _, order_id in self.heap
                if (order := self.store.order(order_id)) is not None
                and not order["payed"]
                and order["deleted_at"] is None
            }
        )
        if not waiting:
            return False
        order = self.store.by_id[pick(rng, waiting)]
        self.store.pay(order, ts)
        summary.note("payment", order)
        return True

    def _paid_order(self, rng: random.Random, ts: int, min_live: int) -> Order | None:
        """A paid order with live baskets: mostly one for a coming show, sometimes any from the history."""
        store = self.store
        coming = [
            show for show in store.show_by_id.values() if show.sale_finish_ts > ts and store.orders_of_show(show.id)
        ]
        for _ in range(40):
            if coming and rng.random() < 0.6:
                candidates = store.orders_of_show(pick(rng, coming).id)
                order = pick(rng, candidates)
            else:
                order = pick(rng, store.orders)
            if is_paid(order) and len(live_baskets(order)) >= min_live:
                return order
        return None

    def _cancellation(self, rng: random.Random, ts: int, summary: Summary) -> bool:
        order = self._paid_order(rng, ts, 1)
        if order is None:
            return False
        self.store.cancel(order, ts)
        summary.note("cancellation", order)
        return True

    def _refund(self, rng: random.Random, ts: int, summary: Summary) -> bool:
        order = self._paid_order(rng, ts, 1)
        if order is None:
            return False
        live = live_baskets(order)
        chosen = live if rng.random() < 0.4 else rng.sample(live, between(rng, 1, len(live)))
        self.store.refund(order, chosen, ts, pick(rng, (0, 0, 10)), self.store.ids.refund.take(rng))
        summary.note("refund", order)
        summary.counts["refunded_basket"] += len(chosen)
        return True

    def _basket_deleted(self, rng: random.Random, ts: int, summary: Summary) -> bool:
        order = self._paid_order(rng, ts, 2)
        if order is None:
            return False
        self.store.delete_basket(order, pick(rng, live_baskets(order)), ts)
        summary.note("basket_deleted", order)
        return True

    def _scan(self, rng: random.Random, ts: int, summary: Summary) -> None:
        """A ticket scanned at the entrance of a show that is open now (a seated show from 90 minutes before its
        start, an exhibition while it runs): a live, paid, not yet scanned basket of that show."""
        store = self.store
        open_now = [
            show
            for show in store.show_by_id.values()
            if show.start_ts - 90 * MINUTE <= ts <= max(show.finish_ts, show.start_ts + 3 * HOUR)
            and store.orders_of_show(show.id)
        ]
        if not open_now:
            return
        show = pick(rng, sorted(open_now, key=lambda item: item.id))
        for _ in range(20):
            order = pick(rng, store.orders_of_show(show.id))
            waiting = [b for b in live_baskets(order) if b["show_id"] == show.id and b["checked_at"] is None]
            if is_paid(order) and waiting and order["payed_at"] <= iso_msk(ts):
                store.check_in(order, pick(rng, waiting), ts)
                summary.note("scan", order)
                return

    def sell_now(self) -> Order:
        """A new order paid at once, now (benches: a sale whose arrival time is known)."""
        ts = self.ts
        shows = self._on_sale(ts)
        if not shows:
            raise LookupError("no show is on sale now")
        rng = self.rng
        for _ in range(50):
            show = pick(rng, shows)
            items = choose_items(rng, show, 1, self.store)
            if items:
                order = self._build(rng, ts, show.event_id, items)
                mark_paid(order, ts)
                self.store.add_order(order)
                return order
        raise LookupError("no seat left to sell")

    def refund_old_paid_order(self, min_age_s: int, excluded: set[int]) -> Order:
        """Refund one live basket, at the current time, of an order paid at least ``min_age_s`` ago."""
        latest = iso_msk(self.ts - min_age_s)
        candidates = [
            order
            for order in self.store.orders
            if is_paid(order) and order["payed_at"] <= latest and order["id"] not in excluded and live_baskets(order)
        ]
        if not candidates:
            raise LookupError(f"no live paid order paid before {latest}")
        order = pick(self.rng, candidates)
        basket = pick(self.rng, live_baskets(order))
        self.store.refund(order, [basket], self.ts, 0, self.store.ids.refund.take(self.rng))
        return order

    # -- POST /orders --------------------------------------------------------------------------------------

    def create_order(self, data: dict[str, Any]) -> Order:
        """An unpaid reservation from a create-order body; raises OrderRejected when it does not fit."""
        store = self.store
        event_id = data.get("event_id")
        baskets = data.get("baskets")
        if type(event_id) is not int or not isinstance(baskets, list) or not baskets:
            raise OrderRejected("a create-order body needs event_id and a non-empty baskets list")
        event = store.event_by_id.get(event_id)
        if event is None or not event.is_active or event.deleted_ts is not None:
            raise OrderRejected(f"event {event_id} cannot be sold")
        ts = self.ts
        items: list[Item] = []
        held: dict[int, Occupancy] = {}
        for raw in baskets:
            if not isinstance(raw, dict):
                raise OrderRejected("a basket must be an object")
            show_id = raw.get("show_id")
            show = store.show_by_id.get(show_id) if type(show_id) is int else None
            if show is None or show.event_id != event_id or not show.on_sale(ts):
                raise OrderRejected(f"show {raw.get('show_id')!r} is not on sale for event {event_id}")
            taken = held.setdefault(show.id, occupancy(store, show.id))
            items.append(requested_item(show, raw, taken))
        order = self._build(self.rng, ts, event_id, items, _client_index(store, data.get("client")))
        reserve(order, ts + RESERVATION)
        self._schedule(ts + RESERVATION, "expire", order["id"])
        store.add_order(order, "api_order_created")
        return order


def _client_index(store: Store, client: Any) -> int | None:
    """The buyer named in the body when it is one of the account's clients; otherwise a drawn one."""
    if isinstance(client, dict) and isinstance(client.get("email"), str):
        return store.factory.clients.index_of_email(client["email"])
    return None
