"""The simulator's realistic sales curves (opt-in) have the shapes the forecast must cope with."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime

from qtickets_sim.pickup import MSK_OFFSET, sale_moment

DAY = 86_400
START = int(datetime(2026, 6, 1, 19, tzinfo=UTC).timestamp())


def _days_before(event_id: int, city_id: int, n: int = 20_000) -> list[float]:
    rng = random.Random(1)
    begin = START - 60 * DAY
    return [(START - sale_moment(rng, begin, START, START, START + 3600, event_id, city_id)) / DAY for _ in range(n)]


def test_slow_start_late_rise_and_a_last_days_spike() -> None:
    days = _days_before(11, 1)
    first_month = sum(d > 30 for d in days) / len(days)
    last_three = sum(d <= 3 for d in days) / len(days)
    assert all(0 <= d <= 60 for d in days)
    assert last_three / 3 > 4 * (first_month / 30)  # a day near the show sells far more than a day a month out
    assert sum(3 < d <= 14 for d in days) / 11 > first_month / 30


def test_shapes_differ_per_event_and_weekdays_matter() -> None:
    spikes = {e: sum(d <= 3 for d in _days_before(e, 1, 5000)) / 5000 for e in range(1, 9)}
    assert max(spikes.values()) - min(spikes.values()) > 0.1
    rng = random.Random(2)
    begin = START - 60 * DAY
    early = [t for t in (sale_moment(rng, begin, START, START, START + 1, 5, 1) for _ in range(40_000))
             if t < START - 15 * DAY]  # six whole weeks before the last two: every weekday six times  # fmt: skip
    weekdays = Counter(datetime.fromtimestamp(t + MSK_OFFSET, UTC).weekday() for t in early)
    assert weekdays[4] > 1.15 * weekdays[0]  # Friday sells more than Monday


def test_an_exhibition_keeps_the_plain_rising_draw() -> None:
    rng, plain = random.Random(3), random.Random(3)
    begin = START - 60 * DAY
    got = sale_moment(rng, begin, START, START, START + 30 * DAY, 5, 1)
    assert got == begin + int(60 * DAY * plain.random() ** 0.5)
