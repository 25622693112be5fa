"""The soak's faults of the house (beside the simulator's faults of the API and of webhook delivery): a loader
run stopped as SIGTERM stops it, in the middle of a catch-up; the webhook store's thread killed while it stores;
webhook callers that give up before they are answered. Each is what the service meets in production, injected
through the same seams (the run's HTTP transport, the store's session, the receiver's socket)."""

from __future__ import annotations

import contextlib
import random
import threading
from collections.abc import Sequence
from typing import Any

import httpx
import msgspec

from integrations.qtickets_api.service.stopping import StoppableTransport
from integrations.qtickets_api.storage.connection import Storage


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


__all__ = ["KillableSession", "StopAfter", "ThreadKilled", "abandon_callers"]
