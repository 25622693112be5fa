"""The simulated clock: moved by hand, or following the wall clock at some speed."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Literal

ClockMode = Literal["manual", "wall"]


class SimClock:
    """Simulated time.

    ``manual``: time moves only through :meth:`advance`.
    ``wall``: time is ``start + wall_elapsed * speed`` plus whatever :meth:`advance` added.
    """

    def __init__(
        self,
        start: datetime,
        mode: ClockMode = "manual",
        speed: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if start.tzinfo is None:
            raise ValueError("the simulated clock needs an aware datetime")
        if mode not in ("manual", "wall"):
            raise ValueError(f"unknown clock mode {mode!r}")
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._start = start
        self._mode: ClockMode = mode
        self._speed = speed
        self._monotonic = monotonic
        self._wall_origin = monotonic()
        self._offset = timedelta()

    @property
    def mode(self) -> ClockMode:
        return self._mode

    def now(self) -> datetime:
        moment = self._start + self._offset
        if self._mode == "wall":
            moment += timedelta(seconds=(self._monotonic() - self._wall_origin) * self._speed)
        return moment

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta():
            raise ValueError("the simulated clock does not go backwards")
        self._offset += delta
        return self.now()


__all__ = ["SimClock"]
