"""Stopping the service (what SIGTERM does: uvicorn's ``should_exit``) in its worst state: a loader run that
ignores the stop (inside a long statement), the webhook store's writer hung in an insert with a request waiting on
it, and a webhook refresh waiting for the run. It is gone within 10 s, the run in flight is in ``meta_job_runs``
as interrupted, and the next scheduled run completes its window: the facts equal the simulator's truth."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, cast

import httpx
import msgspec
import pytest

from integrations.qtickets_api import connect
from integrations.qtickets_api.serve import GRACEFUL_S
from integrations.qtickets_api.service import LoaderSchedule, Service
from integrations.qtickets_api.storage import Storage
from integrations.qtickets_api.webhooks import sign
from tests.webhooks.support import SECRET, HeldSession, Running, World, facts_differences, running_service, world

TIMEOUT_STOP_S = 15  # deploy/systemd/zakaz-dashboard.service


class StuckRun:
    """A loader run that holds the gate and never looks at the stop (a statement that does not return)."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.window: tuple[datetime, datetime] | None = None

    def __call__(self, settings: Any, options: Any, **kwargs: Any) -> None:
        self.window = (options.since, options.until)
        self.entered.set()
        self.release.wait()


@pytest.fixture
def hooked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with world(tmp_path_factory.mktemp("shutdown"), orders=400) as w:
        yield w


def wait_until(what: str, done: Any, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.02)


def send(run: Running, order: dict[str, Any]) -> int:
    body = msgspec.json.encode(order)
    headers = {"X-Signature": sign(SECRET, body), "X-Event-Type": "payed", "X-Model-Name": "Order"}
    return httpx.post(run.hook_url, content=body, headers=headers, timeout=60).status_code


def test_stopping_in_the_worst_state_takes_under_10_s_and_the_next_run_completes(hooked: World) -> None:
    w = hooked
    stuck = StuckRun()

    def shape(service: Service) -> None:
        opened = service.open

        def open_with_a_stuck_run() -> None:
            opened()
            assert service.schedule is not None
            service.schedule.run = stuck
            service.schedule.first_delay_s = 0.0

        service.open = open_with_a_stuck_run  # type: ignore[method-assign]

    orders = [dict(w.sim.sell_now()) for _ in range(2)]
    with running_service(w, schedule=True, graceful_s=GRACEFUL_S, shape=shape) as run:
        service = run.service
        store, refresher = service.webhook_store, service.refresher
        assert store is not None and refresher is not None
        assert stuck.entered.wait(60), "the scheduled run did not start"
        assert send(run, orders[0]) == 200  # stored; its refresh now waits for the run to give the gate back
        assert not refresher.wait_idle(0.5)
        session = HeldSession(store.storage)
        store.storage = cast(Storage, session)
        session.hold.clear()
        with ThreadPoolExecutor(1) as pool:
            waiting = pool.submit(send, run, orders[1])  # its answer waits on a writer that hangs
            assert session.entered.wait(30)
            took = run.stop(timeout=60)
            try:
                answer: int | None = waiting.result(timeout=60)
            except httpx.HTTPError:
                answer = None  # the connection was cut at shutdown
        assert answer != 200  # not stored: QTickets retries it
        assert not run.thread.is_alive()
        assert took < 10.0, f"the service took {took:.1f} s to stop"
        assert took < TIMEOUT_STOP_S
        assert service.threads_left  # serve.py exits without waiting for them

        # the run in flight is recorded as interrupted, with its window
        assert stuck.window is not None
        rows = run.rows(
            "SELECT status, error, window_since, window_until FROM zakaz.meta_job_runs "
            "WHERE error LIKE 'interrupted%' ORDER BY finished_at DESC LIMIT 1"
        )
        assert rows, "the interrupted run is not in meta_job_runs"
        status, _, since, until = rows[0]
        assert status == "failed"
        assert (since.replace(tzinfo=None), until.replace(tzinfo=None)) == tuple(
            t.replace(tzinfo=None) for t in stuck.window
        )

        # let the stuck threads go (they belong to the stopped service), then the next scheduled run
        session.hold.set()
        stuck.release.set()
        schedule_of_the_service = service.schedule
        assert schedule_of_the_service is not None
        wait_until("the stuck run ended", lambda: not schedule_of_the_service.running)
        service.close()  # what the process's exit does in serve.py
        print(f"stopped in {took:.2f} s")
        # the runs that succeeded so far end here: the next run must start no later, and end past the interrupted one
        loaded_upto = run.rows("SELECT max(window_until) FROM zakaz.meta_job_runs WHERE status = 'success'")[0][0]
        with connect(w.settings) as storage:
            schedule = LoaderSchedule(w.settings, storage)
            asyncio.run(schedule.run_once())
            assert schedule.status.last_status == "success", schedule.status.last_error
        done = run.rows(
            "SELECT window_since, window_until FROM zakaz.meta_job_runs WHERE status = 'success' "
            "ORDER BY finished_at DESC LIMIT 1"
        )[0]
        assert done[0].replace(tzinfo=None) <= loaded_upto.replace(tzinfo=None)  # no gap
        assert done[1].replace(tzinfo=None) >= until.replace(tzinfo=None)
        assert facts_differences(run, w) == []
