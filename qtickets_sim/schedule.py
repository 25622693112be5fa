"""Events and their shows: which kind, when they play, when they are on sale, where, and at what prices.

As on the real account: about 223 events for 126k orders (scaled with the order count), about 60 % exhibitions
(one show lasting three to eight weeks, sold by tariff) and 40 % seated events (5-13 shows in one hall); some
events deleted and still listed, one parked under a name starting with "Удалить - ".
"""

from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass
from datetime import datetime

from .catalog import CITIES, EXHIBITIONS, JUNK_PREFIX, SEATED_SHOWS
from .dates import DAY, HOUR, MINUTE, to_ts
from .ids import IdSequence
from .model import City, Event, Kind, Layout, Show, Venue
from .rand import between
from .venues import exhibition_layout, exhibition_prices

REAL_EVENTS, REAL_ORDERS = 223, 126_000
SEATED_SHARE = 0.4
TICKETS_PER_ORDER = 2.4  # baskets per order times the mean quantity, to keep seated shows from selling out
SEATED_LOAD_CAP = 0.7  # expected tickets of a seated show at most this share of its seats


def event_count(orders: int) -> int:
    return max(6, round(orders * REAL_EVENTS / REAL_ORDERS))


def _local_ts(city: City, day_ts: int, hour: int, minute: int = 0) -> int:
    local_day = datetime.fromtimestamp(day_ts, city.tz).date()
    return to_ts(datetime(local_day.year, local_day.month, local_day.day, hour, minute, tzinfo=city.tz))


@dataclass
class _Draft:
    kind: Kind
    city: City
    venue: Venue
    layout: Layout
    popularity: float
    junk: bool
    # (start, finish, sale start, sale finish) per show
    schedule: list[tuple[int, int, int, int]]


def build_events(rng: random.Random, venues: list[Venue], orders: int, start_ts: int, now_ts: int) -> list[Event]:
    count = event_count(orders)
    junk = max(1, round(count * 0.02))
    future = max(3, round(count * 0.08))
    past = count - junk - future - 1
    # Stratified over the history, so that even a small account sells something in most seasons.
    first_ts, span = start_ts + 20 * DAY, now_ts - 10 * DAY - (start_ts + 20 * DAY)
    anchors = [start_ts + between(rng, 25, 35) * DAY]
    anchors += [first_ts + int((slot + rng.random()) * span / past) for slot in range(past)]
    anchors += [between(rng, now_ts + 3 * DAY, now_ts + 100 * DAY) for _ in range(future - 1)]
    anchors.append(between(rng, now_ts + 150 * DAY, now_ts + 200 * DAY))  # its sale has not started yet
    anchors.sort()
    kinds = _kinds(rng, len(anchors))
    city_weights = list(itertools.accumulate(share for _name, _tz, share, *_rest in CITIES))
    by_city: dict[int, list[Venue]] = {}
    for venue in venues:
        by_city.setdefault(venue.city.id, []).append(venue)
    city_ids = list(by_city)
    drafts = []
    for position, (anchor, kind) in enumerate(zip(anchors, kinds, strict=True)):
        city = by_city[city_ids[bisect.bisect(city_weights, rng.random() * city_weights[-1])]][0].city
        drafts.append(_draft(rng, kind, city, by_city[city.id], anchor, start_ts, now_ts, first=position == 0))
    for _ in range(junk):
        city = by_city[rng.choice(city_ids)][0].city
        anchor = between(rng, start_ts + 60 * DAY, now_ts + 60 * DAY)
        junk_kind: Kind = "seated" if rng.random() < 0.5 else "exhibition"
        draft = _draft(rng, junk_kind, city, by_city[city.id], anchor, start_ts, now_ts)
        draft.junk, draft.popularity = True, 0.0
        drafts.append(draft)
    _cap_seated(drafts, orders, start_ts, now_ts)
    events = [_event(rng, draft, start_ts, now_ts) for draft in drafts]
    events.sort(key=lambda event: event.created_ts)
    _number(rng, events)
    _retire_some(rng, events, now_ts)
    return events


