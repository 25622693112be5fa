"""One ad loader run: the window's days a chunk at a time, each chunk fetched whole before anything of it is
written, then the campaigns re-mapped and the run recorded (a failed run too, with its one-line reason)."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from integrations.qtickets_api.errors import ConfigError, ZakazError
from integrations.qtickets_api.storage import migrations
from integrations.qtickets_api.storage.connection import Storage, connect

from .runs import MOSCOW, AdRun, record
from .settings import AdSettings
from .store import SpendRow, read_inputs, remap, write

log = logging.getLogger("integrations.ad_spend")
DEFAULT_DAYS = 3
MAX_DAYS = 366


@dataclass
class Counters:
    requests: int = 0
    retries: int = 0


class Source(Protocol):
    job: str
    channel: str
    account: str
    chunk_days: int
    counters: Counters

    def fetch(self, storage: Storage, first: date, last: date) -> list[SpendRow]: ...


@dataclass
class Outcome:
    run: AdRun
    written: int = 0
    remapped: int = 0
    mapped_by: dict[str, int] = field(default_factory=dict)


def window(days: int, today: date) -> tuple[date, date]:
    if not 1 <= days <= MAX_DAYS:
        raise ConfigError(f"--days {days} is out of range", f"give 1 to {MAX_DAYS} (a year of backfill at most)")
    return today - timedelta(days=days - 1), today


def chunks(first: date, last: date, size: int) -> Iterator[tuple[date, date]]:
    start = first
    while start <= last:
        end = min(last, start + timedelta(days=size - 1))
        yield start, end
        start = end + timedelta(days=1)


def moscow_today() -> date:
    return datetime.now(MOSCOW).date()


def run(
    settings: AdSettings,
    source: Source,
    *,
    days: int = DEFAULT_DAYS,
    today: date | None = None,
    storage: Storage | None = None,
) -> Outcome:
    """Load ``days`` days up to ``today``; ``storage``: a session of the caller's (the service's, already migrated),
    otherwise the command opens and migrates its own."""
    if storage is not None:
        return _run(settings, source, storage, days=days, today=today)
    with connect(settings.base) as own:
        migrations.migrate(own, settings.base.tz)
        return _run(settings, source, own, days=days, today=today)


def _run(settings: AdSettings, source: Source, storage: Storage, *, days: int, today: date | None) -> Outcome:
    first, last = window(days, today or moscow_today())
    ad_run = AdRun(secrets.token_hex(8), source.job, datetime.now(UTC), first, last, settings.base.org_name)
    outcome = Outcome(ad_run)
    try:
        for start, end in chunks(first, last, source.chunk_days):
            rows = source.fetch(storage, start, end)
            outcome.written += write(
                storage,
                rows,
                ad_run.run_id,
                read_inputs(storage),
                channel=source.channel,
                account=source.account,
                first=start,
                last=end,
            )
            log.info("%s: %s..%s: %d rows stored", source.job, start, end, len(rows))
        outcome.remapped = remap(storage, read_inputs(storage), ad_run.run_id)
        outcome.mapped_by = _mapped(storage, source.channel)
        ad_run.status = "success"
    except BaseException as exc:  # every way out of a run is recorded, a bug's too (then it goes on up)
        ad_run.status = "failed"
        if isinstance(exc, ZakazError):
            ad_run.error = exc.one_line()
        elif isinstance(exc, KeyboardInterrupt | SystemExit):
            ad_run.error = "interrupted"
        else:
            ad_run.error = f"{exc.__class__.__name__}: {exc}"
        raise
    finally:
        ad_run.api_requests, ad_run.retries = source.counters.requests, source.counters.retries
        ad_run.rows = {"spend_rows": outcome.written, "remapped": outcome.remapped}
        record(storage, ad_run)
    return outcome


def _mapped(storage: Storage, channel: str) -> dict[str, int]:
    return {
        str(by): int(n)
        for by, n in storage.rows(
            f"SELECT mapped_by, uniqExact(campaign_id) FROM {storage.db}.fact_ad_spend_daily FINAL "
            "WHERE channel = {channel:String} GROUP BY mapped_by",
            {"channel": channel},
        )
    }


__all__ = ["DEFAULT_DAYS", "MAX_DAYS", "Counters", "Outcome", "Source", "chunks", "moscow_today", "run", "window"]
