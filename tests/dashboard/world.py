"""One simulated organiser, loaded by the real loader into an embedded ClickHouse, for the dashboard's tests.

The simulator's clock is the wall clock of the test run (to the second), so that the dashboard's default period,
"the last 30 days", holds sales; the truth the tests compare with is computed from ``sim.orders()`` in Python
(``truth.py``), never from our SQL.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from integrations.qtickets_api import RunOptions, Settings, connect, load_settings, run_loader
from integrations.qtickets_api.storage import bi_views
from qtickets_sim import FaultConfig, Simulator, SimulatorConfig
from tests.dashboard.facts_0002 import mark_capacity_unknown

ORDERS = 3000
SEED = 7


@dataclass
class World:
    sim: Any
    settings: Settings
    envfile: Path
    now: datetime
    unknown_capacity_show: int


def write_env(path: Path, values: dict[str, str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()), encoding="utf-8")
    path.chmod(0o600)
    return path


@contextmanager
def simulated_world(root: Path, *, orders: int = ORDERS) -> Iterator[World]:
    """A simulator serving on loopback and its data loaded; the storage is closed again on return."""
    token = "tok-LEAKCHECK-" + secrets.token_hex(12)
    now = datetime.now(UTC).replace(microsecond=0)
    sim = Simulator(
        SimulatorConfig(seed=SEED, orders=orders, token=token, now=now, clock="manual"), faults=FaultConfig()
    )
    with sim.serve(host="127.0.0.1", port=0) as server:
        sim.base_url = server.base_url
        envfile = write_env(
            root / "secrets" / ".env.qtickets_api",
            {
                "QTICKETS_API_BASE_URL": server.base_url,
                "QTICKETS_API_TOKEN": token,
                "CLICKHOUSE_DATA_DIR": str(root / "clickhouse"),
                "TZ": "Europe/Moscow",
                "ORG_NAME": "Тестовый организатор",
                "QTICKETS_API_MAX_ATTEMPTS": "3",
            },
        )
        settings = load_settings(envfile)
        with connect(settings) as storage:
            run_loader(
                settings,
                RunOptions(since=datetime(2021, 1, 1, tzinfo=UTC), until=now + timedelta(seconds=1)),
                storage=storage,
            )
            unknown_rows = storage.rows(
                "SELECT show_id FROM zakaz.fact_qtickets_inventory_latest WHERE capacity_known = 0 ORDER BY show_id"
            )
            if unknown_rows:  # the simulator's exhibitions, sold by tariff
                unknown = int(unknown_rows[0][0])
            else:
                live = storage.rows("SELECT show_id FROM zakaz.fact_qtickets_inventory_latest ORDER BY show_id")
                unknown = int(live[-1][0])
                mark_capacity_unknown(storage, unknown)
            bi_views.install(storage)
        yield World(sim=sim, settings=settings, envfile=envfile, now=now, unknown_capacity_show=unknown)
