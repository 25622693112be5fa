"""Storing webhook orders before they are acknowledged: one writer thread, group commit.

Every request hands its body to the writer and waits; the writer takes everything that is waiting (up to
``MAX_BATCH``), stores it with one read and two inserts (``ingest.one_order.write_order_texts``: the loader's
own path, the allowlisted payload only), and only then answers each request. A burst therefore costs a few
inserts a second instead of one per delivery, and a request is answered 200 only after its order version is in
the staging tables (or was there already).

The rows are stamped ``_loaded_at`` by this one thread, ascending, and never earlier than the fact rebuild's
watermark, so that a rebuild (``storage.facts.rebuild_sales``, by the refresher or by a loader run) that reads
its ``upto`` while a batch is being written cannot step over that batch.
"""

from __future__ import annotations

import logging
import queue
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..errors import ZakazError
from ..ingest.one_order import OrderOutcome, stamp_floor, write_order_texts
from ..storage.connection import Storage

log = logging.getLogger("integrations.qtickets_api")

MAX_BATCH = 500
QUEUE_LIMIT = 5000  # deliveries waiting to be stored; past it a request is answered 503 (QTickets retries it)


@dataclass
class StoreStats:
    batches: int = 0
    deliveries: int = 0
    new_versions: int = 0
    duplicates: int = 0
    rejected: int = 0
    failures: int = 0


class WebhookStore:
    """``submit(body)`` → a future of the order's ``OrderOutcome`` once it is stored (or of the storage error)."""

    def __init__(self, storage: Storage, *, on_stored: Callable[[list[OrderOutcome]], None] | None = None) -> None:
        self.storage = storage
        self.stats = StoreStats()
        self._on_stored = on_stored
        self._queue: queue.Queue[tuple[bytes, Future[OrderOutcome]] | None] = queue.Queue(QUEUE_LIMIT)
        self._last_stamp: datetime | None = None
        self._thread = threading.Thread(target=self._work, name="zakaz-webhook-store", daemon=True)
        self._thread.start()

    def submit(self, body: bytes) -> Future[OrderOutcome]:
        future: Future[OrderOutcome] = Future()
        try:
            self._queue.put_nowait((body, future))
        except queue.Full:
            future.set_exception(OverflowError("too many webhook deliveries waiting to be stored"))
        return future

    def close(self) -> None:
        """Store what is queued, then stop the thread."""
        self._queue.put(None)
        self._thread.join(timeout=5)

    def _work(self) -> None:
        stopping = False
        while not stopping:
            item = self._queue.get()
            if item is None:
                break
            batch = [item]
            while len(batch) < MAX_BATCH:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                    break
                batch.append(more)
            self._store(batch)

    def _stamp(self) -> datetime:
        now = datetime.now(UTC)
        floor = stamp_floor(self.storage)
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
                future.set_exception(exc)
            return
        except Exception as exc:  # a bug must not kill the thread: every waiting request gets its answer
            self.stats.failures += 1
            log.exception("Storing webhook deliveries crashed")
            for _, future in batch:
                future.set_exception(exc)
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
            future.set_result(outcome)
