"""After webhook orders are stored: rebuild the facts they touch, debounced, one rebuild at a time.

The refresher is told "orders of these shows changed" after each stored batch. It waits ``debounce_s`` from the
first such word, so that a burst becomes one rebuild, then, holding the in-process gate and the run lease:

- rebuilds the sales facts of every month a change since the last build touches (``facts.rebuild_sales``: the
  same rebuild a loader run ends with, by the latest version of every order, so a duplicate or an older state
  changes nothing);
- re-reads the seats of the touched shows that are live and swaps in their inventory rows.

The gate orders the refreshes with the scheduled loader run of this process (the run asks, the refresher lets it
go next); the run lease keeps a loader of another process (the systemd timer against a server) from rebuilding at
the same time. Changes that arrive during a rebuild wait for the next one, which follows at once.

The thread is supervised like the store's (``supervise.Supervised``: started again if it stops, the work it held
kept for the next rebuild), and ``close()`` is bounded: a wait for the run lease ends at once, a rebuild in
flight is left to the process's exit (the next start rebuilds what was stored and not yet rebuilt).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..api.client import QTicketsClient
from ..errors import ZakazError
from ..ingest.one_order import refresh_show_inventory
from ..storage import facts
from ..storage.connection import Storage
from ..storage.lease import Lease
from ..storage.run_gate import RunGate
from .supervise import RESTART_S, Supervised

log = logging.getLogger("integrations.qtickets_api")

DEBOUNCE_S = 0.25
LEASE_WAIT_S = 60.0
LEASE_POLL_S = 0.5
RETRY_S = 2.0
CLOSE_S = 3.0
THREAD = "zakaz-webhook-refresh"


@dataclass
class RefreshStats:
    refreshes: int = 0
    failures: int = 0
    months_rebuilt: int = 0
    shows_refreshed: int = 0
    last_seconds: float = 0.0
    max_seconds: float = 0.0


class Refresher:
    def __init__(
        self,
        storage: Storage,
        *,
        tz: str,
        gate: RunGate,
        seats_client: Callable[[], QTicketsClient] | None = None,
        debounce_s: float = DEBOUNCE_S,
        lease_wait_s: float = LEASE_WAIT_S,
        restart_s: float = RESTART_S,
    ) -> None:
        self.storage = storage
        self.tz = tz
        self.gate = gate
        self.debounce_s = debounce_s
        self.lease_wait_s = lease_wait_s
        self.stats = RefreshStats()
        self._make_client = seats_client
        self._client: QTicketsClient | None = None
        self._cond = threading.Condition()
        self._dirty = False
        self._first = 0.0
        self._shows: set[int] = set()
        self._stopping = False
        self._closed = threading.Event()
        self._held: set[int] | None = None  # the shows of the rebuild in flight
        self._idle = threading.Event()
        self._idle.set()
        self._worker = Supervised(THREAD, self._work, on_down=self._worker_down, restart_s=restart_s)

    @property
    def up(self) -> bool:
        return self._worker.up

    def notify(self, show_ids: Iterable[int] = ()) -> None:
        """Orders of these shows changed (none: only the facts need a look)."""
        with self._cond:
            if not self._dirty:
                self._dirty = True
                self._first = time.monotonic()
            self._shows.update(show_ids)
            self._idle.clear()
            self._cond.notify_all()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Until nothing is pending or being rebuilt (tests)."""
        return self._idle.wait(timeout)

    def close(self, timeout: float = CLOSE_S) -> bool:
        """Stop after the rebuild in flight, waiting at most ``timeout``; True when the thread ended in time."""
        with self._cond:
            self._stopping = True
            self._closed.set()
            self._cond.notify_all()
        ended = self._worker.stop(time.monotonic() + timeout)
        if not ended:
            log.warning("Stopped with a webhook refresh in flight; the next start rebuilds what it had to")
        if ended and self._client is not None:
            self._client.close()
            self._client = None
        return ended

    def _worker_down(self) -> None:
        """The thread stopped: what it was rebuilding is rebuilt by the next one."""
        with self._cond:
            held, self._held = self._held, None
            self._shows |= held or set()
            self._dirty, self._first = True, time.monotonic()
            self._idle.clear()

    def _acquire(self, lease: Lease) -> bool:
        """Like ``lease.acquire(lease_wait_s)``, but a close ends the wait at once."""
        deadline = time.monotonic() + self.lease_wait_s
        while not lease.try_acquire():
            if time.monotonic() >= deadline or self._closed.wait(LEASE_POLL_S):
                return False
        return True

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._dirty and not self._stopping:
                    self._idle.set()
                    self._cond.wait()
                if self._stopping:
                    return
                deadline = self._first + self.debounce_s
                while not self._stopping and (left := deadline - time.monotonic()) > 0:
                    self._cond.wait(left)
                if self._stopping:
                    return
                shows, self._shows, self._dirty = self._shows, set(), False
                self._held = shows
            done = self._refresh(shows)
            with self._cond:
                self._held = None
                if not done:  # keep the work for the next try
                    self._shows |= shows
                    if not self._dirty:
                        self._dirty, self._first = True, time.monotonic() + RETRY_S

    def _refresh(self, shows: set[int]) -> bool:
        started = time.monotonic()
        try:
            with self.gate.refresh():
                if self._closed.is_set():  # closed while waiting for the loader run: rebuild nothing more
                    return False
                lease = Lease(self.storage, trigger="webhooks", poll_s=LEASE_POLL_S)
                if not self._acquire(lease):
                    if self._closed.is_set():
                        return False
                    log.info("Webhook refresh waits: a loader run holds the run lease; trying again")
                    return False
                try:
                    build = facts.rebuild_sales(self.storage, self.tz, fence=lease.check)
                    refreshed = self._inventory(shows, lease)
                finally:
                    lease.release()
        except ZakazError as exc:
            self.stats.failures += 1
            log.error("Webhook refresh of the facts failed (the next one, or the next loader run, redoes it): %s", exc)
            return False
        except Exception:
            self.stats.failures += 1
            log.exception("Webhook refresh of the facts crashed")
            return False
        took = time.monotonic() - started
        stats = self.stats
        stats.refreshes += 1
        stats.months_rebuilt += len(build.months)
        stats.shows_refreshed += len(refreshed)
        stats.last_seconds, stats.max_seconds = took, max(stats.max_seconds, took)
        log.debug(
            "Webhook refresh: %d months rebuilt, inventory of %d shows, %.3f s", len(build.months), len(refreshed), took
        )
        return True

    def _inventory(self, shows: set[int], lease: Lease) -> list[int]:
        if not shows or self._make_client is None:
            return []
        if self._client is None:
            self._client = self._make_client()
        run_id = f"webhook-{uuid.uuid4().hex[:16]}"
        return refresh_show_inventory(self.storage, self._client, shows, run_id=run_id, fence=lease.check)
