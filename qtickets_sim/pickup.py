"""Realistic sales curves (``SimulatorConfig.pickup = "realistic"``, opt-in so that every existing seed keeps its
history): a slow start, a rise in the last two weeks, a spike in the last three days, fewer sales early in the
week; the mix of the three differs per event, and the last-days spike per city. An exhibition (weeks long) keeps
the plain rising draw: it has no "days before"."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime

from .dates import DAY

WEEKDAY_WEIGHT = (0.7, 0.75, 0.85, 0.9, 1.0, 1.0, 0.8)  # Monday .. Sunday
MSK_OFFSET = 3 * 3600


def _shares(event_id: int, city_id: int) -> tuple[float, float]:
    """(share sold before the last two weeks, share sold in the last three days) of an event in a city."""
    event = random.Random(f"qtickets-sim:pickup:event:{event_id}")
    city = random.Random(f"qtickets-sim:pickup:city:{city_id}")
    early = event.uniform(0.25, 0.6)
    spike = (1 - early) * event.uniform(0.25, 0.55) * city.uniform(0.8, 1.25)
    return early, min(spike, 1 - early)


def _plain(rng: random.Random, begin: int, end: int) -> int:
    return begin + int((end - begin) * math.sqrt(rng.random()))


def sale_moment(rng: random.Random, begin: int, end: int, start_ts: int, finish_ts: int, event_id: int,
                city_id: int) -> int:  # fmt: skip
    """A sale time in [begin, end] for a show starting at ``start_ts``."""
    if finish_ts - start_ts > 3 * DAY or end <= begin:
        return _plain(rng, begin, end)
    early, spike = _shares(event_id, city_id)
    for _ in range(6):
        u = rng.random()
        if u < early:
            low, high = begin, start_ts - 14 * DAY
        elif u < 1 - spike:
            low, high = start_ts - 14 * DAY, start_ts - 3 * DAY
        else:
            low, high = start_ts - 3 * DAY, start_ts
        low, high = max(low, begin), min(high, end)
        ts = _plain(rng, low, high) if high > low else _plain(rng, begin, end)
        weekday = datetime.fromtimestamp(ts + MSK_OFFSET, UTC).weekday()
        if rng.random() < WEEKDAY_WEIGHT[weekday]:
            return ts
    return ts
