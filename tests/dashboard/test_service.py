"""The one service: the loader every 15 minutes in-process (window catching up after downtime, a failed run on the
freshness banner without stopping anything), refusing to listen beyond loopback without a password, and SIGTERM
ending it within 10 s with the run in flight recorded."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from integrations.qtickets_api import ConfigError, connect
from integrations.qtickets_api.bi import panels
from integrations.qtickets_api.service import LoaderSchedule, ReaderPool, is_loopback, scheduled_window, service_options
from tests.conftest import query
from tests.dashboard.world import World, write_env

REPO = Path(__file__).resolve().parents[2]


def test_the_window_catches_up_after_downtime_and_never_shrinks_below_the_look_back() -> None:
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert scheduled_window(None, look_back_hours=24, now=now) == (now - timedelta(hours=24), now)
    recent = now - timedelta(minutes=15)
    assert scheduled_window(recent, look_back_hours=24, now=now)[0] == now - timedelta(hours=24)
    down = now - timedelta(days=3)
    assert scheduled_window(down, look_back_hours=24, now=now) == (down, now)


@pytest.mark.parametrize(("host", "loopback"), [("127.0.0.1", True), ("::1", True), ("localhost", True),
                                                ("127.0.0.2", True), ("0.0.0.0", False), ("192.168.1.5", False),
                                                ("example.org", False)])  # fmt: skip
def test_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_listening_beyond_loopback_needs_a_password() -> None:
    with pytest.raises(ConfigError):
        service_options({}, host="0.0.0.0", port=8080, schedule=True)
    with pytest.raises(ConfigError):
        service_options({"DASHBOARD_PASSWORD": "short"}, host="0.0.0.0", port=8080, schedule=True)
    options = service_options({"DASHBOARD_PASSWORD": "long-enough-pw"}, host="0.0.0.0", port=8080, schedule=True)
    assert options.password == "long-enough-pw" and "long-enough-pw" not in repr(options)
    assert service_options({}, host="127.0.0.1", port=8080, schedule=False).password == ""


def serve(world_envfile: Path, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QTICKETS", "CLICKHOUSE", "DASHBOARD"))}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.Popen(
        [sys.executable, "-m", "integrations.qtickets_api.serve", "--envfile", str(world_envfile), *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def test_the_service_refuses_to_start_beyond_loopback_without_a_password(world: World) -> None:
    process = serve(world.envfile, "--host", "0.0.0.0", "--port", str(free_port()))
    out, _ = process.communicate(timeout=60)
    assert process.returncode == 2
    assert out.count("\n") == 1 and "DASHBOARD_PASSWORD" in out


def test_scheduled_runs_succeed_and_a_failed_one_shows_on_the_banner(world: World) -> None:
    with connect(world.settings) as storage:
        schedule = LoaderSchedule(world.settings, storage)
        before = query_count(storage)
        asyncio.run(schedule.run_once())
        assert schedule.status.last_status == "success", schedule.status.last_error
        world.sim.set_faults(replace(world.sim.faults, all_503=True))
        try:
            fast = replace(world.settings, api_max_attempts=1)
            failing = LoaderSchedule(fast, storage)
            asyncio.run(failing.run_once())  # must not raise: the service goes on
            assert failing.status.last_status == "failed" and failing.status.failures == 1
        finally:
            world.sim.set_faults(replace(world.sim.faults, all_503=False))
        assert query_count(storage) == before + 2
        runs = storage.rows("SELECT status, window_since FROM zakaz.meta_job_runs ORDER BY finished_at DESC LIMIT 2")
        assert [r[0] for r in runs] == ["failed", "success"]
    pool = ReaderPool(world.settings.clickhouse, size=1)
    try:
        _, _, rows = panels.run("freshness", pool, {}, today=date.today())
    finally:
        pool.close()
    assert rows[0]["failed"] is True and "503" in rows[0]["last_error"]
    assert rows[0]["stale"] is False and rows[0]["last_success_at"] is not None
    with connect(world.settings) as storage:  # the banner clears with the next good run
        asyncio.run(LoaderSchedule(world.settings, storage).run_once())


def query_count(storage: object) -> int:
    return int(storage.rows("SELECT count() FROM zakaz.meta_job_runs")[0][0])  # type: ignore[attr-defined]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(process: subprocess.Popen[str], line: str, timeout: float = 60) -> list[str]:
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        text = process.stdout.readline()
        if not text:
            break
        seen.append(text)
        if line in text:
            return seen
    raise AssertionError(f"never saw {line!r}: {''.join(seen)[-2000:]}")


@pytest.mark.parametrize("stuck_in_a_retry_wait", [False, True])
def test_sigterm_stops_within_10_s_with_the_run_in_flight_recorded(
    world: World, tmp_path: Path, stuck_in_a_retry_wait: bool
) -> None:
    values = {line.split("=", 1)[0]: line.split("=", 1)[1] for line in world.envfile.read_text().splitlines()}
    if stuck_in_a_retry_wait:
        values.update({"QTICKETS_API_BACKOFF_S": "40", "QTICKETS_API_MAX_ATTEMPTS": "5"})
    envfile = write_env(tmp_path / ".env", values)
    faults = world.sim.faults
    world.sim.set_faults(replace(faults, all_503=True) if stuck_in_a_retry_wait else replace(faults, latency_ms=1500))
    port = free_port()
    process = serve(envfile, "--port", str(port))
    try:
        wait_for(process, "Starting QTickets API ingestion run")
        time.sleep(0.5)
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=15)
        took = time.monotonic() - started
    finally:
        world.sim.set_faults(faults)
        if process.poll() is None:
            process.kill()
    assert took < 10, out
    last = query(world.settings, "SELECT status, error FROM zakaz.meta_job_runs ORDER BY finished_at DESC LIMIT 1")[0]
    assert last[0] == "failed" and "stop" in last[1], (last, out)
