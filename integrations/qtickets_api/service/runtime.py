"""The one process: opens ClickHouse once, brings the schema and the BI views up to date, serves the dashboard
and (unless ``--no-schedule``) runs the loader every 15 minutes, all in one asyncio loop under uvicorn.

On the embedded engine this process is the only one that may hold the data directory, so it holds the writer
session the loader uses and, beside it, the read-only sessions of the dashboard. Against a server with
``--no-schedule`` it opens no writer at all: the systemd timer's loader owns the schema, the dashboard only reads.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool

from .. import bi
from ..config import Settings
from ..dashboard.app import create_app
from ..storage import Storage, connect, job_runs, migrations
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

    def open(self) -> None:
        """Blocking: connect, migrate, install the views, open the readers."""
        needs_writer = self.options.schedule or self.settings.uses_embedded_clickhouse
        if needs_writer:
            self.writer = connect(self.settings)
            migrations.apply(self.writer, self.settings.tz)
            bi.install(self.writer)
        try:
            self.readers = ReaderPool(self.settings.clickhouse, credentials=self.options.reader)
        except Exception:
            self.close()
            raise
        if self.options.schedule and self.writer is not None:
            self.schedule = LoaderSchedule(self.settings, self.writer)

    def close(self) -> None:
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
        log.info(
            "Dashboard at http://%s:%d/ (%s)",
            service.options.host,
            service.options.port,
            "password required" if service.options.password else "no password: loopback only",
        )
        try:
            yield
        finally:
            if service.schedule is not None:
                await service.schedule.stop(record=service.record)
            if task is not None:
                task.cancel()
            if service.schedule is None or not service.schedule.running:
                await run_in_threadpool(service.close)
            log.info("Service stopped")

    app = create_app(
        _Pending(service.settings.clickhouse_db),
        org_name=service.settings.org_name,
        password=service.options.password or None,
        user=service.options.user,
        lifespan=lifespan,
    )
    board = app.state.dashboard
    return app


class _Pending:
    """The reader until the lifespan has opened ClickHouse (no request is served before that)."""

    def __init__(self, db: str) -> None:
        self.db = db

    def rows(self, sql: str, parameters: Mapping[str, Any] | None = None) -> list[Sequence[Any]]:
        raise RuntimeError("the service has not opened ClickHouse yet")
