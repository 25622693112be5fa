"""The forecast method: pickup curves of comparable past shows, aligned on days before the show.

For a show ``d`` days before it starts, each comparable finished show says how much it still sold from ``d`` days
out to the end (``F − c``), measured against its own pace just before (what it sold in the two weeks up to ``d``
days out, ``p``). The show is expected to sell the same multiple of its own two-week pace ``r``: its final is
``sold + r × (F − c) / p``. Where a pace is missing (nothing sold in those two weeks) the show grows by the
comparable's factor (``sold × F / c``), or, with few tickets sold, by the same number of tickets (``sold + F − c``,
scaled by the two capacities where both are known). The comparables' answers give the P25, P50 and P75.

The comparable shows are the 24 most similar finished ones: the same event counts most, then the same city, the
same weekday, a similar average price (the most recent first among equals). The band never goes below what is
sold and never above the capacity where it is known. ``bench/forecast.py`` measures it on finished shows against
a naive straight line; the constants here are the ones that bench chose on the simulator's history.

Exhibitions (weeks long, capacity unknown) have no "days before": they are forecast per remaining week from
their own weekly sales of the last four weeks (P25/P50/P75 of those weeks), which is how they actually sell.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

COMPARABLES = 24
PACE_DAYS = 14  # the recent pace: tickets sold in the last two weeks
MULTIPLY_FROM = 20  # tickets sold: below this the additive pickup is steadier than the factor
EXHIBITION_DAYS = 3  # a show running longer than this is an exhibition
SIMILAR_PRICE = 0.35  # "similar price": within ±35 % of the show's average ticket price
RECENT_WEEKS = 4


@dataclass
class Curve:
    """One show's sales by sale day (its own days, in the report zone)."""

    show_id: int
    event_id: int
    city: str
    event_name: str
    start: date  # the show's date in the report zone
    finish: date  # its last day (= start for a one-evening show)
    start_local: datetime | None = None  # the venue's wall clock, for display
    capacity: int | None = None
    daily: dict[date, tuple[int, float]] = field(default_factory=dict)  # sale day -> (tickets, revenue)

    @property
    def exhibition(self) -> bool:
        return (self.finish - self.start).days > EXHIBITION_DAYS

    @property
    def final(self) -> int:
        return sum(t for t, _ in self.daily.values())

    @property
    def revenue(self) -> float:
        return sum(r for _, r in self.daily.values())

    @property
    def avg_price(self) -> float | None:
        tickets = self.final
        return self.revenue / tickets if tickets else None

    def sold_by(self, day: date) -> int:
        """Tickets sold up to and including ``day``."""
        return sum(t for d, (t, _) in self.daily.items() if d <= day)

    def revenue_by(self, day: date) -> float:
        return sum(r for d, (_, r) in self.daily.items() if d <= day)

    def at_days_before(self, days: int) -> int:
        return self.sold_by(self.start - timedelta(days=days))


@dataclass(frozen=True)
class Forecast:
    show_id: int
    event_id: int
    city: str
    event_name: str
    show_start_local: datetime | None
    sold: int
    revenue_sold: float
    p25: int
    p50: int
    p75: int
    revenue_p25: float
    revenue_p50: float
    revenue_p75: float
    capacity: int | None
    comparables: int  # how many past shows (or weeks, for an exhibition) the band rests on
    basis: str  # "event", "city", "weekday", "price", "all", "weeks" or "none"
    pace_median: int | None = None  # the comparables' median sold at the same days before (for "behind pace")
    weeks: tuple[tuple[date, int, int, int], ...] = ()  # exhibitions: (week start, p25, p50, p75) to come


def quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return math.nan
    at = (len(ordered) - 1) * q
    low, high = math.floor(at), math.ceil(at)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


def _similarity(show: Curve, price: float | None) -> Callable[[Curve], int]:
    """Same event outweighs everything below it, then the city, the weekday, a similar price."""
    weekday = show.start.weekday()

    def score(c: Curve) -> int:
        theirs = c.avg_price
        similar = price is not None and theirs is not None and abs(theirs - price) <= SIMILAR_PRICE * price
        return (
            8 * (c.event_id == show.event_id)
            + 4 * (c.city == show.city)
            + 2 * (c.start.weekday() == weekday)
            + int(similar)
        )

    return score


def basis_of(score: int) -> str:
    return "event" if score >= 8 else "city" if score >= 4 else "weekday" if score >= 2 else "price" if score else "all"


