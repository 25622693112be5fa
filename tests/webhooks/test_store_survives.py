"""The webhook store survives its callers and its own thread: callers that give up while it is busy, a writer
thread that is killed, and ``close()`` in any state. Real ClickHouse (embedded); the only fault injected is a
session that holds (or kills) the writer at its next insert, released by the test through events."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from typing import Any, cast

import msgspec
import pytest

from integrations.qtickets_api import Settings
from integrations.qtickets_api.domain import decode_order
from integrations.qtickets_api.storage import Storage, connect, migrations
from integrations.qtickets_api.webhooks import StoreUnavailable, WebhookStore
from tests.webhooks.support import HeldSession


@pytest.fixture
def storage(settings: Settings) -> Iterator[Storage]:
    with connect(settings) as s:
        migrations.migrate(s, settings.tz)
        yield s


@pytest.fixture
def bodies(sim: Any) -> list[bytes]:
    """Well-formed orders of the simulator, one body each."""
    out = []
    for order in sim.orders():
        body = msgspec.json.encode(order)
        try:
            decode_order(body)
        except Exception:  # a malformed order of the history is a reject, not what is tested here
            continue
        out.append(body)
        if len(out) == 40:
            break
    return out


def truth(bodies: Sequence[bytes]) -> dict[int, int]:
    out: dict[int, int] = {}
    for body in bodies:
        order = decode_order(body)
        out[order.id] = max(out.get(order.id, 0), order.version)
    return out


def staged(storage: Storage) -> dict[int, int]:
    rows = storage.rows("SELECT order_id, max(version) FROM zakaz.stg_qtickets_api_orders_raw GROUP BY order_id")
    return {int(r[0]): int(r[1]) for r in rows}


def held_store(storage: Storage, **kwargs: Any) -> tuple[WebhookStore, HeldSession]:
    session = HeldSession(storage.another())
    return WebhookStore(cast(Storage, session), **kwargs), session


def test_callers_that_time_out_or_go_away_while_the_store_is_busy_never_harm_it(
    storage: Storage, bodies: list[bytes]
) -> None:
    store, session = held_store(storage)
    try:
        session.hold.clear()
        first = store.submit(bodies[0])
        assert session.entered.wait(30), "the writer never reached its insert"

        async def callers() -> list[str]:
            async def timing_out(body: bytes) -> str:
                try:
                    await asyncio.wait_for(asyncio.wrap_future(store.submit(body)), 0.01)
                except TimeoutError:
                    return "timed out"
                return "answered"

            async def waiting(body: bytes) -> str:
                await asyncio.wrap_future(store.submit(body))
                return "answered"

            timeouts = [asyncio.create_task(timing_out(b)) for b in bodies[1:6]]
            gone = [asyncio.create_task(waiting(b)) for b in bodies[6:11]]
            in_flight = asyncio.wrap_future(first)
            await asyncio.sleep(0)  # every task is waiting on its future now
            for task in gone:
                task.cancel()  # the client went away: the server cancels its request
            in_flight.cancel()  # the caller of the batch being written gives up too
            results = await asyncio.gather(*timeouts, *gone, return_exceptions=True)
            return ["cancelled" if isinstance(r, asyncio.CancelledError) else str(r) for r in results]

        assert asyncio.run(callers()) == ["timed out"] * 5 + ["cancelled"] * 5
        assert first.cancelled()
        session.hold.set()  # the writer now answers eleven callers that are gone
        later = [store.submit(b) for b in bodies[11:20]]
        outcomes = [f.result(timeout=30) for f in later]
        assert all(o.version is not None for o in outcomes)
        assert store.up and store.restarts == 0
        assert store.stats.abandoned == 11
        assert staged(storage) == truth(bodies[:20])  # the abandoned ones are stored too: nothing lost
    finally:
        session.hold.set()
        assert store.close()


def test_a_killed_writer_answers_503_at_once_is_started_again_and_the_next_webhook_lands(
    storage: Storage, bodies: list[bytes]
) -> None:
    store, session = held_store(storage, restart_s=3600.0)  # down until the test wakes it
    try:
        assert store.submit(bodies[0]).result(timeout=30).stored
        session.hold.clear()
        session.entered.clear()
        session.kill.set()
        doomed = store.submit(bodies[1])
        with pytest.raises(StoreUnavailable):  # answered when the thread died, not after a timeout
            doomed.result(timeout=30)
        assert not store.up
        meanwhile = store.submit(bodies[2])
        assert meanwhile.done(), "a request while the writer is down must be answered at once"
        with pytest.raises(StoreUnavailable):
            meanwhile.result(timeout=0)
        session.hold.set()
        store.wake()
        assert store.wait_up(30) and store.up
        assert store.restarts == 1
        again = [store.submit(b) for b in bodies[1:10]]  # QTickets retries the two, and more arrive
        assert all(f.result(timeout=30).version is not None for f in again)
        assert staged(storage) == truth(bodies[:10])
    finally:
        session.hold.set()
        assert store.close()


def test_a_writer_killed_again_and_again_keeps_being_started(storage: Storage, bodies: list[bytes]) -> None:
    store, session = held_store(storage, restart_s=0.01)
    try:
        for n, body in enumerate(bodies[:3], start=1):
            session.kill.set()
            with pytest.raises(StoreUnavailable):
                store.submit(body).result(timeout=30)
            store.wake()
            assert store.wait_up(30)
            assert store.restarts == n
        assert all(store.submit(b).result(timeout=30).version is not None for b in bodies[:3])
        assert staged(storage) == truth(bodies[:3])
    finally:
        assert store.close()


@pytest.mark.parametrize("state", ["writer hangs in an insert", "writer killed, restart pending", "idle"])
def test_close_returns_within_its_timeout_whatever_the_state(storage: Storage, bodies: list[bytes], state: str) -> None:
    store, session = held_store(storage, restart_s=3600.0)
    waiting: list[Future[Any]] = []
    if state == "writer hangs in an insert":
        session.hold.clear()
        waiting = [store.submit(b) for b in bodies[:5]]
        assert session.entered.wait(30)
    elif state == "writer killed, restart pending":
        session.kill.set()
        with pytest.raises(StoreUnavailable):
            store.submit(bodies[0]).result(timeout=30)
    started = time.monotonic()
    ended = store.close(timeout=0.5)
    took = time.monotonic() - started
    session.hold.set()
    assert took < 3.0, f"close took {took:.1f} s"
    assert ended is (state != "writer hangs in an insert")
    for future in waiting:  # nobody is left waiting for a writer that is gone
        assert future.done()
        assert isinstance(future.exception(timeout=0), StoreUnavailable)
    with pytest.raises(StoreUnavailable):
        store.submit(bodies[-1]).result(timeout=0)


def test_close_stores_what_is_queued(storage: Storage, bodies: list[bytes]) -> None:
    store, session = held_store(storage)
    session.hold.clear()
    futures = [store.submit(b) for b in bodies]
    assert session.entered.wait(30)
    session.hold.set()
    assert store.close(timeout=30)
    assert all(f.result(timeout=0).version is not None for f in futures)
    assert staged(storage) == truth(bodies)
