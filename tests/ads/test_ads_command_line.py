"""The ad loaders' commands: off without credentials, --check, one line per failure, no secret in any output."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ads.conftest import DIRECT_TOKEN, VK_ID, VK_SECRET, World
from tests.conftest import REPO, run_cli, write_env

COMMANDS = ("integrations.yandex_direct.loader", "integrations.vk_ads.loader")


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in (DIRECT_TOKEN, VK_ID, VK_SECRET, "vkat-", "vkrt-"):
            assert secret not in text


@pytest.mark.parametrize("module", COMMANDS)
def test_a_source_without_credentials_is_off(tmp_path: Path, module: str) -> None:
    env = write_env(tmp_path / ".env", {"CLICKHOUSE_DATA_DIR": str(tmp_path / "ch")})
    result = run_cli([module, "--envfile", str(env)], cwd=REPO)
    assert result.returncode == 0
    assert "is off" in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("module", COMMANDS)
def test_check_then_a_run_print_fingerprints_only(world: World, module: str) -> None:
    check = run_cli([module, "--envfile", str(world.envfile), "--check"], cwd=REPO)
    assert check.returncode == 0, check.stderr
    assert "sha256:" in check.stdout and ("campaigns" in check.stdout or "ad plans" in check.stdout)
    loaded = run_cli([module, "--envfile", str(world.envfile), "--days", "2", "--verbose"], cwd=REPO)
    assert loaded.returncode == 0, loaded.stderr
    assert "day rows stored" in loaded.stdout
    assert_no_secret(check.stdout, check.stderr, loaded.stdout, loaded.stderr)


def test_a_revoked_direct_token_is_one_error_line_and_exit_1(world: World) -> None:
    world.direct.faults.revoked = True
    result = run_cli([COMMANDS[0], "--envfile", str(world.envfile)], cwd=REPO)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: Yandex Direct refused the report") and "YANDEX_DIRECT_TOKEN" in last
    assert_no_secret(result.stdout, result.stderr)


def test_bad_days_and_a_half_vk_pair_are_usage_errors(world: World, tmp_path: Path) -> None:
    result = run_cli([COMMANDS[0], "--envfile", str(world.envfile), "--days", "400"], cwd=REPO)
    assert result.returncode == 2 and "--days" in result.stderr
    env = write_env(tmp_path / ".env", {"CLICKHOUSE_DATA_DIR": str(tmp_path / "ch"), "VK_ADS_CLIENT_ID": "x"})
    half = run_cli([COMMANDS[1], "--envfile", str(env)], cwd=REPO)
    assert half.returncode == 2 and "VK_ADS_CLIENT_SECRET" in half.stderr
