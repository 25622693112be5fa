"""The forecast measured on finished shows it did not see, beside a naive straight line.

For every finished show (not an exhibition, at least ``MIN_FINAL`` tickets) and every horizon ``h`` days before it:
the forecast made with only the shows finished by then and the show's own sales up to then, against its real
final. The naive forecast is "sold so far plus the average daily sales to date times the days left".
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from .pickup import Curve, forecast_show

HORIZONS = (14, 7, 3)
MIN_FINAL = 30


@dataclass(frozen=True)
class Score:
    horizon: int
    shows: int
    mdape: float  # median absolute percentage error of P50
    naive_mdape: float
    inside_band: float  # share of finals within P25–P75

    @property
    def ratio(self) -> float:
        return self.mdape / self.naive_mdape if self.naive_mdape else float("inf")


def naive(curve: Curve, horizon: int) -> float:
    cutoff = curve.start - timedelta(days=horizon)
    sold = curve.sold_by(cutoff)
    days = [d for d, (t, _) in curve.daily.items() if t and d <= cutoff]
    if not days:
        return float(sold)
    on_sale = (cutoff - min(days)).days + 1
    return sold + sold / on_sale * horizon


def backtest(curves: Sequence[Curve], horizons: Sequence[int] = HORIZONS) -> list[Score]:
    finished = [c for c in curves if not c.exhibition and c.final >= MIN_FINAL]
    scores = []
    for h in horizons:
        errors, naive_errors, inside = [], [], 0
        for show in finished:
            cutoff = show.start - timedelta(days=h)
            if show.sold_by(cutoff) == 0:
                continue  # not on sale yet: nothing to extrapolate from, for either method
            past = [c for c in curves if c.finish < cutoff and c.show_id != show.show_id]
            if not past:
                continue
            f = forecast_show(show, past, cutoff)
            final = show.final
            errors.append(abs(f.p50 - final) / final)
            naive_errors.append(abs(naive(show, h) - final) / final)
            inside += f.p25 <= final <= f.p75
        if errors:
            scores.append(
                Score(h, len(errors), statistics.median(errors), statistics.median(naive_errors), inside / len(errors))
            )
    return scores


__all__ = ["HORIZONS", "Score", "backtest", "naive"]
