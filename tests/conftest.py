"""Shared fixtures: a QTickets simulator on loopback and settings that point the loader at it and at
an embedded ClickHouse in a temporary directory (the real engine, never a mock)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from integrations.qtickets_api import Settings, load_settings
from integrations.qtickets_api.storage import connect
from qtickets_sim import FaultConfig, Simulator, SimulatorConfig

REPO = Path(__file__).resolve().parents[1]

# `make test` (what a developer runs often) leaves out the slow tests and the browser tests; `make test-all` and CI
# run everything. The one list of what is slow, by test id (measured 2026-12-06: 5-40 s each). A fault matrix keeps
# its first case in the quick run, so that every fault path is still exercised there once.
SLOW_ALL = (
    "tests/faults/test_soak.py::",
    "tests/webhooks/test_soak_hooks.py::",
    "tests/faults/test_no_leaks.py::",
    "tests/webhooks/test_no_leaks_hooks.py::",
    "tests/loader/test_library.py::test_fifty_runs_in_one_process",
    "tests/webhooks/test_converge.py::test_a_faulty_burst_converges",
    "tests/simulator/test_sim_scale.py::test_126k_orders",
    "tests/storage/test_server_path.py::test_two_processes_against_one_server",
    "tests/dashboard/test_service.py::test_sigterm_stops_within_10_s",
    "tests/unit/test_transform_properties.py::test_sql_facts_equal_truth_for_any_history",
)
SLOW_BUT_FIRST = (
    "tests/storage/test_server_path.py::test_clickhouse_failing_mid_run[",
    "tests/faults/test_process_faults.py::test_kill_9_at_any_point_then_the_next_run_converges[",
    "tests/faults/test_api_faults.py::test_faults_lose_and_duplicate_nothing[",
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: over ~5 s; left out of `make test`, run by `make test-all` and CI")
    config.addinivalue_line("markers", "browser: drives Chromium; left out of `make test`, run by `make test-all`")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    seen: set[str] = set()
    for item in items:
        node = item.nodeid
        if node.startswith("tests/browser/"):
            item.add_marker(pytest.mark.browser)
        if node.startswith(SLOW_ALL):
            item.add_marker(pytest.mark.slow)
        for prefix in SLOW_BUT_FIRST:
            if node.startswith(prefix):
                if prefix in seen:
                    item.add_marker(pytest.mark.slow)
                seen.add(prefix)


SIM_NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def token() -> str:
    # recognisable, so that leak scans can find it anywhere
    return "tok-LEAKCHECK-" + secrets.token_hex(12)


@pytest.fixture
def sim(token: str) -> Iterator[Any]:
    simulator = Simulator(
        SimulatorConfig(seed=7, orders=1500, token=token, now=SIM_NOW, clock="manual"), faults=FaultConfig()
    )
    with simulator.serve(host="127.0.0.1", port=0) as server:
        simulator.base_url = server.base_url  # type: ignore[attr-defined]
        yield simulator


def write_env(path: Path, values: dict[str, str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()), encoding="utf-8")
    path.chmod(0o600)
    return path


@pytest.fixture
def envfile(tmp_path: Path, sim: Any, token: str) -> Path:
    return write_env(
        tmp_path / "secrets" / ".env.qtickets_api",
        {
            "QTICKETS_API_BASE_URL": sim.base_url,
            "QTICKETS_API_TOKEN": token,
            "CLICKHOUSE_DATA_DIR": str(tmp_path / "clickhouse"),
            "TZ": "Europe/Moscow",
            "ORG_NAME": "test-org",
            "QTICKETS_API_MAX_ATTEMPTS": "3",
        },
    )


@pytest.fixture
def settings(envfile: Path) -> Settings:
    return load_settings(envfile)


def query(settings: Settings, sql: str, parameters: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    with connect(settings) as storage:
        return [tuple(r) for r in storage.query(sql, parameters).result_rows]


def run_cli(args: list[str], *, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300) -> Any:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("QTICKETS", "CLICKHOUSE"))}
    full_env["PYTHONPATH"] = str(REPO)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout
    )
