"""The Telegram digest and alerts on the service's own timer (``ALERT_CHECK_MINUTES``, default 15) and after every
scheduled loader run: each tick sends the digest when its time has come today (once a day, remembered in
ClickHouse) and then checks the alerts, so that a failed run or a stale feed is told within seconds of the run.

Off unless ``TELEGRAM_BOT_TOKEN`` and ``TELEGRAM_CHAT_IDS`` are set, and only where the service holds a writer
(the alert state is written). A failed tick is one line in the log; the next tick tries again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool

from ..config import read_env_sources
from ..errors import ZakazError
from ..notify import NotifySettings, load_notify_settings, run
from ..notify.sender import make_sender
from ..storage import Storage

if TYPE_CHECKING:
    from .runtime import Service

log = logging.getLogger("integrations.qtickets_api")
FIRST_DELAY_S = 30.0


def tick(storage: Storage, settings: NotifySettings, now: datetime) -> None:
    sender = make_sender(settings, dry_run=False)
    try:
        run.scheduled(storage, settings, sender, now)
    except ZakazError as exc:
        log.error("Telegram: %s", exc.one_line())
    finally:
        sender.close()


async def forever(
    storage: Storage,
    settings: NotifySettings,
    clock: Callable[[], datetime],
    wake: asyncio.Event,
    *,
    check: Callable[[Storage, NotifySettings, datetime], None] = tick,
    first_delay_s: float = FIRST_DELAY_S,
) -> None:
    """A tick after ``first_delay_s``, then one every ``check_minutes`` or as soon as ``wake`` is set."""
    delay = first_delay_s
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout=delay)
        wake.clear()
        try:
            await run_in_threadpool(check, storage, settings, clock())
        except Exception:
            log.exception("Telegram: the digest and alert check failed")
        delay = settings.check_minutes * 60


def start(service: Service) -> tuple[asyncio.Task[None], Storage] | None:
    if service.writer is None:
        return None
    try:
        settings = load_notify_settings(read_env_sources(service.settings.envfile), service.settings.tz)
    except ZakazError as exc:
        log.error("Telegram is off: %s", exc.one_line())
        return None
    if not settings.configured:
        log.info("Telegram is off: TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_IDS are not both set")
        return None
    session = service.writer.another()
    log.info(
        "Telegram digest at %s and alerts every %.0f min to %d chat(s) (bot %s)",
        settings.digest_time.strftime("%H:%M"), settings.check_minutes, len(settings.chat_ids),
        settings.token_fingerprint,
    )  # fmt: skip
    wake = asyncio.Event()
    if service.schedule is not None:
        service.schedule.after_run.append(wake.set)
    task = asyncio.create_task(forever(session, settings, lambda: datetime.now(UTC), wake), name="zakaz-notify")
    return task, session


def stop(started: tuple[asyncio.Task[None], Storage] | None) -> None:
    if started is not None:
        task, session = started
        task.cancel()
        with contextlib.suppress(Exception):
            session.close()
