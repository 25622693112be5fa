"""Fast draws from random.Random: the generator makes millions of them, and randint/choice are slow."""

from __future__ import annotations

import bisect
import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def between(rng: random.Random, low: int, high: int) -> int:
    """An int in [low, high], both included."""
    return low + int(rng.random() * (high - low + 1))


def pick(rng: random.Random, items: Sequence[T]) -> T:
    return items[int(rng.random() * len(items))]


def weighted(rng: random.Random, items: Sequence[T], cumulative: Sequence[float]) -> T:
    """One of ``items``, drawn by cumulative weights."""
    return items[bisect.bisect(cumulative, rng.random() * cumulative[-1])]
