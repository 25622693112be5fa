"""Shared fixtures for the simulator tests: one read-only simulator per module, small fresh ones for mutations."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

# Runs from a bare `pytest` too, where the repository root is not on sys.path.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from qtickets_sim import FaultConfig, SimServer, Simulator, SimulatorConfig  # noqa: E402

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TOKEN = "t0k"


def make_sim(orders: int = 300, seed: int = 5, faults: FaultConfig | None = None, **config: Any) -> Simulator:
    settings: dict[str, Any] = {"seed": seed, "orders": orders, "token": TOKEN, "now": NOW}
    settings.update(config)
    return Simulator(SimulatorConfig(**settings), faults=faults)


@pytest.fixture(scope="session")
def sim() -> Simulator:
    """A read-only simulator: tests must not change its data (no advance, no POST /orders, no faults)."""
    return make_sim(orders=2000, seed=7)


@pytest.fixture(scope="session")
def server(sim: Simulator) -> Iterator[SimServer]:
    with sim.serve() as running:
        yield running


@pytest.fixture(scope="session")
def client(server: SimServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        yield http


@pytest.fixture
def fresh() -> Callable[..., Simulator]:
    """A factory of small simulators that a test may change."""
    return make_sim


@pytest.fixture
def served() -> Iterator[Callable[..., tuple[Simulator, httpx.Client]]]:
    """A factory of small running simulators with a client; everything is closed after the test."""
    closers: list[Callable[[], None]] = []

    def start(
        orders: int = 300, seed: int = 5, faults: FaultConfig | None = None, **config: Any
    ) -> tuple[Simulator, httpx.Client]:
        simulator = make_sim(orders, seed, faults, **config)
        running = simulator.serve()
        http = httpx.Client(base_url=running.base_url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10.0)
        closers.append(running.close)
        closers.append(http.close)
        return simulator, http

    yield start
    for close in reversed(closers):
        close()
