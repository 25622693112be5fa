"""Fixtures shared by the dashboard's API tests and its browser tests (each conftest imports them)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from integrations.qtickets_api.service import ReaderPool
from tests.dashboard.facts_0002 import promo_codes
from tests.dashboard.truth import Truth
from tests.dashboard.world import World, simulated_world


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with simulated_world(tmp_path_factory.mktemp("dashboard-world")) as built:
        yield built


@pytest.fixture(scope="session")
def truth(world: World) -> Truth:
    return Truth(world.sim.orders(), world.sim.events(), promo_codes(world.sim))


@pytest.fixture(scope="module")
def readers(world: World) -> Iterator[ReaderPool]:
    pool = ReaderPool(world.settings.clickhouse, size=2)
    try:
        yield pool
    finally:
        pool.close()


def as_dict(rows: list[dict[str, Any]], key: str) -> dict[Any, dict[str, Any]]:
    return {row[key]: row for row in rows}
