"""Deterministic generation of the organiser's account, from 2021-05-01 up to the simulated now."""

from __future__ import annotations

import gc
import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .catalog import CITIES, DISCOUNTS, PROMO_CODES
from .dates import DAY, HISTORY_START, to_ts
from .history import HistoryWriter, Pending
from .ids import IdSequence, IdSequences
from .model import City, Event, Venue
from .orders import Order, OrderFactory, client_record, invent_person
from .schedule import build_events
from .venues import build_venue, template_for_city


@dataclass
class World:
    now_ts: int
    cities: list[City]
    venues: list[Venue]
    events: list[Event]
    orders: list[Order]
    pending: list[Pending]
    factory: OrderFactory
    ids: IdSequences
    discounts: list[dict[str, Any]]
    promo_codes: list[dict[str, Any]]


def generate(seed: int, orders: int, now: datetime) -> World:
    # Millions of young dicts would trigger full collections over and over; nothing here is cyclic garbage.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _generate(seed, orders, now)
    finally:
        if collecting:
            gc.enable()


def _generate(seed: int, orders: int, now: datetime) -> World:
    now_ts = to_ts(now)
    start_ts = to_ts(HISTORY_START)
    if now_ts < start_ts + 40 * DAY:
        raise ValueError("the simulated now must be at least 40 days after 2021-05-01")
    rng = random.Random(f"qtickets-sim:{seed}:world")
    cities = _cities(rng)
    venues = _venues(rng, cities)
    events = build_events(rng, venues, orders, start_ts, now_ts)
    discounts, promo_codes = _discounts(rng)
    persons = [invent_person(rng) for _ in range(max(20, orders * 11 // 20))]
    ids = IdSequences(
        order=IdSequence(rng.randint(10_000, 20_000), 25),
        basket=IdSequence(rng.randint(30_000, 60_000), 7),
        refund=IdSequence(rng.randint(100, 900), 5),
        client=IdSequence(rng.randint(500, 3000), 9),
    )
    clients = [client_record(ids.client.take(rng), person) for person in persons]
    factory = OrderFactory(
        clients,
        persons,
        [(item["id"], item["value"]) for item in discounts],
        [(item["id"], item["value"]) for item in promo_codes],
    )
    history = HistoryWriter(random.Random(f"qtickets-sim:{seed}:orders"), events, factory, ids, start_ts, now_ts)
    history.write(orders)
    return World(
        now_ts=now_ts,
        cities=cities,
        venues=venues,
        events=events,
        orders=history.orders,
        pending=history.pending,
        factory=factory,
        ids=ids,
        discounts=discounts,
        promo_codes=promo_codes,
    )


def _cities(rng: random.Random) -> list[City]:
    ids = IdSequence(0, 4)
    return [City(ids.take(rng), name, tz) for name, tz, _share in CITIES]


def _venues(rng: random.Random, cities: list[City]) -> list[Venue]:
    ids = IdSequence(rng.randint(10, 90), 6)
    venues = []
    for position, city in enumerate(cities):
        for template in template_for_city(rng, big_city=position < 2):
            venues.append(build_venue(rng, ids.take(rng), city, template))
    return venues


def _discounts(rng: random.Random) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    discount_ids = IdSequence(rng.randint(100, 400), 7)
    promo_ids = IdSequence(rng.randint(1000, 4000), 11)
    discounts = [
        {"id": discount_ids.take(rng), "name": name, "type": "percent", "value": value, "is_active": True}
        for name, value in DISCOUNTS
    ]
    promo_codes = [
        {"id": promo_ids.take(rng), "code": code, "type": "percent", "value": value, "is_active": True}
        for code, value in PROMO_CODES
    ]
    return discounts, promo_codes
