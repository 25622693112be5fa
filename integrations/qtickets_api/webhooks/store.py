"""Storing webhook orders before they are acknowledged: one writer thread, group commit.

Every request hands its body to the writer and waits; the writer takes everything that is waiting (up to
``MAX_BATCH``), stores it with one read and two inserts (``ingest.one_order.write_order_texts``: the loader's
own path, the allowlisted payload only), and only then answers each request. A burst therefore costs a few
inserts a second instead of one per delivery, and a request is answered 200 only after its order version is in
the staging tables (or was there already).

A caller may stop waiting at any moment (its timeout, the client gone, a cancelled task): its order is still
stored, and its answer is dropped (``_answer`` never sets a future that is done or cancelled), so an abandoned
caller never harms the writer. The writer thread is supervised (``supervise.Supervised``): if it stops, every
request it holds is answered with ``StoreUnavailable`` at once (503, QTickets retries), new ones too until it is
started again, and ``up`` is False meanwhile (``/healthz`` answers 503 naming it). ``close()`` returns within its
timeout (5 s) whatever state the writer is in.

The rows are stamped ``_loaded_at`` by this one thread, ascending, and never earlier than the fact rebuild's
watermark, so that a rebuild (``storage.facts.rebuild_sales``, by the refresher or by a loader run) that reads
its ``upto`` while a batch is being written cannot step over that batch.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..errors import ZakazError
from ..ingest.one_order import OrderOutcome, stamp_floor, write_order_texts
from ..storage.connection import Storage
from .supervise import RESTART_S, Supervised

log = logging.getLogger("integrations.qtickets_api")

MAX_BATCH = 500
FLOOR_EVERY_S = 1.0  # how often the fact rebuild's watermark is read again (it only matters if the clock steps back)
QUEUE_LIMIT = 5000  # deliveries waiting to be stored; past it a request is answered 503 (QTickets retries it)
CLOSE_S = 5.0
THREAD = "zakaz-webhook-store"


class StoreUnavailable(RuntimeError):
    """The writer is not running (restarting after it stopped, or closing): answered 503 at once."""


@dataclass
class StoreStats:
    batches: int = 0
    deliveries: int = 0
    new_versions: int = 0
    duplicates: int = 0
    rejected: int = 0
    failures: int = 0
    abandoned: int = 0  # stored, but the caller had stopped waiting
    dropped: int = 0  # answered StoreUnavailable because the writer was down or closing


_Item = tuple[bytes, "Future[OrderOutcome]"]


class WebhookStore:
    """``submit(body)`` → a future of the order's ``OrderOutcome`` once it is stored (or of the storage error)."""

    def __init__(
        self,
        storage: Storage,
        *,
        on_stored: Callable[[list[OrderOutcome]], None] | None = None,
        restart_s: float = RESTART_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.storage = storage
        self.stats = StoreStats()
        self._on_stored = on_stored
        self._clock = clock
        self._cond = threading.Condition()
        self._pending: deque[_Item] = deque()
        self._batch: list[_Item] = []  # being stored by the writer
        self._closing = False
        self._last_stamp: datetime | None = None
        self._floor: datetime | None = None
        self._floor_read = -FLOOR_EVERY_S
        self._writer = Supervised(THREAD, self._work, on_down=self._writer_down, restart_s=restart_s, clock=clock)

    @property
    def up(self) -> bool:
        """The writer thread runs and the store is not closing."""
        return self._writer.up and not self._closing

    @property
    def restarts(self) -> int:
        return self._writer.restarts

    def wait_up(self, timeout: float | None = None) -> bool:
        """Until the writer runs again after it stopped (tests)."""
        return self._writer.wait_up(timeout)

    def wake(self) -> None:
        """Start a stopped writer now rather than after the restart delay."""
        self._writer.wake()

    def submit(self, body: bytes) -> Future[OrderOutcome]:
        future: Future[OrderOutcome] = Future()
        with self._cond:
            if self._closing or not self._writer.up:
                self.stats.dropped += 1
                future.set_exception(StoreUnavailable("the webhook store is not running"))
            elif len(self._pending) >= QUEUE_LIMIT:
                future.set_exception(OverflowError("too many webhook deliveries waiting to be stored"))
            else:
                self._pending.append((body, future))
                self._cond.notify()
        return future

    def close(self, timeout: float = CLOSE_S) -> bool:
        """Store what is queued, then stop the thread; returns within ``timeout`` whatever the writer's state (what
        is still unanswered then gets ``StoreUnavailable``). True when the writer ended in time."""
        deadline = self._clock() + timeout
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        ended = self._writer.stop(deadline)
        if not ended:
            log.error("The webhook store did not finish within %.0f s (a statement hangs); leaving it", timeout)
        self._fail_held("the service is stopping")
        return ended

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._closing:
                    self._cond.wait()
                if not self._pending:
                    return  # closing, and everything queued is stored
                size = min(MAX_BATCH, len(self._pending))
                batch = [self._pending.popleft() for _ in range(size)]
                self._batch = batch
            self._store(batch)
            with self._cond:
                self._batch = []

    def _writer_down(self) -> None:
        """The writer thread stopped: answer what it held and what waits at once (503; QTickets retries)."""
        self._fail_held("the webhook store stopped; it is being started again")

    def _fail_held(self, why: str) -> None:
        with self._cond:
            held = [*self._batch, *self._pending]
            self._batch = []
            self._pending.clear()
        error = StoreUnavailable(why)
        for _, future in held:
            if _answer(future, exception=error):
                self.stats.dropped += 1

    def _stamp(self) -> datetime:
        now = datetime.now(UTC)
        if time.monotonic() - self._floor_read >= FLOOR_EVERY_S:
            self._floor, self._floor_read = stamp_floor(self.storage), time.monotonic()
        floor = self._floor
        candidates = [now]
        if floor is not None:
            candidates.append(floor)
        if self._last_stamp is not None:
            candidates.append(self._last_stamp + timedelta(microseconds=1))
        self._last_stamp = max(candidates)
        return self._last_stamp

    def _store(self, batch: list[tuple[bytes, Future[OrderOutcome]]]) -> None:
        try:
            written = write_order_texts(
                self.storage,
                [body for body, _ in batch],
                run_id=f"webhook-{uuid.uuid4().hex[:16]}",
                loaded_at=self._stamp(),
            )
        except ZakazError as exc:
            self.stats.failures += 1
            log.error("Could not store %d webhook deliveries (answered 503; QTickets retries): %s", len(batch), exc)
            for _, future in batch:
                _answer(future, exception=exc)
            return
        except Exception as exc:  # a bug must not kill the thread: every waiting request gets its answer
            self.stats.failures += 1
            log.exception("Storing webhook deliveries crashed")
            for _, future in batch:
                _answer(future, exception=exc)
            return
        stats = self.stats
        stats.batches += 1
        stats.deliveries += len(batch)
        for outcome in written.outcomes:
            if outcome.version is None:
                stats.rejected += 1
            elif outcome.stored:
                stats.new_versions += 1
            else:
                stats.duplicates += 1
        if self._on_stored is not None:
            try:
                self._on_stored(written.outcomes)
            except Exception:
                log.exception("Could not schedule the refresh after stored webhook deliveries")
        for (_, future), outcome in zip(batch, written.outcomes, strict=True):
            if not _answer(future, result=outcome):
                stats.abandoned += 1


def _answer(
    future: Future[OrderOutcome], *, result: OrderOutcome | None = None, exception: BaseException | None = None
) -> bool:
    """Set ``future`` unless its caller gave up (cancelled) or it is answered already; True when it was set."""
    if future.done():
        return False
    try:
        if exception is not None:
            future.set_exception(exception)
        else:
            future.set_result(result)  # type: ignore[arg-type]
    except InvalidStateError:  # cancelled between the check and the set
        return False
    return True
