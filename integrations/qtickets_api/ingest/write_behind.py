"""Writing a batch on a background thread while the next pages are transformed.

The embedded engine and the HTTP client both release the GIL while ClickHouse parses, compresses and
stores an insert, so that work overlaps with the Python work of the next pages on the other core.
One write at a time, in submission order, and at most one waiting behind the running one: memory
stays bounded (two batches), and a batch's baskets still land before its order rows. A write's error
reaches the caller at its next ``submit`` or at ``drain``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType


class WriteBehind:
    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clickhouse-write")
        self._running: Future[float] | None = None
        self.seconds_writing = 0.0  # time the writer thread spent in writes
        self.seconds_waiting = 0.0  # time the caller spent waiting for the writer

    def submit(self, write: Callable[[], None]) -> None:
        self._wait()

        def timed() -> float:
            started = time.perf_counter()
            write()
            return time.perf_counter() - started

        self._running = self._pool.submit(timed)

    def drain(self) -> None:
        self._wait()

    def _wait(self) -> None:
        if self._running is None:
            return
        started = time.perf_counter()
        running, self._running = self._running, None
        try:
            self.seconds_writing += running.result()
        finally:
            self.seconds_waiting += time.perf_counter() - started

    def __enter__(self) -> WriteBehind:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if exc is None:
                self._wait()
            elif self._running is not None:
                self._running.exception()  # let it finish; the error already propagating wins
        finally:
            self._pool.shutdown(wait=True)