def comparables(show: Curve, past: Iterable[Curve], price: float | None) -> tuple[list[Curve], str]:
    """The ``COMPARABLES`` most similar finished shows (the most recent first among equals), and how similar the
    least similar of them is."""
    score = _similarity(show, price)
    pool = [c for c in past if c.show_id != show.show_id and not c.exhibition and c.final > 0]
    pool.sort(key=lambda c: (score(c), c.start), reverse=True)
    chosen = pool[:COMPARABLES]
    return chosen, basis_of(score(chosen[-1])) if chosen else "none"


def forecast_show(show: Curve, past: Iterable[Curve], today: date) -> Forecast:
    """The forecast of ``show`` as of the end of ``today``, from finished shows ``past`` (its own excluded)."""
    if show.exhibition:
        return _exhibition(show, today)
    sold, revenue = show.sold_by(today), show.revenue_by(today)
    days = max(0, (show.start - today).days)
    recent = sold - show.sold_by(today - timedelta(days=PACE_DAYS))
    own_price = revenue / sold if sold else None
    comps, basis = comparables(show, past, own_price)
    paced: list[float] = []  # from the pace (preferred)
    values: list[float] = []  # from the factor or the added tickets, where a pace is missing
    pace: list[int] = []
    for c in comps:
        then, final = c.at_days_before(days), c.final
        pace.append(then)
        before = then - c.at_days_before(days + PACE_DAYS)
        if before > 0 and sold > 0:
            paced.append(sold + recent * (final - then) / before)
        elif sold >= MULTIPLY_FROM and then > 0:
            values.append(sold * final / then)
        else:
            scale = show.capacity / c.capacity if show.capacity and c.capacity else 1.0
            values.append(sold + (final - then) * scale)
    values = paced or values
    cap = show.capacity
    bounded = [_bound(v, sold, cap) for v in values] or [sold]
    p25, p50, p75 = (_bound(quantile(bounded, q), sold, cap) for q in (0.25, 0.5, 0.75))
    price = own_price or quantile([p for c in comps if (p := c.avg_price) is not None], 0.5)
    price = 0.0 if math.isnan(price) else price

    def money(tickets: int) -> float:
        return round(max(revenue, revenue + (tickets - sold) * price), 2)

    return Forecast(
        show.show_id, show.event_id, show.city, show.event_name, show.start_local, sold, round(revenue, 2),
        p25, p50, p75, money(p25), money(p50), money(p75), cap, len(comps), basis if comps else "none",
        pace_median=int(quantile(pace, 0.5)) if pace else None,
    )  # fmt: skip


def _bound(value: float, sold: int, capacity: int | None) -> int:
    tickets = max(sold, round(value))
    return min(tickets, max(capacity, sold)) if capacity else tickets


def _week(show: Curve, last: date) -> int:
    return sum(t for d, (t, _) in show.daily.items() if last - timedelta(days=7) < d <= last)


def _exhibition(show: Curve, today: date) -> Forecast:
    sold, revenue = show.sold_by(today), show.revenue_by(today)
    weekly = [_week(show, today - timedelta(days=7 * w)) for w in range(RECENT_WEEKS)]
    started = max(today, show.start - timedelta(days=1))
    weeks_left = max(0.0, (show.finish - started).days / 7)
    q = [quantile(weekly, p) for p in (0.25, 0.5, 0.75)]
    band = [_bound(sold + v * weeks_left, sold, show.capacity) for v in q]
    price = revenue / sold if sold else 0.0
    starts = [started + timedelta(days=1 + 7 * w) for w in range(math.ceil(weeks_left))]
    per_week = tuple((s, round(q[0]), round(q[1]), round(q[2])) for s in starts)
    r25, r50, r75 = (round(revenue + (b - sold) * price, 2) for b in band)
    return Forecast(
        show.show_id, show.event_id, show.city, show.event_name, show.start_local, sold, round(revenue, 2),
        band[0], band[1], band[2], r25, r50, r75, show.capacity, RECENT_WEEKS, "weeks", weeks=per_week,
    )  # fmt: skip


def forecast_all(curves: Sequence[Curve], today: date) -> list[Forecast]:
    """Every show not over by ``today`` (an exhibition until its last day), from the shows finished before it."""
    past = [c for c in curves if c.finish < today]
    coming = [c for c in curves if c.start >= today or (c.exhibition and c.finish >= today)]
    return [forecast_show(c, past, today) for c in sorted(coming, key=lambda c: (c.start, c.show_id))]


__all__ = ["COMPARABLES", "Curve", "Forecast", "comparables", "forecast_all", "forecast_show", "quantile"]
