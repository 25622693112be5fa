"""Fault injection: what can go wrong between the loader and the real server, drawn from a seeded RNG."""

from __future__ import annotations

import dataclasses
import email.utils
import math
import random
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

# Faults that replace the answer, in the order a single uniform draw is mapped onto them.
ANSWER_FAULTS = (
    "429",
    "502",
    "503",
    "504",
    "unknown_error",
    "timeout",
    "drop",
    "truncated_json",
    "html_200",
)


@dataclass(frozen=True)
class FaultConfig:
    """All faults are off by default. Probabilities are per API request."""

    latency_ms: float = 0.0
    latency_jitter_ms: float = 0.0
    p_429: float = 0.0
    retry_after_s: int = 1
    p_502: float = 0.0
    p_503: float = 0.0
    p_504: float = 0.0
    p_unknown_error: float = 0.0
    p_timeout: float = 0.0
    hang_s: float = 90.0
    p_drop: float = 0.0
    p_truncated_json: float = 0.0
    p_html_200: float = 0.0
    p_mutation_during_paging: float = 0.0
    malformed_orders: int = 0
    strip_get_bodies: bool = False
    all_503: bool = False
    drop_paging: bool = False  # list answers come without their "paging" block
    ignore_select: bool = False  # "select" of list calls is ignored: the full records come back

    def __post_init__(self) -> None:
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if item.name.startswith("p_") and not 0.0 <= value <= 1.0:
                raise ValueError(f"{item.name} must be a probability, got {value!r}")
            if not item.name.startswith("p_") and not isinstance(value, bool) and value < 0:
                raise ValueError(f"{item.name} must not be negative, got {value!r}")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaultConfig:
        """Build from JSON-like data; unknown keys and wrong types raise ValueError."""
        known = {item.name: item for item in dataclasses.fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for name, value in data.items():
            default = getattr(cls, name)
            if isinstance(default, bool):
                if not isinstance(value, bool):
                    raise ValueError(f"{name} must be true or false")
            elif isinstance(default, int):
                if isinstance(value, bool) or not isinstance(value, int):
                    raise ValueError(f"{name} must be an integer")
            elif isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"{name} must be a number")
            values[name] = float(value) if isinstance(default, float) else value
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def answer_probabilities(self) -> list[tuple[str, float]]:
        return [(kind, float(getattr(self, f"p_{kind}"))) for kind in ANSWER_FAULTS]


@dataclass(frozen=True, slots=True)
class FaultDecision:
    kind: str | None  # one of ANSWER_FAULTS, "all_503", or None
    delay_s: float


class FaultInjector:
    """Seeded fault decisions, separate from the data RNG, and a count of every fault injected."""

    def __init__(self, seed: int, config: FaultConfig) -> None:
        self.rng = random.Random(f"qtickets-sim:{seed}:faults")
        self.config = config
        self.injected: Counter[str] = Counter()
        self._retry_after_count = 0

    def decide(self) -> FaultDecision:
        config = self.config
        delay = config.latency_ms / 1000.0
        if config.latency_jitter_ms > 0:
            delay += self.rng.uniform(0.0, config.latency_jitter_ms) / 1000.0
        if delay > 0:
            self.injected["latency"] += 1
        if config.all_503:
            return FaultDecision("all_503", delay)
        draw = self.rng.random()
        edge = 0.0
        for kind, probability in config.answer_probabilities():
            edge += probability
            if draw < edge:
                return FaultDecision(kind, delay)
        return FaultDecision(None, delay)

    def chance(self, probability: float) -> bool:
        return probability > 0 and self.rng.random() < probability

    def count(self, kind: str) -> None:
        self.injected[kind] += 1

    def retry_after(self) -> str:
        """Alternately delta-seconds and an HTTP-date, as servers and proxies send either."""
        self._retry_after_count += 1
        seconds = self.config.retry_after_s
        if self._retry_after_count % 2:
            return str(seconds)
        return email.utils.formatdate(math.ceil(time.time()) + seconds, usegmt=True)
