"""The loader every 15 minutes inside the service: jittered, one run at a time (the run lease), catching up after
downtime, and never stopping the service when a run fails (the failure is in ``meta_job_runs``, which the
freshness banner reads).

A run is a blocking library call, so it runs on its own daemon thread; the event loop only waits for it. Stopping
sets an event that the run's HTTP transport checks before every request (``stopping``), waits a few seconds for the
run to record itself as failed, and otherwise records the interrupted run itself, so that SIGTERM never leaves a
run unaccounted for and the service is gone within 10 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .._version import __version__
from ..config import Settings
from ..errors import LeaseLostError, RunLockedError, ZakazError
from ..ingest import RunOptions, run_loader
from ..storage import Storage, job_runs
from ..storage.run_gate import RunGate
from .stopping import StoppableTransport
from .window import last_success_window_end, scheduled_window

log = logging.getLogger("integrations.qtickets_api")

INTERVAL_S = 15 * 60.0
JITTER_S = 60.0
FIRST_RUN_DELAY_S = 3.0
STOP_GRACE_S = 6.0  # how long a stop waits for the run in flight to record itself (the service passes less)
INTERRUPTED = "interrupted: the service stopped during this run; the next run loads its window again"


@dataclass
class RunStatus:
    """What the service knows of its scheduled runs (for its log and its tests)."""

    runs: int = 0
    failures: int = 0
    skipped: int = 0
    last_status: str = ""
    last_error: str = ""
    in_flight: tuple[datetime, datetime] | None = None

    def warnings(self) -> list[str]:
        """What ``/healthz`` says beside ok: a run that lost the run lease (the next run repairs it)."""
        if self.last_status == "lease_lost":
            return [f"the last scheduled loader run lost the run lease: {self.last_error}"]
        return []


@dataclass
class LoaderSchedule:
    settings: Settings
    storage: Storage
    interval_s: float = INTERVAL_S
    jitter_s: float = JITTER_S
    first_delay_s: float = FIRST_RUN_DELAY_S
    run: Callable[..., object] = run_loader
    status: RunStatus = field(default_factory=RunStatus)
    gate: RunGate | None = None  # shared with the webhook refresher: one writer of the facts at a time
    after_run: list[Callable[[], None]] = field(default_factory=list)  # called in the loop after every run

    def __post_init__(self) -> None:
        self._stopping = threading.Event()
        self._wake = asyncio.Event()
        self._thread: threading.Thread | None = None
        self._done: asyncio.Future[None] | None = None

    async def run_forever(self) -> None:
        delay = self.first_delay_s
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
            self._wake.clear()
            if self._stopping.is_set():
                return
            await self.run_once()
            for hook in self.after_run:
                try:
                    hook()
                except Exception:
                    log.exception("A hook after the scheduled loader run failed")
            delay = max(1.0, self.interval_s + random.uniform(-self.jitter_s, self.jitter_s))

    async def run_once(self) -> None:
        loop = asyncio.get_running_loop()
        self._done = loop.create_future()
        done = self._done

        def work() -> None:
            try:
                self._run_blocking()
            finally:
                with contextlib.suppress(RuntimeError):  # the loop is gone: the service stopped without this run
                    loop.call_soon_threadsafe(_resolve, done)

        self._thread = threading.Thread(target=work, name="zakaz-loader-run", daemon=True)
        self._thread.start()
        await asyncio.shield(done)

    def _run_blocking(self) -> None:
        try:
            since, until = scheduled_window(
                last_success_window_end(self.storage), look_back_hours=self.settings.since_hours
            )
            self.status.in_flight = (since, until)
            transport = StoppableTransport(self._stopping, max_connections=max(4, self.settings.api_concurrency * 2))
            with self.gate.loader() if self.gate is not None else contextlib.nullcontext():
                self._run_loader(since, until, transport)
            self.status.last_status, self.status.last_error = "success", ""
        except RunLockedError as exc:
            self.status.skipped += 1
            log.warning("Scheduled loader run skipped: %s", exc.one_line())
        except LeaseLostError as exc:  # the run said so in one line and left its repair to the next one
            self.status.failures += 1
            self.status.last_status, self.status.last_error = "lease_lost", exc.one_line()
        except ZakazError as exc:
            self._failed(exc.one_line())
        except Exception as exc:  # a bug in a run must not stop the service; the run recorded itself
            log.exception("Scheduled loader run crashed")
            self._failed(f"{exc.__class__.__name__}: {exc}")
        finally:
            self.status.runs += 1
            self.status.in_flight = None

    def _run_loader(self, since: datetime, until: datetime, transport: StoppableTransport) -> None:
        self.run(
            self.settings,
            RunOptions(
                since=since,
                until=until,
                concurrency=self.settings.api_concurrency,
                per_page=self.settings.api_per_page,
                trigger="service",  # the run lease is taken inside run_loader; a held one skips this run
            ),
            transport=transport,
            storage=self.storage,
        )

    def _failed(self, message: str) -> None:
        self.status.failures += 1
        self.status.last_status, self.status.last_error = "failed", message
        log.error("Scheduled loader run failed (the service goes on; the next run retries): %s", message)

    def wake(self) -> None:
        """Start a run now (tests)."""
        self._wake.set()

    def stopping(self) -> None:
        """Tell the run in flight to stop (at its next QTickets request) and schedule no more; ``stop`` waits."""
        self._stopping.set()
        self._wake.set()

    async def stop(
        self, record: Callable[[job_runs.RunRecord], None] | None = None, *, grace_s: float = STOP_GRACE_S
    ) -> bool:
        """Stop scheduling and interrupt the run in flight, waiting ``grace_s`` for it to record itself; True when
        no run was left behind unrecorded (otherwise it is recorded here, as interrupted)."""
        self.stopping()
        done, thread = self._done, self._thread
        if done is None or done.done() or thread is None or not thread.is_alive():
            return True
        window = self.status.in_flight
        try:
            await asyncio.wait_for(asyncio.shield(done), timeout=grace_s)
            return True
        except TimeoutError:
            pass
        # the run is inside a retry wait or a long statement: record it here, the daemon thread dies with us
        if window is not None and record is not None:
            now = datetime.now(UTC)
            record(
                job_runs.RunRecord(
                    run_id=uuid.uuid4().hex,
                    started_at=now,
                    window_since=window[0],
                    window_until=window[1],
                    org_name=self.settings.org_name,
                    loader_version=__version__,
                    finished_at=now,
                    status="failed",
                    error=INTERRUPTED,
                )
            )
        log.warning("Stopped with a loader run still in flight; it was recorded as interrupted (failed)")
        return False

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()


def _resolve(done: asyncio.Future[None]) -> None:
    if not done.done():
        done.set_result(None)


__all__ = ["INTERVAL_S", "LoaderSchedule", "RunStatus"]
