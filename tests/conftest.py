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
