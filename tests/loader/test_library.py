"""The loader as a library: many runs in one process (as the service makes them) leave no thread, client or
file descriptor behind, on success and on failure alike."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from integrations.qtickets_api import ApiError, RunOptions, Settings, connect, run_loader
from qtickets_sim import FaultConfig
from tests.loader.test_end_to_end import HISTORY_START, assert_facts_equal_truth


def open_fds(data_dir: Path) -> set[str]:
    """Open descriptors but the engine's own: its data files, and the per-thread /proc files its pool opens."""
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # the listing's own descriptor, closed by now
            continue
        if not target.startswith((str(data_dir), f"/proc/{os.getpid()}/task/")):
            found.add(f"{fd} -> {target}")
    return found


def settled(measure: Callable[[], Any], want: Any, seconds: float = 5.0) -> Any:
    """The simulator in this process closes its side of a connection a moment after the client does."""
    deadline = time.monotonic() + seconds
    got = measure()
    while got != want and time.monotonic() < deadline:
        time.sleep(0.1)
        got = measure()
    return got


def python_threads() -> list[str]:
    """This process's threads but the simulator's own (it serves the test from here, a thread per connection)."""
    return sorted(
        t.name for t in threading.enumerate() if "process_request_thread" not in t.name and "qtickets-sim" not in t.name
    )


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="reads /proc")
def test_fifty_runs_in_one_process_leave_threads_and_descriptors_as_they_were(settings: Settings, sim: Any) -> None:
    with connect(settings) as storage:

        def backfill() -> None:
            until = sim.now() + timedelta(seconds=1)
            run_loader(settings, RunOptions(since=HISTORY_START, until=until), storage=storage)

        backfill()  # the engine's own pools and files are opened by the first run
        data_dir = settings.clickhouse_data_dir.resolve()
        threads, fds = python_threads(), open_fds(data_dir)
        failures = 0
        for n in range(50):
            sim.advance(timedelta(minutes=15))
            if n % 10 == 7:  # a run that fails mid-way must close everything too
                sim.set_faults(FaultConfig(all_503=True))
            until = sim.now() + timedelta(seconds=1)
            try:
                run_loader(settings, RunOptions(since=until - timedelta(hours=1), until=until), storage=storage)
            except ApiError:
                failures += 1
            sim.set_faults(FaultConfig())
        assert failures == 5, "the failing runs did not fail: the failure path was not exercised"
        assert settled(python_threads, threads) == threads
        assert settled(lambda: open_fds(data_dir), fds) == fds
        backfill()
    assert_facts_equal_truth(settings, sim)
