"""The one process: opens ClickHouse once, brings the schema and the BI views up to date, serves the dashboard
and (unless ``--no-schedule``) runs the loader every 15 minutes, all in one asyncio loop under uvicorn; with
``QTICKETS_WEBHOOK_SECRET`` set it also receives QTickets webhooks (``webhooks``).

On the embedded engine this process is the only one that may hold the data directory, so it holds the writer
session the loader uses and, beside it, the read-only sessions of the dashboard. Against a server with
``--no-schedule`` and no webhooks it opens no writer at all: the systemd timer's loader owns the schema, the
dashboard only reads. Webhooks write (their own sessions: one that stores, one that rebuilds the facts), and the
rebuilds take turns with the scheduled run (``RunGate``) and with any other loader (the run lease).

``/healthz`` answers 503 naming what is down while a supervised webhook thread (the store's writer, the
refresher) is being started again, and the dashboard's ``ok`` otherwise. Stopping is bounded: the loader run in
flight is told to stop first, then the webhooks are closed side by side (the store within ``STORE_CLOSE_S``, the
refresher within ``REFRESH_CLOSE_S``), then the run gets what is left of ``STOP_BUDGET_S`` to record itself (or is
recorded as interrupted here); with uvicorn's 2 s for open connections the process is gone within 10 s.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route

from ..api.client import QTicketsClient
from ..api.retry import RetryPolicy
from ..config import Settings, read_env_sources
from ..dashboard.app import create_app
from ..ingest.one_order import OrderOutcome
from ..storage import Storage, connect, job_runs, migrations, service_endpoint
from ..storage.run_gate import RunGate
from ..webhooks import Receiver, Refresher, WebhookStore
from . import ad_schedule, notify_schedule
from .options import ServiceOptions
from .readers import ReaderPool
from .schedule import LoaderSchedule
from .sql_route import SqlRoute

log = logging.getLogger("integrations.qtickets_api")

STOP_BUDGET_S = 6.0  # the lifespan's shutdown, after uvicorn's GRACEFUL_S (2 s) for open connections
STORE_CLOSE_S = 3.0
REFRESH_CLOSE_S = 2.0
RECORD_S = 0.5  # kept back for recording an interrupted run


@dataclass
class Service:
    settings: Settings
    options: ServiceOptions
    writer: Storage | None = None
    readers: ReaderPool | None = None
    schedule: LoaderSchedule | None = None
    gate: RunGate = field(default_factory=RunGate)
    webhook_store: WebhookStore | None = None
    refresher: Refresher | None = None
    ad_status: ad_schedule.AdStatus = field(default_factory=ad_schedule.AdStatus)

    def __post_init__(self) -> None:
        hooks = self.options.webhooks
        self.receiver = Receiver(secret=hooks.secret, max_bytes=hooks.max_bytes)
        self._hook_sessions: list[Storage] = []
        self.threads_left = False  # a thread of ours did not end in time: the process exits without waiting

    def open(self) -> None:
        """Blocking: connect, migrate, install the views, open the readers (and the webhooks' sessions)."""
        hooks = self.options.webhooks
        needs_writer = self.options.schedule or self.settings.uses_embedded_clickhouse or hooks.enabled
        if needs_writer:
            self.writer = connect(self.settings)
            migrations.migrate(self.writer, self.settings.tz)
        try:
            self.readers = ReaderPool(self.settings.clickhouse, credentials=self.options.reader)
        except Exception:
            self.close()
            raise
        if self.options.schedule and self.writer is not None:
            self.schedule = LoaderSchedule(self.settings, self.writer, gate=self.gate)
        if hooks.enabled and self.writer is not None:
            try:
                self._open_webhooks(self.writer)
            except Exception:
                self.close()
                raise

    def _open_webhooks(self, writer: Storage) -> None:
        hooks = self.options.webhooks
        refresh_session, store_session = writer.another(), writer.another()
        self._hook_sessions += [refresh_session, store_session]
        refresher = Refresher(
            refresh_session,
            tz=self.settings.tz,
            gate=self.gate,
            seats_client=self._seats_client if hooks.inventory else None,
            debounce_s=hooks.debounce_s,
            restart_s=hooks.restart_s,
        )
        self.refresher = refresher

        def stored(outcomes: list[OrderOutcome]) -> None:
            new = [outcome for outcome in outcomes if outcome.stored]
            if new:
                refresher.notify(show_id for outcome in new for show_id in outcome.show_ids)

        self.webhook_store = WebhookStore(store_session, on_stored=stored, restart_s=hooks.restart_s)
        refresher.notify()  # what a stopped process stored but did not rebuild yet
        self.receiver.store = self.webhook_store

    def _seats_client(self) -> QTicketsClient:
        settings = self.settings
        return QTicketsClient(
            settings.api_base_url,
            settings.api_token,
            timeout_s=min(settings.api_timeout_s, 20.0),
            retry=RetryPolicy(max_attempts=2, budget_s=20.0, initial_s=settings.api_backoff_s),
        )

    def down(self) -> list[str]:
        """What of this service is not running now (``/healthz`` answers 503 naming it)."""
        out = []
        if self.webhook_store is not None and not self.webhook_store.up:
            out.append("webhook store")
        if self.refresher is not None and not self.refresher.up:
            out.append("webhook refresher")
        return out

    def close_webhooks(self) -> None:
        """Store what is queued, finish the refresh in flight, close their sessions: within STORE_CLOSE_S (they
        close side by side) whatever they are doing (a thread still in a statement is left to the process's exit)."""
        self.receiver.store = None
        refresher, self.refresher = self.refresher, None
        refresher_ended: list[bool] = []
        closing = None
        if refresher is not None:  # both close at once: the longer of the two bounds this
            closing = threading.Thread(
                target=lambda: refresher_ended.append(refresher.close(REFRESH_CLOSE_S)), name="zakaz-close", daemon=True
            )
            closing.start()
        ended = True
        if self.webhook_store is not None:
            ended = self.webhook_store.close(STORE_CLOSE_S)
            self.webhook_store = None
        if closing is not None:
            closing.join(REFRESH_CLOSE_S + 0.5)
            ended = ended and refresher_ended == [True]
        if not ended:
            self.threads_left = True  # their sessions are in use: closing them could block
            self._hook_sessions.clear()
        for session in self._hook_sessions:
            session.close()
        self._hook_sessions.clear()

    def close(self) -> None:
        self.close_webhooks()
        if self.readers is not None:
            self.readers.close()
            self.readers = None
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def record(self, run: job_runs.RunRecord) -> None:
        if self.writer is not None:
            try:
                job_runs.record(self.writer, run)
            except Exception as exc:  # the store may be what failed; the log still says it
                log.error("Could not record the interrupted run in meta_job_runs: %s", exc)


def build_app(service: Service) -> Starlette:
    """The Starlette app whose lifespan opens and closes the service around serving."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await run_in_threadpool(service.open)
        assert service.readers is not None
        board.reader = service.readers
        if sql_route is not None:  # `sql` goes through this process while it holds the data directory
            sql_route.readers = service.readers
            sql_route.publish()
        task = None
        if service.schedule is not None:
            task = asyncio.create_task(service.schedule.run_forever(), name="zakaz-loader-schedule")
            log.info("Loader scheduled every %.0f minutes in this process", service.schedule.interval_s / 60)
        notify = notify_schedule.start(service)
        ads = ad_schedule.start(
            service.writer, read_env_sources(service.settings.envfile), service.settings, service.ad_status
        )
        hooks = service.options.webhooks
        if hooks.enabled:
            log.info("Webhooks received at POST %s (secret %s)", hooks.path, hooks.secret_fingerprint)
        else:
            log.warning("QTICKETS_WEBHOOK_SECRET is not set: webhooks are off (POST %s answers 404)", hooks.path)
        host = service.options.host
        log.info(
            "Dashboard at http://%s:%d/ (%s)",
            # on every interface: a URL one can open on this machine (the others are its own addresses)
            "127.0.0.1" if host in ("0.0.0.0", "::", "") else host,  # noqa: S104 - compared, not bound
            service.options.port,
            "password required" if service.options.password else "no password: loopback only",
        )
        try:
            yield
        finally:
            started = time.monotonic()
            if sql_route is not None:
                sql_route.withdraw()
            if service.schedule is not None:
                service.schedule.stopping()  # the run in flight stops at its next request meanwhile
            notify_schedule.stop(notify)
            ad_schedule.stop(ads)
            await run_in_threadpool(service.close_webhooks)
            if service.schedule is not None:
                left = STOP_BUDGET_S - RECORD_S - (time.monotonic() - started)
                await service.schedule.stop(record=service.record, grace_s=max(0.5, left))
            if task is not None:
                task.cancel()
            if service.schedule is not None and service.schedule.running:
                service.threads_left = True
            if not service.threads_left:
                await run_in_threadpool(service.close)
            log.info("Service stopped in %.1f s", time.monotonic() - started)

    sql_route = None
    if service.settings.uses_embedded_clickhouse:
        sql_route = SqlRoute(service.settings.clickhouse.data_dir.resolve(), service.options.port)
    dashboard = create_app(
        _Pending(service.settings.clickhouse_db),
        org_name=service.settings.org_name,
        password=service.options.password or None,
        user=service.options.user,
    )
    board = dashboard.state.dashboard

    async def health(request: Request) -> Response:
        down = service.down()
        if down:
            return PlainTextResponse(f"down: {', '.join(down)} (being started again)\n", status_code=503,
                                     headers={"Cache-Control": "no-store"})  # fmt: skip
        answer: Response = await board.health(request)
        warnings = service.ad_status.failed()
        if service.schedule is not None:
            warnings += service.schedule.status.warnings()
        # up, but a source's spend is not current or a run lost the lease: said, not hidden
        if warnings and answer.status_code == 200:
            lines = "".join(f"warning: {line}\n" for line in warnings)
            return PlainTextResponse(f"ok\n{lines}", headers={"Cache-Control": "no-store"})
        return answer

    # The webhook path sits outside the dashboard's basic auth: QTickets signs its requests instead of logging in.
    # Every method reaches the receiver (it answers 405 itself), with or without a trailing slash (no redirect:
    # a sender does not follow one with its POST).
    hook_path = service.options.webhooks.path.rstrip("/") or "/"
    hook_routes = [Route(hook_path, service.receiver, methods=None)]
    if hook_path != "/":
        hook_routes.append(Route(hook_path + "/", service.receiver, methods=None))
    # /healthz is answered here, before the dashboard's basic auth (it stays open, as the dashboard's own is)
    own = [Route(service_endpoint.PATH, sql_route.answer, methods=["POST"])] if sql_route is not None else []
    app = Starlette(routes=[*hook_routes, *own, Route("/healthz", health), Mount("", app=dashboard)], lifespan=lifespan)
    app.state.dashboard = board
    return app


class _Pending:
    """The reader until the lifespan has opened ClickHouse (no request is served before that)."""

    def __init__(self, db: str) -> None:
        self.db = db

    def rows(self, sql: str, parameters: Mapping[str, Any] | None = None) -> list[Sequence[Any]]:
        raise RuntimeError("the service has not opened ClickHouse yet")
