"""One writer of the facts at a time inside a process: the scheduled loader run and the webhook refresher ask here
before they rebuild (across processes the run lease, :mod:`.lease`, does the same)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class RunGate:
    """One writer of the facts at a time inside this process; a loader run that asks goes before the next
    refresh (refreshes come back-to-back during a burst and would otherwise keep it waiting)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._busy = False
        self._loaders_waiting = 0

    @contextmanager
    def loader(self) -> Iterator[None]:
        with self._cond:
            self._loaders_waiting += 1
            try:
                self._cond.wait_for(lambda: not self._busy)
            finally:
                self._loaders_waiting -= 1
            self._busy = True
        yield from self._held()

    @contextmanager
    def refresh(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._busy and not self._loaders_waiting)
            self._busy = True
        yield from self._held()

    def _held(self) -> Iterator[None]:
        try:
            yield
        finally:
            with self._cond:
                self._busy = False
                self._cond.notify_all()


__all__ = ["RunGate"]
