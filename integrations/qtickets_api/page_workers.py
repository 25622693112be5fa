"""Encoding pages of orders on other cores when a window is big.

Decoding, scrubbing and encoding orders holds the GIL: on one core it was most of a backfill's time,
and with parallel fetching the network waited for it. So once a window turns out to be big (more
than ``INLINE_PAGES`` pages: a backfill, not a 15-minute run) the remaining pages go to worker
processes and come back in page order, a bounded number in flight so memory stays flat. The first
pages are encoded in process while the workers start; a 15-minute run never starts one.

Workers come from a fork server that has imported only ``encoded_orders`` and ``worker_process``: they
inherit neither the embedded engine, nor open sockets, nor the loader's threads, and fork from it in
milliseconds once it runs.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime

from .api_client import Record
from .encoded_orders import EncodedOrders, encode_orders
from .errors import WorkerFailed
from .worker_process import start_worker

log = logging.getLogger("integrations.qtickets_api")

INLINE_PAGES = 8  # pages encoded in process before the workers take over
MAX_AUTO_WORKERS = 4
PAGE_TIMEOUT_S = 120.0  # a page takes a worker well under a second; past this something is wrong, not slow


def default_workers() -> int:
    """One worker per core, at most ``MAX_AUTO_WORKERS``; none on one core (they would only compete)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return 0 if cores < 2 else min(cores, MAX_AUTO_WORKERS)


class PageEncoder:
    def __init__(self, *, run_id: str, loaded_at: datetime, sales_tz: str | None, workers: int) -> None:
        self.run_id = run_id
        self.loaded_at = loaded_at
        self.sales_tz = sales_tz
        self.workers = workers
        self.pages_in_workers = 0
        self.seconds_in_process = 0.0  # encoding done by the caller's thread

    def encode_all(self, pages: Iterable[list[Record]]) -> Iterator[EncodedOrders]:
        """Every page encoded, in the order given."""
        pages = iter(pages)
        for n, page in enumerate(pages, start=1):
            yield self._here(page)
            if n == INLINE_PAGES and self.workers > 0:
                following = next(pages, None)
                if following is not None:  # only a window with more pages is worth the workers
                    yield from self._in_workers(itertools.chain([following], pages))
                return

    def _in_workers(self, pages: Iterator[list[Record]]) -> Iterator[EncodedOrders]:
        try:
            context = multiprocessing.get_context("forkserver")  # ValueError where there is none (Windows)
            context.set_forkserver_preload([encode_orders.__module__, start_worker.__module__])
            pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=context, initializer=start_worker, initargs=(os.getpid(),)
            )
        except (OSError, NotImplementedError, ValueError) as exc:  # e.g. no POSIX semaphores (some containers)
            log.warning("Cannot start worker processes (%s): every page is encoded in the loader's process", exc)
            for page in pages:
                yield self._here(page)
            return
        log.debug("Window has more than %d pages: encoding the rest in %d worker processes", INLINE_PAGES, self.workers)
        in_flight: deque[Future[EncodedOrders]] = deque()
        finished = False
        try:
            for page in pages:
                in_flight.append(
                    pool.submit(
                        encode_orders, page, run_id=self.run_id, loaded_at=self.loaded_at, sales_tz=self.sales_tz
                    )
                )
                self.pages_in_workers += 1
                if len(in_flight) > self.workers * 2:
                    yield self._result(in_flight.popleft())
            while in_flight:
                yield self._result(in_flight.popleft())
            finished = True
        except BrokenProcessPool:  # from a result, or from submit once the pool knows
            raise _failed("a worker process encoding orders died (killed, or out of memory)") from None
        finally:
            if finished:
                pool.shutdown(wait=True)
            else:  # an error, here or in the caller: nothing the workers still do is wanted
                pool.shutdown(wait=False, cancel_futures=True)
                _stop_workers(pool)

    def _result(self, future: Future[EncodedOrders]) -> EncodedOrders:
        try:
            return future.result(timeout=PAGE_TIMEOUT_S)
        except TimeoutError:
            raise _failed(f"a worker process did not return its page of orders within {PAGE_TIMEOUT_S:.0f} s") from None

    def _here(self, page: list[Record]) -> EncodedOrders:
        started = time.perf_counter()
        encoded = encode_orders(page, run_id=self.run_id, loaded_at=self.loaded_at, sales_tz=self.sales_tz)
        self.seconds_in_process += time.perf_counter() - started
        return encoded


def _failed(what: str) -> WorkerFailed:
    return WorkerFailed(
        f"{what}; what was written before stays, the rest of the window was not loaded",
        "the next run fetches the window again; if it recurs, run with --workers 0",
    )


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    # ProcessPoolExecutor has no public way to stop its workers before Python 3.14 (terminate_workers)
    processes = getattr(pool, "_processes", None) or {}
    for process in list(processes.values()):
        if process.is_alive():
            process.terminate()
