"""``freshness`` never mistakes a busy embedded engine for a stale loader: while another process holds the data
directory it reads the status file every run leaves beside the data."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from qtickets_sim import FaultConfig
from tests.conftest import REPO, run_cli
from tests.loader.test_end_to_end import backfill


def freshness(envfile: Path, tmp_path: Path, *extra: str) -> Any:
    return run_cli(["integrations.qtickets_api.freshness", "--envfile", str(envfile), *extra], cwd=tmp_path)


def hold_the_engine(envfile: Path) -> subprocess.Popen[str]:
    """A loader run that holds the embedded engine for a while (slow API), started in its own process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QTICKETS", "CLICKHOUSE"))}
    env["PYTHONPATH"] = str(REPO)
    proc = subprocess.Popen(
        [sys.executable, "-m", "integrations.qtickets_api.loader", "--envfile", str(envfile), "--since", "2021-01-01",
         "--per-page", "20"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stderr is not None
    for line in proc.stderr:
        if "Fetched events/orders" in line:
            return proc
    raise AssertionError("the loader never started fetching")


def test_freshness_reads_the_status_file_while_the_engine_is_held(
    settings: Any, envfile: Path, sim: Any, tmp_path: Path
) -> None:
    backfill(settings, sim)
    assert freshness(envfile, tmp_path).returncode == 0
    sim.set_faults(FaultConfig(latency_ms=60))
    holder = hold_the_engine(envfile)
    try:
        done = freshness(envfile, tmp_path, "--wait-seconds", "0")
        assert holder.poll() is None, "the loader finished: the engine was not held during the check"
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(30)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("OK: ") and "engine is in use" in done.stdout and done.stderr == ""


def test_freshness_without_any_run_and_a_held_engine_says_it_cannot_check(
    envfile: Path, sim: Any, tmp_path: Path
) -> None:
    sim.set_faults(FaultConfig(latency_ms=60))
    holder = hold_the_engine(envfile)
    try:
        done = freshness(envfile, tmp_path, "--wait-seconds", "0")
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(30)
    assert done.returncode == 1, done.stderr  # a storage error: one line, and not "STALE"
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "in use by another process" in lines[0] and "status file" in lines[0]
    assert "STALE" not in done.stdout