def _kinds(rng: random.Random, count: int) -> list[Kind]:
    """The first event is an exhibition (the history starts with it); at least two of each kind."""
    seated = max(2, round(count * SEATED_SHARE))
    seated_kind: list[Kind] = ["seated"]
    exhibition_kind: list[Kind] = ["exhibition"]
    rest = seated_kind * seated + exhibition_kind * max(1, count - 1 - seated)
    rng.shuffle(rest)
    return [*exhibition_kind, *rest][:count]


def _draft(
    rng: random.Random,
    kind: Kind,
    city: City,
    local: list[Venue],
    anchor: int,
    start_ts: int,
    now_ts: int,
    first: bool = False,
) -> _Draft:
    if kind == "seated":
        venue = rng.choice([venue for venue in local if venue.hall is not None])
        assert venue.hall is not None
        layout = venue.hall
        schedule = _seated_schedule(rng, city, anchor, start_ts, now_ts)
        popularity = rng.uniform(0.3, 0.9)
    else:
        venue = rng.choice([venue for venue in local if venue.hall is None])
        layout = exhibition_layout(rng)
        schedule = [_exhibition_slot(rng, city, anchor, start_ts, now_ts, first)]
        popularity = rng.uniform(1.5, 4.0)
    return _Draft(kind, city, venue, layout, popularity, False, schedule)


def _exhibition_slot(
    rng: random.Random, city: City, anchor: int, start_ts: int, now_ts: int, first: bool
) -> tuple[int, int, int, int]:
    start = _local_ts(city, anchor, 10)
    finish = _local_ts(city, anchor + rng.randint(21, 56) * DAY, 19)
    sale_start = start_ts if first else max(start_ts, start - rng.randint(20, 45) * DAY)
    if start > now_ts and start - 100 * DAY < now_ts:
        sale_start = min(sale_start, now_ts - rng.randint(3, 40) * DAY)
    return start, finish, sale_start, finish


def _seated_schedule(
    rng: random.Random, city: City, anchor: int, start_ts: int, now_ts: int
) -> list[tuple[int, int, int, int]]:
    count = rng.randint(5, 13)
    starts: list[int] = []
    day = anchor
    while len(starts) < count:
        hours = sorted(rng.sample((11, 14, 17, 19), min(count - len(starts), rng.randint(1, 3))))
        starts += [_local_ts(city, day, hour) for hour in hours]
        day += rng.randint(1, 4) * DAY
    sale_start = max(start_ts, starts[0] - rng.randint(30, 90) * DAY)
    if starts[0] > now_ts and starts[0] - 100 * DAY < now_ts:
        sale_start = min(sale_start, now_ts - rng.randint(3, 40) * DAY)
    return [(start, start + rng.choice((90, 120, 150)) * MINUTE, sale_start, start) for start in starts]


def sale_share(sale_start: int, sale_finish: int, start_ts: int, now_ts: int) -> float:
    """The part of a show's sale window that lies in the generated history."""
    begin, end = max(sale_start, start_ts), min(sale_finish, now_ts - MINUTE)
    return max(0, end - begin) / max(1, sale_finish - sale_start)


def _cap_seated(drafts: list[_Draft], orders: int, start_ts: int, now_ts: int) -> None:
    """Lower the popularity of seated events whose shows would otherwise sell out (exhibitions take the rest)."""
    for _ in range(4):
        weights = [
            [draft.popularity * sale_share(sale, end, start_ts, now_ts) for _s, _f, sale, end in draft.schedule]
            for draft in drafts
        ]
        total = sum(sum(row) for row in weights) or 1.0
        for draft, row in zip(drafts, weights, strict=True):
            capacity = draft.layout.capacity
            if draft.kind != "seated" or capacity is None or not row:
                continue
            need = max(row) / total * orders * TICKETS_PER_ORDER
            if need > SEATED_LOAD_CAP * capacity:
                draft.popularity *= SEATED_LOAD_CAP * capacity / need


