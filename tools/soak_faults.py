"""The soak's faults of the house (beside the simulator's faults of the API and of webhook delivery): a loader
run stopped as SIGTERM stops it, in the middle of a catch-up; the run lease stolen from a run in flight by a
second claimant that forges its expiry and publishes; the webhook store's thread killed while it stores; webhook
callers that give up before they are answered. Each is what the service meets in production, injected through
the same seams (the run's HTTP transport, the lease's table, the store's session, the receiver's socket)."""

from __future__ import annotations

import contextlib
import random
import threading
from collections.abc import Sequence
from typing import Any

import httpx
import msgspec

from integrations.qtickets_api.service.stopping import StoppableTransport
from integrations.qtickets_api.storage import facts
from integrations.qtickets_api.storage.connection import Storage
from integrations.qtickets_api.storage.lease import Lease, who


class StopAfter(StoppableTransport):
    """The service's own transport of a loader run, whose stop (what SIGTERM sets) comes after ``requests``
    requests: the run in flight fails with ``ServiceStoppingError``, as it does when the service stops."""

    def __init__(self, requests: int) -> None:
        self.stopping = threading.Event()
        super().__init__(self.stopping)
        self._left = requests

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._left -= 1
        if self._left < 0:
            self.stopping.set()
        return super().handle_request(request)


class StealAfter(httpx.HTTPTransport):
    """A loader run's transport that, after ``requests`` requests, lets a thief take the run lease from under the
    run (``steal_lease``): the run must end ``lease_lost`` with nothing more published, and the next one repair."""

    def __init__(self, requests: int, storage: Storage, tz: str) -> None:
        super().__init__()
        self._left, self._storage, self._tz = requests, storage, tz
        self.stolen = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._left -= 1
        if self._left == 0:
            self.stolen = steal_lease(self._storage, self._tz)
        return super().handle_request(request)


def steal_lease(storage: Storage, tz: str) -> bool:
    """A second claimant forges the holder's expiry (a row saying its claim ran out a minute ago), claims the
    lease with the next generation and publishes what is staged so far, as another process would. False when no
    one held the lease."""
    thief_connection = storage.another()
    try:
        victim = who(thief_connection)
        if victim is None:
            return False
        thief_connection.command(
            f"INSERT INTO {thief_connection.db}.meta_run_lease "
            "(name, token, holder, claimed_at, expires_at, at, generation) "
            "SELECT name, token, holder, claimed_at, now64(6) - INTERVAL 1 MINUTE, now64(6), generation "
            f"FROM {thief_connection.db}.meta_run_lease WHERE token = {{t:String}} LIMIT 1",
            {"t": victim.token},
        )
        thief = Lease(thief_connection, trigger="soak-thief", renew=False)
        if not thief.try_acquire():
            raise RuntimeError("the forged expiry did not free the lease: the soak's fault is broken")
        try:
            facts.rebuild_sales(thief_connection, tz, fence=thief.check)
        finally:
            thief.release()
        return True
    finally:
        thief_connection.close()


class ThreadKilled(BaseException):
    """What nothing in the store catches: its thread ends, as a thread killed from outside would."""


class KillableSession:
    """The store's real session, except that once ``kill`` is set its next insert ends the writer thread."""

    def __init__(self, inner: Storage) -> None:
        self._inner = inner
        self.kill = threading.Event()
        self.kills = 0

    def arm(self) -> None:
        self.kill.set()

    def _gate(self) -> None:
        if self.kill.is_set():
            self.kill.clear()
            self.kills += 1
            raise ThreadKilled("the writer thread is killed")

    def insert(self, table: str, rows: Sequence[Sequence[Any]], columns: Sequence[str]) -> None:
        self._gate()
        self._inner.insert(table, rows, columns)

    def insert_lines(self, *args: Any, **kwargs: Any) -> Any:
        self._gate()
        return self._inner.insert_lines(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def abandon_callers(url: str, sign: Any, orders: Sequence[dict[str, Any]], rng: random.Random, count: int) -> int:
    """Post ``count`` orders as signed webhooks and hang up before the answer (a caller that times out or whose
    client is gone); the store must neither die nor lose what the real deliveries bring. Returns the posts made."""
    made = 0
    with httpx.Client(timeout=httpx.Timeout(0.005, connect=2.0)) as client:
        for order in rng.sample(list(orders), min(count, len(orders))):
            body = msgspec.json.encode(order)
            headers = {"Content-Type": "application/json", "X-Event-Type": "updated", "X-Model-Name": "Order",
                       "X-Signature": sign(body)}  # fmt: skip
            made += 1
            with contextlib.suppress(httpx.HTTPError):  # the point: nobody waits for the answer
                client.post(url, content=body, headers=headers)
    return made


__all__ = ["KillableSession", "StealAfter", "StopAfter", "ThreadKilled", "abandon_callers", "steal_lease"]
