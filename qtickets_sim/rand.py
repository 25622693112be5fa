"""Fast draws from random.Random: the generator makes millions of them, and randint/choice are slow."""

from __future__ import annotations

import bisect
import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def mix(value: int) -> int:
    """splitmix64: a cheap, well-spread hash of an integer (derived values that need no stored state)."""
    value = (value + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return value ^ (value >> 31)


def between(rng: random.Random, low: int, high: int) -> int:
    """An int in [low, high], both included."""
    return low + int(rng.random() * (high - low + 1))


def pick(rng: random.Random, items: Sequence[T]) -> T:
    return items[int(rng.random() * len(items))]


def weighted(rng: random.Random, items: Sequence[T], cumulative: Sequence[float]) -> T:
    """One of ``items``, drawn by cumulative weights."""
    return items[bisect.bisect(cumulative, rng.random() * cumulative[-1])]
