"""Events and their shows: when they play, when they are on sale, and in which venue."""

from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass
from datetime import datetime

from .catalog import CITIES, EVENT_KINDS, EVENT_TITLES
from .dates import DAY, HOUR, MINUTE, to_ts
from .ids import IdSequence
from .model import City, Event, Show, Venue
from .rand import between


def event_count(orders: int) -> int:
    return max(6, min(320, round(orders / 450)))


def _local_ts(city: City, day_ts: int, hour: int) -> int:
    local_day = datetime.fromtimestamp(day_ts, city.tz).date()
    return to_ts(datetime(local_day.year, local_day.month, local_day.day, hour, 0, tzinfo=city.tz))


TICKETS_PER_ORDER = 2.8  # baskets per order times the mean quantity, used to size venues for the demand
HEADROOM = 1.25


@dataclass
class _Draft:
    city: City
    popularity: float
    schedule: list[tuple[int, int | None, int]]  # (start, finish, sale start) per show


def build_events(rng: random.Random, venues: list[Venue], orders: int, start_ts: int, now_ts: int) -> list[Event]:
    count = event_count(orders)
    future = max(3, round(count * 0.1))
    past = count - future - 1
    # Stratified over the history, so that even a small account sells something in most seasons.
    first_ts, span = start_ts + 20 * DAY, now_ts - DAY - (start_ts + 20 * DAY)
    anchors = [start_ts + between(rng, 25, 35) * DAY]
    anchors += [first_ts + int((slot + rng.random()) * span / past) for slot in range(past)]
    anchors += [between(rng, now_ts + 3 * DAY, now_ts + 110 * DAY) for _ in range(future - 1)]
    anchors.append(between(rng, now_ts + 150 * DAY, now_ts + 200 * DAY))  # its sale has not started yet
    anchors.sort()
    city_weights = list(itertools.accumulate(share for _name, _tz, share in CITIES))
    by_city: dict[int, list[Venue]] = {}
    for venue in venues:
        by_city.setdefault(venue.city.id, []).append(venue)
    city_ids = list(by_city)
    drafts = []
    for position, anchor in enumerate(anchors):
        city = by_city[city_ids[bisect.bisect(city_weights, rng.random() * city_weights[-1])]][0].city
        schedule = _schedule(rng, city, anchor, start_ts, now_ts, first=position == 0)
        drafts.append(_Draft(city, rng.uniform(0.25, 1.0), schedule))
    chosen = _fit_venues(rng, drafts, by_city, orders, start_ts, now_ts)
    events = []
    for draft, venue in zip(drafts, chosen, strict=True):
        shows = [_show(rng, venue, slot, start_ts, now_ts) for slot in draft.schedule]
        created = max(start_ts - 20 * DAY, min(show.sale_start_ts for show in shows) - rng.randint(1, 20) * DAY)
        created = min(created, min(show.created_ts for show in shows))
        name = f"{rng.choice(EVENT_KINDS)} «{rng.choice(EVENT_TITLES)}»"
        updated = min(now_ts, created + rng.randint(0, 30) * DAY)
        events.append(Event(0, name, venue, created, updated, draft.popularity, shows))
    events.sort(key=lambda event: event.created_ts)
    event_ids = IdSequence(rng.randint(1000, 3000), 5)
    show_ids = IdSequence(rng.randint(5000, 9000), 9)
    price_ids = IdSequence(rng.randint(20_000, 30_000), 3)
    for event in events:
        event.id = event_ids.take(rng)
        for show in event.shows:
            show.id = show_ids.take(rng)
            show.event_id = event.id
            show.prices = {zone_id: (price_ids.take(rng), kop) for zone_id, (_, kop) in show.prices.items()}
    _retire_some(rng, events, now_ts)
    return events


def sale_share(sale_start: int, sale_finish: int, start_ts: int, now_ts: int) -> float:
    """The part of a show's sale window that lies in the generated history."""
    begin, end = max(sale_start, start_ts), min(sale_finish, now_ts - MINUTE)
    return max(0, end - begin) / max(1, sale_finish - sale_start)


def _fit_venues(
    rng: random.Random,
    drafts: list[_Draft],
    by_city: dict[int, list[Venue]],
    orders: int,
    start_ts: int,
    now_ts: int,
) -> list[Venue]:
    """A venue per event, big enough for the tickets its shows are going to sell."""
    weights = [
        [draft.popularity * sale_share(sale, begin, start_ts, now_ts) for begin, _finish, sale in draft.schedule]
        for draft in drafts
    ]
    total = sum(sum(row) for row in weights) or 1.0
    chosen = []
    for draft, row in zip(drafts, weights, strict=True):
        need = max(row) / total * orders * TICKETS_PER_ORDER * HEADROOM
        local = by_city[draft.city.id]
        fitting = [venue for venue in local if venue.capacity >= need]
        if fitting:
            chosen.append(rng.choice(fitting))
            continue
        biggest = max(local, key=lambda venue: venue.capacity)
        draft.popularity *= biggest.capacity / need
        chosen.append(biggest)
    return chosen


def _schedule(
    rng: random.Random, city: City, anchor: int, start_ts: int, now_ts: int, first: bool
) -> list[tuple[int, int | None, int]]:
    count = 1 if first else rng.choices((1, 2, 3, 4), (0.4, 0.3, 0.2, 0.1))[0]
    slots = []
    day = anchor
    for _ in range(count):
        start = _local_ts(city, day, rng.choice((12, 15, 19, 19, 20)))
        finish = None if rng.random() < 0.15 else start + rng.choice((120, 150, 180)) * MINUTE
        sale_start = start_ts if first else max(start_ts, start - rng.randint(25, 120) * DAY)
        if start > now_ts and start - 120 * DAY < now_ts:
            sale_start = min(sale_start, now_ts - rng.randint(3, 40) * DAY)
        slots.append((start, finish, sale_start))
        day += rng.randint(1, 10) * DAY
    return slots


def _show(rng: random.Random, venue: Venue, slot: tuple[int, int | None, int], start_ts: int, now_ts: int) -> Show:
    start, finish, sale_start = slot
    base_price = rng.randrange(500, 5000, 100) * 100
    prices = {
        zone.zone_id: (0, max(30_000, round(base_price * zone.price_factor / 10_000) * 10_000)) for zone in venue.zones
    }
    return Show(
        id=0,
        event_id=0,
        venue=venue,
        start_ts=start,
        finish_ts=finish,
        sale_start_ts=sale_start,
        sale_finish_ts=start,
        open_ts=start - HOUR,
        created_ts=min(now_ts - DAY, max(start_ts - 20 * DAY, sale_start - rng.randint(1, 10) * DAY)),
        prices=prices,
    )


def _retire_some(rng: random.Random, events: list[Event], now_ts: int) -> None:
    """At least one deleted show and one inactive event, as on any real account."""
    several = [event for event in events[1:] if len(event.shows) > 1] or events[1:]
    victim_event = rng.choice(several)
    victim = victim_event.shows[-1]
    victim.deleted_ts = between(rng, victim.created_ts + HOUR, min(now_ts - HOUR, victim.start_ts - DAY))
    victim.is_active = False
    past = [event for event in events[1:] if event.shows[-1].start_ts < now_ts and event is not victim_event]
    (rng.choice(past) if past else events[0]).is_active = False
