"""``sql`` while the service holds the embedded data directory: the statements go through the service, read-only —
the seed's checks answer as they do without it, a write is refused in one line and changes nothing, a forged token
gets 401, and once the service stops ``sql`` opens the directory itself again."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from integrations.qtickets_api import load_settings
from integrations.qtickets_api.storage import service_endpoint
from tests.conftest import query
from tests.dashboard.test_service import free_port, serve, wait_for
from tests.dashboard.world import World, write_env

REPO = Path(__file__).resolve().parents[2]
CHECK = "SELECT count(), max(sale_ts) FROM zakaz.fact_qtickets_sales_daily"  # the seed README's own check


def sql(envfile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QTICKETS", "CLICKHOUSE", "DASHBOARD"))}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [sys.executable, "-m", "integrations.qtickets_api.sql", "--envfile", str(envfile), *args],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def errors(done: subprocess.CompletedProcess[str]) -> int:
    """How many error lines (besides the one notice that the statements went through the service)."""
    return sum(1 for line in done.stderr.splitlines() if line.startswith("error:"))


@pytest.fixture
def own_copy(world: World, tmp_path: Path) -> Path:
    """The world's data in a directory of this test's (the service locks it)."""
    shutil.copytree(
        world.settings.clickhouse.data_dir, tmp_path / "clickhouse", symlinks=True,
        ignore=shutil.ignore_patterns(".zakaz-engine.lock", service_endpoint.FILE_NAME),
    )  # fmt: skip
    values = dict(line.split("=", 1) for line in world.envfile.read_text().splitlines() if "=" in line)
    values["CLICKHOUSE_DATA_DIR"] = str(tmp_path / "clickhouse")
    return write_env(tmp_path / "secrets" / ".env", values)


def test_sql_goes_through_the_running_service_read_only(own_copy: Path) -> None:
    settings = load_settings(own_copy)
    alone = sql(own_copy, "--format", "tsv", "-q", CHECK)
    assert alone.returncode == 0, alone.stderr
    expected = query(settings, CHECK)[0]
    assert int(expected[0]) > 0
    port = free_port()
    process = serve(own_copy, "--no-schedule", "--port", str(port))
    try:
        wait_for(process, "Dashboard at")
        data_dir = settings.clickhouse.data_dir.resolve()
        endpoint = service_endpoint.read(data_dir)
        assert endpoint is not None and endpoint.pid == process.pid and endpoint.port == port
        assert (data_dir / service_endpoint.FILE_NAME).stat().st_mode & 0o077 == 0  # the token is this user's

        through = sql(own_copy, "--format", "tsv", "-q", CHECK)
        assert through.returncode == 0, through.stderr
        assert through.stdout == alone.stdout  # the same answer as without the service
        assert "through it, read-only" in through.stderr and endpoint.token not in through.stderr + through.stdout

        several = sql(own_copy, "-q", "SELECT 1 AS one; SELECT 2 AS two")
        assert several.returncode == 0 and "-- [1/2] SELECT 1 AS one" in several.stdout and "two" in several.stdout

        write = sql(own_copy, "-q", "DROP TABLE zakaz.fact_qtickets_sales_daily")
        assert write.returncode != 0
        assert errors(write) == 1 and "stop it to write" in write.stderr, write.stderr
        missing = sql(own_copy, "-q", "SELECT 1 FROM zakaz.no_such_table")
        assert missing.returncode != 0 and errors(missing) == 1

        url = f"http://127.0.0.1:{port}{service_endpoint.PATH}"
        body = {"statement": "SELECT 1", "format": "tsv"}
        assert httpx.post(url, json=body).status_code == 401
        assert httpx.post(url, json=body, headers={"Authorization": "Bearer forged"}).status_code == 401
        bad = httpx.post(url, content=b"{", headers={"Authorization": f"Bearer {endpoint.token}"})
        assert bad.status_code == 400
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
    assert service_endpoint.read(settings.clickhouse.data_dir.resolve()) is None  # withdrawn on the way out
    after = sql(own_copy, "--format", "tsv", "-q", CHECK)
    assert after.returncode == 0 and after.stdout == alone.stdout  # the table the refused DROP named is there


def test_a_loader_holding_the_directory_is_still_one_line(own_copy: Path, tmp_path: Path) -> None:
    # a leftover file of a service that is gone does not send statements anywhere
    settings = load_settings(own_copy)
    data_dir = settings.clickhouse.data_dir.resolve()
    service_endpoint.publish(data_dir, service_endpoint.Endpoint(pid=1, port=free_port(), token="stale"))
    holder = subprocess.Popen(  # holds the directory's lock as a loader run would
        [sys.executable, "-c", "import sys, time; from integrations.qtickets_api.storage.locks import FileLock; "
         f"lock = FileLock(__import__('pathlib').Path({str(data_dir / '.zakaz-engine.lock')!r})); "
         "assert lock.try_acquire(); print('held', flush=True); time.sleep(60)"],
        env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        refused = sql(own_copy, "-q", "SELECT 1")
    finally:
        holder.kill()
        holder.wait()
    assert refused.returncode != 0
    assert refused.stderr.strip().count("\n") == 0 and "in use by another process" in refused.stderr
