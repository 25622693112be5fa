"""The ad loaders on the service's own timer: every ``AD_SPEND_INTERVAL_MINUTES`` (default 180) each configured
source (Yandex Direct, VK Ads) re-reads the last ``AD_SPEND_DAYS`` days (default 3: spend settles over a day or
two), one source after the other, on a ClickHouse session of its own.

A source without credentials is off (one line at start). A failed run is recorded in ``meta_job_runs`` by the run
itself, logged in one line, and kept in ``AdStatus`` so that ``/healthz`` names it until a later run succeeds; it
never stops the service or the QTickets loader. Spend is read-only on both APIs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from starlette.concurrency import run_in_threadpool

from integrations.ad_spend import loading
from integrations.ad_spend.loading import Source
from integrations.ad_spend.settings import AdSettings, ad_settings
from integrations.vk_ads.loader import build as build_vk
from integrations.yandex_direct.loader import build as build_direct

from ..config import Settings
from ..errors import ConfigError, ZakazError
from ..storage import Storage

log = logging.getLogger("integrations.qtickets_api")

INTERVAL_MINUTES = 180
DAYS = loading.DEFAULT_DAYS
FIRST_DELAY_S = 60.0  # after the first QTickets run has had its turn
NAMES = {"yandex_direct": "Yandex Direct", "vk_ads": "VK Ads", "settings": "Ad spend settings"}


@dataclass(frozen=True)
class AdPlan:
    settings: AdSettings
    sources: tuple[Source, ...]
    interval_s: float
    days: int


@dataclass
class AdStatus:
    """The last outcome of each source's scheduled run (``/healthz`` names the failed ones)."""

    last: dict[str, tuple[str, datetime, str]] = field(default_factory=dict)  # job -> (status, at, error)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def set(self, job: str, status: str, at: datetime, error: str = "") -> None:
        with self._lock:
            self.last[job] = (status, at, error)

    def failed(self) -> list[str]:
        """One line per source whose latest run failed."""
        with self._lock:
            return [
                f"{NAMES.get(job, job)}: failed at {at:%Y-%m-%d %H:%M} UTC: {error}"
                for job, (status, at, error) in sorted(self.last.items())
                if status == "failed"
            ]


def plan(env: Mapping[str, str], base: Settings) -> AdPlan | None:
    """What the service runs, or None when no ad source has credentials (ConfigError for a bad key)."""
    settings = ad_settings(env, base)
    sources = tuple(s for s in (build_direct(settings), build_vk(settings)) if s is not None)
    if not sources:
        return None
    minutes = _whole(env, "AD_SPEND_INTERVAL_MINUTES", INTERVAL_MINUTES, 5, 7 * 24 * 60)
    days = _whole(env, "AD_SPEND_DAYS", DAYS, 1, loading.MAX_DAYS)
    return AdPlan(settings, sources, minutes * 60.0, days)


def tick(storage: Storage, ad_plan: AdPlan, status: AdStatus, *, today: date | None = None) -> None:
    """One scheduled pass: every source in turn; a failure of one does not keep the other from running."""
    for source in ad_plan.sources:
        name = NAMES.get(source.job, source.job)
        try:
            outcome = loading.run(ad_plan.settings, source, days=ad_plan.days, today=today, storage=storage)
        except ZakazError as exc:
            status.set(source.job, "failed", datetime.now(UTC), exc.one_line())
            log.error("%s: the scheduled ad spend run failed (the next one retries): %s", name, exc.one_line())
        except Exception as exc:  # a bug in one source must not stop the schedule
            status.set(source.job, "failed", datetime.now(UTC), f"{exc.__class__.__name__}: {exc}")
            log.exception("%s: the scheduled ad spend run crashed", name)
        else:
            status.set(source.job, "success", datetime.now(UTC))
            ad_run = outcome.run
            log.info(
                "%s: ad spend %s..%s: %d day rows stored, %d API requests; run %s",
                name, ad_run.first, ad_run.last, outcome.written, ad_run.api_requests, ad_run.run_id,
            )  # fmt: skip


async def forever(storage: Storage, ad_plan: AdPlan, status: AdStatus, *, first_delay_s: float = FIRST_DELAY_S) -> None:
    await asyncio.sleep(first_delay_s)
    while True:
        try:
            await run_in_threadpool(tick, storage, ad_plan, status)
        except Exception:
            log.exception("Ad spend: the scheduled pass failed")
        await asyncio.sleep(ad_plan.interval_s)


Started = tuple[asyncio.Task[None], Storage]


def start(
    writer: Storage | None, env: Mapping[str, str], base: Settings, status: AdStatus, **kwargs: float
) -> Started | None:
    """Schedule the ad loaders in this loop, on a session of their own (None: off, or no writer here)."""
    if writer is None:
        return None
    try:
        ad_plan = plan(env, base)
    except ConfigError as exc:
        log.error("Ad spend is off: %s", exc.one_line())
        status.set("settings", "failed", datetime.now(UTC), exc.one_line())
        return None
    if ad_plan is None:
        log.info("Ad spend is off: neither YANDEX_DIRECT_TOKEN nor VK_ADS_CLIENT_ID/SECRET is set")
        return None
    session = writer.another()
    names = ", ".join(NAMES.get(s.job, s.job) for s in ad_plan.sources)
    log.info(
        "Ad spend from %s every %.0f min (the last %d days each time)", names, ad_plan.interval_s / 60, ad_plan.days
    )
    task = asyncio.create_task(forever(session, ad_plan, status, **kwargs), name="zakaz-ad-spend")
    return task, session


def stop(started: Started | None) -> None:
    if started is not None:
        task, session = started
        task.cancel()
        with contextlib.suppress(Exception):
            session.close()


def _whole(env: Mapping[str, str], key: str, default: int, low: int, high: int) -> int:
    raw = (env.get(key) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ConfigError(f"{key}={raw!r} is not a whole number from {low} to {high}", "fix it in the env file")
    return int(raw)


__all__ = ["DAYS", "INTERVAL_MINUTES", "AdPlan", "AdStatus", "plan", "start", "stop", "tick"]
