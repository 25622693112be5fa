"""The organiser's zone decides the dates, never the host's: a service in a container runs with whatever ``TZ`` the
image has (often UTC, here New York), and the env file may name no zone at all."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from integrations.qtickets_api import load_settings
from integrations.qtickets_api.domain import MOSCOW
from tests.conftest import REPO, run_cli, write_env
from tests.loader.test_end_to_end import facts, truth

FAR_ZONES = ("America/New_York", "Pacific/Kiritimati")


@pytest.mark.parametrize("host_zone", FAR_ZONES)
def test_the_host_zone_never_moves_a_sale_to_another_day(tmp_path: Path, sim: Any, token: str, host_zone: str) -> None:
    envfile = write_env(
        tmp_path / "secrets" / ".env.qtickets_api",
        {
            "QTICKETS_API_BASE_URL": sim.base_url,
            "QTICKETS_API_TOKEN": token,
            "CLICKHOUSE_DATA_DIR": str(tmp_path / "clickhouse"),
            "ORG_NAME": "test-org",
        },
    )
    until = (sim.now() + timedelta(seconds=1)).astimezone(MOSCOW).strftime("%Y-%m-%d %H:%M:%S")
    done = run_cli(
        ["integrations.qtickets_api.loader", "--envfile", str(envfile), "--since", "2021-01-01", "--until", until],
        cwd=REPO,
        env={"TZ": host_zone},
    )
    assert done.returncode == 0, done.stderr
    settings = load_settings(envfile)
    assert settings.tz == "Europe/Moscow"
    expected = truth(sim)
    assert facts(settings) == expected
    assert len(expected) > 50


def test_report_tz_still_chooses_the_zone(tmp_path: Path) -> None:
    envfile = write_env(
        tmp_path / ".env", {"QTICKETS_API_BASE_URL": "https://qtickets.example", "QTICKETS_API_TOKEN": "t"}
    )
    saved = dict(os.environ)
    try:
        os.environ["TZ"] = "America/New_York"
        assert load_settings(envfile, require_clickhouse=False).tz == "Europe/Moscow"
        os.environ["REPORT_TZ"] = "Asia/Novosibirsk"
        assert load_settings(envfile, require_clickhouse=False).tz == "Asia/Novosibirsk"
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_a_later_change_of_zone_stops_with_one_line(tmp_path: Path, sim: Any, token: str) -> None:
    values = {
        "QTICKETS_API_BASE_URL": sim.base_url,
        "QTICKETS_API_TOKEN": token,
        "CLICKHOUSE_DATA_DIR": str(tmp_path / "clickhouse"),
        "TZ": "Europe/Moscow",
    }
    envfile = write_env(tmp_path / "secrets" / ".env.qtickets_api", values)
    loader = ["integrations.qtickets_api.loader", "--envfile", str(envfile), "--since-hours", "24"]
    assert run_cli(loader, cwd=REPO).returncode == 0
    before = facts(load_settings(envfile))
    write_env(envfile, {**values, "TZ": "Asia/Novosibirsk"})
    refused = run_cli(loader, cwd=REPO)
    assert refused.returncode == 2
    lines = [line for line in refused.stderr.splitlines() if "TZ=Europe/Moscow" in line]
    assert len(lines) == 1 and "TZ=Asia/Novosibirsk" in lines[0], refused.stderr
    write_env(envfile, values)
    assert facts(load_settings(envfile)) == before
