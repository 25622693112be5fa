"""Deterministic generation of the organiser's account, from 2021-05-01 up to the simulated now."""

from __future__ import annotations

import gc
import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .catalog import CITIES, DISCOUNT_NAMES, PROMO_SPECIAL, PROMO_WORDS
from .dates import DAY, HISTORY_START, iso_msk, to_ts
from .history import HistoryWriter, Pending
from .ids import IdSequence, IdSequences
from .model import City, Event, Venue
from .orders import ClientBook, Offers, Order, OrderFactory
from .schedule import REAL_ORDERS, build_events
from .venues import build_venues

REAL_DISCOUNTS, REAL_PROMO_CODES = 65, 490
CLIENT_SPACE = 1.55  # drawing buyers from 1.55 x orders candidates leaves about 0.74 distinct clients per order


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


def generate(seed: int, orders: int, now: datetime, pickup: str = "simple") -> World:
    # Millions of young dicts would trigger full collections over and over; nothing here is cyclic garbage.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _generate(seed, orders, now, pickup)
    finally:
        if collecting:
            gc.enable()


def _generate(seed: int, orders: int, now: datetime, pickup: str = "simple") -> World:
    now_ts = to_ts(now)
    start_ts = to_ts(HISTORY_START)
    if now_ts < start_ts + 40 * DAY:
        raise ValueError("the simulated now must be at least 40 days after 2021-05-01")
    rng = random.Random(f"qtickets-sim:{seed}:world")
    cities = _cities(rng)
    venues = _venues(rng, cities)
    events = build_events(rng, venues, orders, start_ts, now_ts)
    discounts, promo_codes, offers = _offers(rng, cities, orders, start_ts, now_ts)
    ids = IdSequences(
        order=IdSequence(rng.randint(10_000, 20_000), 25),
        basket=IdSequence(rng.randint(30_000, 60_000), 7),
        refund=IdSequence(rng.randint(100, 900), 5),
        client=IdSequence(0, 1),
    )
    book = ClientBook(rng.getrandbits(62), max(20, round(orders * CLIENT_SPACE)), rng.randint(500, 3000))
    factory = OrderFactory(book, offers, {event.id: event.venue.city.id for event in events})
    history = HistoryWriter(
        random.Random(f"qtickets-sim:{seed}:orders"), events, factory, ids, start_ts, now_ts, pickup
    )
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
    return [City(ids.take(rng), name, tz, region, lat, lon) for name, tz, _share, region, lat, lon in CITIES]


def _venues(rng: random.Random, cities: list[City]) -> list[Venue]:
    venue_id = rng.randint(10, 90)
    venues: list[Venue] = []
    for city in cities:
        made, venue_id = build_venues(rng, venue_id, city, 6)
        venues += made
    return venues


def _offers(
    rng: random.Random, cities: list[City], orders: int, start_ts: int, now_ts: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], Offers]:
    """Discounts and promo codes, as many as the real account has in proportion (65 and 490 at 126k orders)."""
    discount_ids = IdSequence(rng.randint(100, 400), 7)
    promo_ids = IdSequence(rng.randint(1000, 4000), 11)
    discount_count = max(len(DISCOUNT_NAMES), round(orders * REAL_DISCOUNTS / REAL_ORDERS))
    discounts = []
    for position in range(discount_count):
        name, value = DISCOUNT_NAMES[position % len(DISCOUNT_NAMES)]
        if position >= len(DISCOUNT_NAMES):
            name = f"{name} ({position // len(DISCOUNT_NAMES) + 1})"
        discounts.append(_offer(rng, discount_ids.take(rng), "name", name, value, (start_ts, now_ts), position < 12))
    codes: list[tuple[str, int, int | None]] = [(code, value, None) for code, value in PROMO_SPECIAL]
    for city in cities:
        codes.append((f"{city.name.upper()}{city.region}", 10, city.id))
    wanted = max(len(codes) + len(cities), round(orders * REAL_PROMO_CODES / REAL_ORDERS))
    round_number = 0
    while len(codes) < wanted:
        round_number += 1
        for word, value in PROMO_WORDS:
            codes.append((f"{word}{round_number:02d}", value, None))
        for city in cities:
            codes.append((f"{city.name.upper()}{round_number:02d}", 5 + 5 * (round_number % 3), city.id))
    codes = codes[:wanted]
    promo_codes = []
    city_codes: dict[int, list[tuple[int, int]]] = {}
    general: list[tuple[int, int]] = []
    free: list[tuple[int, int]] = []
    for position, (code, value, city_id) in enumerate(codes):
        active = rng.random() < 0.6 or position < 3
        record = _offer(rng, promo_ids.take(rng), "code", code, value, (start_ts, now_ts), active)
        promo_codes.append(record)
        pair = (record["id"], value)
        if value >= 99:
            free.append(pair)
        elif city_id is not None:
            city_codes.setdefault(city_id, []).append(pair)
        else:
            general.append(pair)
    offers = Offers([(item["id"], item["value"]) for item in discounts], city_codes, general, free)
    return discounts, promo_codes, offers


def _offer(
    rng: random.Random, offer_id: int, label: str, text: str, value: int, span: tuple[int, int], active: bool
) -> dict[str, Any]:
    start_ts, now_ts = span
    created = min(now_ts - DAY, start_ts - 30 * DAY + rng.randint(0, 1500) * DAY // 3)
    return {
        "id": offer_id,
        label: text,
        "type": "percent",
        "value": value,
        "is_active": int(active),
        "created_at": iso_msk(created),
        "updated_at": iso_msk(min(now_ts, created + rng.randint(0, 30) * DAY)),
        "deleted_at": None,
    }
