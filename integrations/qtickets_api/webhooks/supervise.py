"""A worker thread that is started again when it stops without being told to.

The webhook store and the refresher each run one loop on a daemon thread. A loop that ends on its own (an
exception nothing caught, a ``BaseException`` a library raised) would otherwise leave the service answering
requests that nobody serves. ``Supervised`` watches the thread: when it ends while not stopping, ``on_down`` runs
(the store answers every request it holds at once), the thread is started again after ``restart_s`` (doubling
while it keeps dying quickly, up to ``MAX_RESTART_S``), and ``up`` is False until then — ``/healthz`` answers 503
naming it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger("integrations.qtickets_api")

RESTART_S = 0.5
MAX_RESTART_S = 30.0
STABLE_S = 60.0  # a thread that lived this long starts again after RESTART_S


class Supervised:
    def __init__(
        self,
        name: str,
        target: Callable[[], None],
        *,
        on_down: Callable[[], None] | None = None,
        restart_s: float = RESTART_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.restarts = 0
        self.last_error = ""
        self._target = target
        self._on_down = on_down
        self._restart_s = restart_s
        self._clock = clock
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._up = threading.Event()
        self._lock = threading.Lock()
        self._start()
        self._supervisor = threading.Thread(target=self._supervise, name=f"{name}-supervisor", daemon=True)
        self._supervisor.start()

    @property
    def up(self) -> bool:
        """The worker runs (False from the moment it ends until it is started again, and once stopped)."""
        return self._up.is_set() and self._thread.is_alive()

    def wait_up(self, timeout: float | None = None) -> bool:
        """Until the worker runs again (tests)."""
        return self._up.wait(timeout)

    def wake(self) -> None:
        """Start the stopped worker now instead of after the restart delay."""
        self._wake.set()

    def stop(self, deadline: float) -> bool:
        """No more restarts; wait (until the ``clock`` reads ``deadline``) for the worker, which its owner has told
        to end. True when it ended in time."""
        self._stopping.set()
        self._wake.set()
        self._thread.join(max(0.0, deadline - self._clock()))
        self._supervisor.join(max(0.0, deadline - self._clock()))
        self._up.clear()
        return not self._thread.is_alive()

    def _start(self) -> None:
        with self._lock:  # a thread that ends at once clears `up` only after this
            self._started_at = self._clock()
            self._wake.clear()
            thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            thread.start()
            self._thread = thread
            self._up.set()

    def _run(self) -> None:
        try:
            self._target()
        except BaseException as exc:  # the thread ends either way; say why, the supervisor starts it again
            self.last_error = f"{exc.__class__.__name__}: {exc}"[:300]
            log.exception("The %s thread stopped", self.name)
        finally:
            with self._lock:  # before anyone can see the thread gone: wait_up waits for the restart
                self._up.clear()

    def _supervise(self) -> None:
        delay = self._restart_s
        while True:
            self._thread.join()
            if self._stopping.is_set():
                return
            self.restarts += 1
            if self._clock() - self._started_at >= STABLE_S or self.restarts == 1:
                delay = self._restart_s
            else:  # it keeps dying: wait longer each time
                delay = min(MAX_RESTART_S, delay * 2)
            log.error("The %s thread stopped (%s); starting it again in %.1f s", self.name,
                      self.last_error or "it returned", delay)  # fmt: skip
            if self._on_down is not None:
                try:
                    self._on_down()
                except Exception:
                    log.exception("Cleaning up after the %s thread failed", self.name)
            self._wake.wait(delay)
            if self._stopping.is_set():
                return
            self._start()
            log.warning("The %s thread runs again (restart %d)", self.name, self.restarts)
