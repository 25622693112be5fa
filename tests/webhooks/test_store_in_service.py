"""The webhook store inside the running service: receivers that give up while it is busy, then its writer thread
killed. The service answers 503 at once while the writer is down and ``/healthz`` names it; once it runs again a
new webhook lands, and the facts equal the simulator's truth. The only fault injected is the store's session
holding (or killing) the writer at its next insert (``HeldSession``), released by the test."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

import httpx
import msgspec
import pytest

from integrations.qtickets_api.domain import decode_order
from integrations.qtickets_api.storage import Storage
from integrations.qtickets_api.webhooks import sign
from tests.webhooks.support import SECRET, HeldSession, Running, World, facts_differences, running_service, world


@pytest.fixture(scope="module")
def hooked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, Running]]:
    with (
        world(tmp_path_factory.mktemp("store-in-service"), orders=400) as w,
        running_service(w, restart_s=3600.0) as run,  # down until the test wakes it
    ):
        yield w, run


def send(run: Running, order: dict[str, Any], *, timeout: float = 30) -> int:
    body = msgspec.json.encode(order)
    headers = {"X-Signature": sign(SECRET, body), "X-Event-Type": "payed", "X-Model-Name": "Order"}
    return httpx.post(run.hook_url, content=body, headers=headers, timeout=timeout).status_code


def wait_until(what: str, done: Any, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.02)


def test_receivers_giving_up_and_a_killed_store_thread_lose_nothing(hooked: tuple[World, Running]) -> None:
    w, run = hooked
    store, receiver = run.service.webhook_store, run.service.receiver
    assert store is not None
    session = HeldSession(store.storage)
    store.storage = cast(Storage, session)
    receiver.store_timeout_s = 0.2  # the receiver gives up on a busy store after 0.2 s (25 s in the service)
    orders = [dict(w.sim.sell_now()) for _ in range(4)]
    assert httpx.get(run.base_url + "/healthz").status_code == 200
    refused = receiver.stats.answers[503]

    # 1. the store is busy: one receiver times out, one client goes away before its answer
    session.hold.clear()
    with ThreadPoolExecutor(2) as pool:
        timed_out = pool.submit(send, run, orders[0])
        gone = pool.submit(send, run, orders[1], timeout=0.1)
        assert timed_out.result(timeout=30) == 503
        with pytest.raises(httpx.ReadTimeout):
            gone.result(timeout=30)
        wait_until("both receivers gave up", lambda: receiver.stats.answers[503] == refused + 2)
    session.hold.set()  # the writer now answers two callers that are gone
    wait_until("the writer stored what it held", lambda: store.stats.abandoned == 2)
    assert store.up and store.restarts == 0
    assert [send(run, o) for o in orders[:2]] == [200, 200]  # QTickets retries: a duplicate, answered 200

    # 2. the writer thread is killed while storing the next delivery; a receiver that waited for a store that is
    # down would now wait an hour, and the client (30 s) would time out
    receiver.store_timeout_s = 3600.0
    session.kill.set()
    assert send(run, orders[2]) == 503  # answered when the thread died
    health = httpx.get(run.base_url + "/healthz")
    assert health.status_code == 503 and "webhook store" in health.text, health.text
    assert send(run, orders[3]) == 503  # answered at once: the store is down

    # 3. started again: the retries land, /healthz is ok, the facts equal the truth
    receiver.store_timeout_s = 25.0
    store.wake()
    assert store.wait_up(30)
    assert store.restarts == 1
    assert httpx.get(run.base_url + "/healthz").status_code == 200
    assert [send(run, o) for o in orders[2:]] == [200, 200]
    staged = {
        int(r[0]): int(r[1])
        for r in run.rows("SELECT order_id, max(version) FROM zakaz.stg_qtickets_api_orders_raw GROUP BY order_id")
    }
    for order in orders:
        assert staged.get(order["id"]) == decode_order(msgspec.json.encode(order)).version
    run.settle()
    assert facts_differences(run, w) == []
