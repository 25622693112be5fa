"""The ad loaders' world: a QTickets account loaded once into an embedded ClickHouse (copied for every test), and
the two ad simulators serving the campaigns whose ids that account's orders carry."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from direct_sim import DirectConfig, DirectFaults, DirectSimulator
from integrations.ad_spend.settings import AdSettings, load_ad_settings
from integrations.qtickets_api import RunOptions, load_settings, run_loader
from qtickets_sim import FaultConfig, Simulator, SimulatorConfig
from tests.conftest import SIM_NOW, write_env
from vk_ads_sim import VkConfig, VkFaults, VkSimulator

TODAY = date(2026, 11, 20)  # SIM_NOW's day in Moscow
DIRECT_TOKEN = "y0_LEAKCHECK-direct-" + "a" * 20
VK_ID = "LEAKCHECKvkid0001"
VK_SECRET = "LEAKCHECK-vk-secret-" + "b" * 20


@dataclass
class Golden:
    data_dir: Path
    sim: Simulator


@pytest.fixture(scope="session")
def golden(tmp_path_factory: pytest.TempPathFactory) -> Golden:
    tmp = tmp_path_factory.mktemp("ads-golden")
    sim = Simulator(
        SimulatorConfig(seed=7, orders=1500, token="qt-token", now=SIM_NOW, clock="manual"), faults=FaultConfig()
    )
    with sim.serve(host="127.0.0.1", port=0) as server:
        env = write_env(
            tmp / ".env",
            {
                "QTICKETS_API_BASE_URL": server.base_url,
                "QTICKETS_API_TOKEN": "qt-token",
                "CLICKHOUSE_DATA_DIR": str(tmp / "clickhouse"),
                "TZ": "Europe/Moscow",
            },
        )
        settings = load_settings(env)
        run_loader(settings, RunOptions(since=datetime(2021, 1, 1, tzinfo=UTC), until=SIM_NOW + timedelta(seconds=1)))
    return Golden(tmp / "clickhouse", sim)


@dataclass
class World:
    tmp: Path
    sim: Simulator
    direct: DirectSimulator
    vk: VkSimulator
    direct_url: str
    vk_url: str
    envfile: Path

    def settings(self) -> AdSettings:
        return load_ad_settings(self.envfile)


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def world(golden: Golden, tmp_path: Path) -> Iterator[World]:
    shutil.copytree(
        golden.data_dir, tmp_path / "clickhouse", symlinks=True, ignore=shutil.ignore_patterns(".zakaz-engine.lock")
    )
    direct = DirectSimulator(
        DirectConfig(token=DIRECT_TOKEN, campaigns=golden.sim.ad_campaigns("yandex"), today=TODAY, online_rows=50),
        DirectFaults(),
    )
    vk = VkSimulator(VkConfig(VK_ID, VK_SECRET, golden.sim.ad_campaigns("vk"), TODAY, clock=Clock()), VkFaults())
    with direct.serve() as direct_server, vk.serve() as vk_server:
        envfile = write_env(
            tmp_path / "secrets" / ".env.qtickets_api",
            {
                "QTICKETS_API_BASE_URL": "http://127.0.0.1:9/api/rest/v1",
                "QTICKETS_API_TOKEN": "qt-token",
                "CLICKHOUSE_DATA_DIR": str(tmp_path / "clickhouse"),
                "TZ": "Europe/Moscow",
                "YANDEX_DIRECT_TOKEN": DIRECT_TOKEN,
                "YANDEX_DIRECT_API_URL": direct_server.url + "/json/v5/reports",
                "YANDEX_DIRECT_REPORT_WAIT_S": "30",
                "VK_ADS_CLIENT_ID": VK_ID,
                "VK_ADS_CLIENT_SECRET": VK_SECRET,
                "VK_ADS_API_URL": vk_server.url,
            },
        )
        yield World(tmp_path, golden.sim, direct, vk, direct_server.url, vk_server.url, envfile)


def rows(world: World, sql: str, parameters: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    from integrations.qtickets_api.storage import connect

    with connect(world.settings().base) as storage:
        return [tuple(r) for r in storage.rows(sql, parameters)]
