"""Whole-process faults: kill -9 at any point of a run, and two runs at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from integrations.qtickets_api import load_settings
from qtickets_sim import FaultConfig
from tests.conftest import REPO, query
from tests.faults.test_api_faults import assert_no_duplicates
from tests.loader.test_end_to_end import facts, truth


def start_loader(envfile: Path, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QTICKETS", "CLICKHOUSE"))}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.Popen(
        [sys.executable, "-m", "integrations.qtickets_api.loader", "--envfile", str(envfile), *args],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


# (log line to wait for, then seconds before the kill): start-up, mid-fetch, right after the orders were
# written (the fact rebuild), and during the inventory snapshot
KILL_POINTS = [
    ("Starting QTickets API ingestion run", 0.0),
    ("events with", 0.3),
    ("Transformed orders into sales rows", 0.0),
    ("Transformed orders into sales rows", 0.05),
    ("Rebuilt daily sales facts", 0.0),
]


@pytest.mark.parametrize(("marker", "delay"), KILL_POINTS)
def test_kill_9_at_any_point_then_the_next_run_converges(marker: str, delay: float, envfile: Path, sim: Any) -> None:
    settings = load_settings(envfile)
    # a first complete load, then activity, so the killed run has real changes to half-write
    first = start_loader(envfile, "--since", "2021-01-01", "--per-page", "100")
    assert first.wait(120) == 0, first.communicate()[1]
    sim.advance(timedelta(days=3))
    sim.set_faults(FaultConfig(latency_ms=40))
    victim = start_loader(envfile, "--since", "2021-01-01", "--per-page", "100")
    assert victim.stderr is not None
    seen = []
    for line in victim.stderr:
        seen.append(line)
        if marker in line:
            break
    time.sleep(delay)
    victim.send_signal(signal.SIGKILL)
    victim.wait(30)
    assert victim.returncode == -signal.SIGKILL, "the run finished before the kill: the test proves nothing"
    # whatever the kill left behind, the dashboard has no duplicates
    assert_no_duplicates(settings)
    sim.set_faults(FaultConfig())
    # the simulator's clock runs ahead of the wall clock here: give the window in its time
    until = sim.now() + timedelta(seconds=1)
    again = start_loader(envfile, "--since", (until - timedelta(hours=96)).isoformat(), "--until", until.isoformat())
    _out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert facts(settings) == truth(sim)
    assert_no_duplicates(settings)


def test_a_timer_run_skips_and_a_run_by_hand_waits_while_one_is_running(envfile: Path, sim: Any) -> None:
    """On the embedded engine the running process holds the data directory: a tick of the timer
    (``--wait-lease 0``) skips with exit 0 and one line; a run by hand waits, says so, then runs."""
    sim.set_faults(FaultConfig(latency_ms=30))
    slow = start_loader(envfile, "--since", "2021-01-01", "--per-page", "50")
    assert slow.stderr is not None
    for line in slow.stderr:
        if "Fetched events/orders" in line:
            break
    try:
        timer = start_loader(envfile, "--since-hours", "24", "--wait-lease", "0")
        _out, err = timer.communicate(timeout=60)
        assert timer.returncode == 0, err
        assert "in use by another process" in err and "this run is skipped" in err and "Traceback" not in err
        assert len([line for line in err.strip().splitlines() if "Starting QTickets" not in line]) == 1, err
        by_hand = start_loader(envfile, "--since-hours", "24")
        assert slow.poll() is None, "the first run should still be running"
    finally:
        _out, err = slow.communicate(timeout=300)
    assert slow.returncode == 0, err
    _out, err = by_hand.communicate(timeout=120)
    assert by_hand.returncode == 0, err
    assert "Waiting up to 30 min for the embedded engine" in err
    statuses = [r[0] for r in query(load_settings(envfile), "SELECT status FROM zakaz.meta_job_runs")]
    assert statuses == ["success", "success"]
