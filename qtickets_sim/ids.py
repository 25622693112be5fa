"""Ids as the real server hands them out."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from .rand import between


@dataclass
class IdSequence:
    """Ascending ids with gaps: the ids are global to the multi-tenant server, not to one organiser."""

    last: int
    max_gap: int

    def take(self, rng: random.Random) -> int:
        self.last += between(rng, 1, self.max_gap)
        return self.last

    def stream(self, rng: random.Random) -> Iterator[int]:
        while True:
            yield self.take(rng)


def _unset() -> IdSequence:
    return IdSequence(0, 1)


@dataclass
class IdSequences:
    """The id sequences new records draw from."""

    order: IdSequence = field(default_factory=_unset)
    basket: IdSequence = field(default_factory=_unset)
    refund: IdSequence = field(default_factory=_unset)
    client: IdSequence = field(default_factory=_unset)
