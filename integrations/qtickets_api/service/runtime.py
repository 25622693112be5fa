"""The one process: opens ClickHouse once, brings the schema and the BI views up to date, serves the dashboard
and (unless ``--no-schedule``) runs the loader every 15 minutes, all in one asyncio loop under uvicorn; with
``QTICKETS_WEBHOOK_SECRET`` set it also receives QTickets webhooks (``webhooks``).

On the embedded engine this process is the only one that may hold the data directory, so it holds the writer
session the loader uses and, beside it, the read-only sessions of the dashboard. Against a server with
``--no-schedule`` and no webhooks it opens no writer at all: the systemd timer's loader owns the schema, the
dashboard only reads. Webhooks write (their own sessions: one that stores, one that rebuilds the facts), and the
rebuilds take turns with the scheduled run (``RunGate``) and with any other loader (the run lease).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.routing import Mount, Route

from ..api.client import QTicketsClient
from ..api.retry import RetryPolicy
from ..config import Settings
from ..dashboard.app import create_app
from ..ingest.one_order import OrderOutcome
from ..storage import Storage, connect, job_runs, migrations
from ..storage.run_gate import RunGate
from ..webhooks import Receiver, Refresher, WebhookStore
from . import notify_schedule
from .options import ServiceOptions
from .readers import ReaderPool
from .schedule import LoaderSchedule

log = logging.getLogger("integrations.qtickets_api")


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

    def __post_init__(self) -> None:
        hooks = self.options.webhooks
        self.receiver = Receiver(secret=hooks.secret, max_bytes=hooks.max_bytes)
        self._hook_sessions: list[Storage] = []

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
        )
        self.refresher = refresher

        def stored(outcomes: list[OrderOutcome]) -> None:
            new = [outcome for outcome in outcomes if outcome.stored]
            if new:
                refresher.notify(show_id for outcome in new for show_id in outcome.show_ids)

        self.webhook_store = WebhookStore(store_session, on_stored=stored)
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

    def close_webhooks(self) -> None:
        """Store what is queued, finish the refresh in flight, close their sessions."""
        self.receiver.store = None
        if self.webhook_store is not None:
            self.webhook_store.close()
            self.webhook_store = None
        if self.refresher is not None:
            self.refresher.close()
            self.refresher = None
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
        task = None
        if service.schedule is not None:
            task = asyncio.create_task(service.schedule.run_forever(), name="zakaz-loader-schedule")
            log.info("Loader scheduled every %.0f minutes in this process", service.schedule.interval_s / 60)
        notify = notify_schedule.start(service)
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
            notify_schedule.stop(notify)
            await run_in_threadpool(service.close_webhooks)
            if service.schedule is not None:
                await service.schedule.stop(record=service.record)
            if task is not None:
                task.cancel()
            if service.schedule is None or not service.schedule.running:
                await run_in_threadpool(service.close)
            log.info("Service stopped")

    dashboard = create_app(
        _Pending(service.settings.clickhouse_db),
        org_name=service.settings.org_name,
        password=service.options.password or None,
        user=service.options.user,
    )
    board = dashboard.state.dashboard
    # The webhook path sits outside the dashboard's basic auth: QTickets signs its requests instead of logging in.
    # Every method reaches the receiver (it answers 405 itself), with or without a trailing slash (no redirect:
    # a sender does not follow one with its POST).
    hook_path = service.options.webhooks.path.rstrip("/") or "/"
    hook_routes = [Route(hook_path, service.receiver, methods=None)]
    if hook_path != "/":
        hook_routes.append(Route(hook_path + "/", service.receiver, methods=None))
    app = Starlette(routes=[*hook_routes, Mount("", app=dashboard)], lifespan=lifespan)
    app.state.dashboard = board
    return app


class _Pending:
    """The reader until the lifespan has opened ClickHouse (no request is served before that)."""

    def __init__(self, db: str) -> None:
        self.db = db

    def rows(self, sql: str, parameters: Mapping[str, Any] | None = None) -> list[Sequence[Any]]:
        raise RuntimeError("the service has not opened ClickHouse yet")
