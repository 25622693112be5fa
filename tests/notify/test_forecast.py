"""The forecast's arithmetic on curves whose outcome is known by construction."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from integrations.qtickets_api.forecast import Curve, forecast_all, forecast_show
from integrations.qtickets_api.forecast.backtest import backtest, naive
from integrations.qtickets_api.forecast.pickup import comparables

TODAY = date(2026, 12, 6)


def curve(show_id: int, start: date, per_day: dict[int, int], *, event: int = 1, city: str = "Томск",
          capacity: int | None = None, price: float = 1000.0, finish: date | None = None) -> Curve:  # fmt: skip
    """``per_day``: days before the show -> tickets sold that day."""
    c = Curve(show_id, event, city, f"Событие {event}", start, finish or start, datetime(start.year, start.month,
              start.day, 19), capacity)  # fmt: skip
    for days, tickets in per_day.items():
        c.daily[start - timedelta(days=days)] = (tickets, tickets * price)
    return c


SHAPE = {30: 10, 20: 10, 10: 20, 5: 20, 2: 20, 1: 20}  # 40 sold by 10 days before, 100 in the end


def test_the_same_pickup_gives_the_same_factor() -> None:
    past = [curve(n, TODAY - timedelta(days=10 * n), SHAPE) for n in range(1, 9)]
    # each past show: 40 sold 10 days before (30, 20 and 10 days out), 100 in the end: a factor of 2.5
    coming = curve(100, TODAY + timedelta(days=10), {30: 20, 20: 20, 10: 40})  # 80 sold with 10 days to go
    f = forecast_show(coming, past, TODAY)
    assert (f.sold, f.p25, f.p50, f.p75) == (80, 200, 200, 200)
    assert f.revenue_p50 == 200 * 1000.0 and f.basis == "event" and f.comparables == 8
    assert f.pace_median == 40


def test_never_below_sold_never_above_capacity() -> None:
    past = [curve(n, TODAY - timedelta(days=10 * n), SHAPE) for n in range(1, 9)]
    full = forecast_show(curve(100, TODAY + timedelta(days=10), {20: 60, 10: 40}, capacity=150), past, TODAY)
    assert full.p75 == 150 and full.p50 == 150  # 2.5 x 100 would be 250, above the 150 seats
    shrinking = [curve(n, TODAY - timedelta(days=10 * n), {20: 50}) for n in range(1, 9)]  # nothing after 20 days
    stalled = forecast_show(curve(100, TODAY + timedelta(days=10), {15: 33}), shrinking, TODAY)
    assert (stalled.p25, stalled.p75) == (33, 33)


def test_the_recent_pace_scales_the_comparables_remaining_sales() -> None:
    past = [curve(n, TODAY - timedelta(days=10 * n), SHAPE) for n in range(1, 9)]
    # each comparable sold 30 in the two weeks up to 10 days out, then 60 more; this show sold 5 in its two weeks
    f = forecast_show(curve(100, TODAY + timedelta(days=10), {12: 5}), past, TODAY)
    assert f.p50 == 5 + 5 * 60 / 30
    stalled = forecast_show(curve(101, TODAY + timedelta(days=10), {40: 5}), past, TODAY)
    assert stalled.p75 == 5  # nothing sold for two weeks: the pace says nothing more
    unsold = forecast_show(curve(102, TODAY + timedelta(days=10), {}), past, TODAY)
    assert unsold.p50 == 60  # nothing sold yet: the tickets the comparables still sold from 10 days out


def test_comparables_prefer_the_same_event_then_the_city() -> None:
    show = curve(100, TODAY + timedelta(days=3), {5: 10}, event=1, city="Томск")
    same_event = [curve(n, TODAY - timedelta(days=n), SHAPE, event=1, city="Омск") for n in range(1, 4)]
    same_city = [curve(10 + n, TODAY - timedelta(days=n), SHAPE, event=2, city="Томск") for n in range(1, 4)]
    other = [curve(20 + n, TODAY - timedelta(days=n), SHAPE, event=3, city="Омск") for n in range(1, 9)]
    chosen, basis = comparables(show, other + same_city + same_event, 1000.0)
    ids = [c.show_id for c in chosen]
    assert set(ids[:3]) == {1, 2, 3} and set(ids[3:6]) == {11, 12, 13} and len(ids) == 14
    assert basis in ("weekday", "price")  # the last is another event in another city


def test_an_exhibition_is_forecast_per_remaining_week() -> None:
    start = TODAY - timedelta(days=30)
    expo = curve(5, start, {}, finish=TODAY + timedelta(days=21))
    for n in range(28):  # 10 tickets every day for the last four weeks
        expo.daily[TODAY - timedelta(days=n)] = (10, 5000.0)
    (f,) = forecast_all([expo], TODAY)
    assert f.basis == "weeks" and f.capacity is None
    assert (f.sold, f.p50) == (280, 280 + 70 * 3)
    assert [w[2] for w in f.weeks] == [70, 70, 70]


def test_backtest_scores_against_the_naive_line() -> None:
    curves = [curve(n, TODAY - timedelta(days=40 * n), SHAPE) for n in range(1, 12)]
    scores = {s.horizon: s for s in backtest(curves)}
    assert scores[7].mdape == 0.0 and scores[7].inside_band == 1.0  # identical shows: the factor is exact
    # naive at 7 days: 40 sold over 24 days on sale (30 to 7 days out), + 7 days of that rate
    assert naive(curves[0], 7) == 40 + 40 / 24 * 7
    assert scores[7].naive_mdape > 0.3