def _event(rng: random.Random, draft: _Draft, start_ts: int, now_ts: int) -> Event:
    if draft.kind == "seated":
        top = rng.randrange(600, 2600, 50)
        prices = [max(300, round(top * (1 - 0.18 * band) / 50) * 50) for band in range(draft.layout.categories)]
        title, slug = rng.choice(SEATED_SHOWS)
        age = rng.choice(("0+", "6+", "12+"))
    else:
        prices = exhibition_prices(draft.layout, rng.uniform(0.8, 1.4))
        title, slug = rng.choice(EXHIBITIONS)
        age = "0+"
    shows = []
    for start, finish, sale_start, sale_finish in draft.schedule:
        shows.append(
            Show(
                id=0,
                event_id=0,
                venue=draft.venue,
                layout=draft.layout,
                start_ts=start,
                finish_ts=finish,
                sale_start_ts=sale_start,
                sale_finish_ts=sale_finish,
                open_ts=start if draft.kind == "exhibition" else start - HOUR,
                created_ts=min(now_ts - DAY, max(start_ts - 20 * DAY, sale_start - rng.randint(1, 10) * DAY)),
                prices=[(0, price) for price in prices],
                sale_start_public=rng.random() < 0.05,
                series=str(rng.randint(1000, 99999)),
            )
        )
    created = min(show.created_ts for show in shows) - rng.randint(0, 5) * DAY
    updated = min(now_ts, created + rng.randint(0, 30) * DAY)
    name = f"{JUNK_PREFIX}{title}" if draft.junk else title
    event = Event(0, name, slug, draft.kind, draft.venue, draft.layout, created, updated, draft.popularity, age, shows)
    if draft.junk:
        event.is_active = False
        event.deleted_ts = min(now_ts - HOUR, created + rng.randint(1, 20) * DAY)
        event.updated_ts = max(event.updated_ts, event.deleted_ts)
    return event


def _number(rng: random.Random, events: list[Event]) -> None:
    event_ids = IdSequence(rng.randint(1000, 3000), 5)
    show_ids = IdSequence(rng.randint(5000, 9000), 9)
    price_ids = IdSequence(rng.randint(20_000, 30_000), 3)
    for event in events:
        event.id = event_ids.take(rng)
        event.slug = f"{event.slug}-{event.id}"
        for show in event.shows:
            show.id = show_ids.take(rng)
            show.event_id = event.id
            show.prices = [(price_ids.take(rng), price) for _, price in show.prices]


def _retire_some(rng: random.Random, events: list[Event], now_ts: int) -> None:
    """A deleted show, an inactive event, and past events deleted after their run (still listed by /events)."""
    live = [event for event in events[1:] if event.deleted_ts is None]
    several = [event for event in live if len(event.shows) > 1] or live
    victim_event = rng.choice(several)
    victim = victim_event.shows[-1]
    victim.deleted_ts = between(rng, victim.created_ts + HOUR, max(victim.created_ts + HOUR, victim.start_ts - DAY))
    victim.deleted_ts = min(victim.deleted_ts, now_ts - HOUR)
    victim.is_active = False
    past = [event for event in live if event.shows[-1].finish_ts < now_ts - 30 * DAY and event is not victim_event]
    (rng.choice(past) if past else events[0]).is_active = False
    for event in rng.sample(past, min(len(past), round(len(events) * 0.07))):
        end = max(show.finish_ts for show in event.shows)
        event.deleted_ts = min(now_ts - DAY, end + rng.randint(10, 200) * DAY)
        event.is_active = False
        event.updated_ts = max(event.updated_ts, event.deleted_ts)


__all__ = ["build_events", "event_count", "sale_share"]
