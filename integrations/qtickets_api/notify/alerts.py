"""Alerts: evaluated after loader runs and on a timer; each sent once when it starts and once when resolved.

What the chats were told is kept in ``meta_alert_state``, written after the chats got it: a restart neither
repeats an alert nor loses one (a message that could not be sent stays owed and goes with the next check). In
quiet hours only urgent alerts go; the others wait, and one that starts and ends inside the quiet hours is never
sent at all (there is nothing left to act on).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ..forecast import Forecast, forecast_all, read_curves
from ..storage import schema
from ..storage.connection import Storage
from . import figures, rules, state
from .rules import Condition
from .sender import Sender, broadcast
from .settings import NotifySettings

log = logging.getLogger("integrations.qtickets_api")


@dataclass(frozen=True)
class Outcome:
    sent: list[str]  # the messages sent (or printed)
    held: list[str]  # owed but held by quiet hours
    active: list[str]  # the keys active now


def evaluate(storage: Storage, settings: NotifySettings, now: datetime) -> list[Condition]:
    t = settings.thresholds
    today = now.astimezone(settings.zone).date()
    forecasts = [f for f in forecast_all(read_curves(storage, settings.zone), today) if _upcoming(f, today)]
    conditions = rules.loader(figures.freshness(storage), now, t)
    conditions += rules.webhooks(storage, now, t)
    first, last = _sale_days(storage)
    conditions += rules.no_sales(forecasts, last, today, t, first)
    conditions += rules.behind(forecasts, _show_plans(storage), t)
    conditions += rules.sellout(forecasts, _zones(storage), t)
    conditions += rules.refunds(_refunds(storage, today), today, t)
    return conditions


def _upcoming(f: Forecast, today: date) -> bool:
    return f.show_start_local is None or f.show_start_local.date() >= today or bool(f.weeks)


def check(storage: Storage, settings: NotifySettings, sender: Sender, now: datetime) -> Outcome:
    conditions = evaluate(storage, settings, now)
    known = state.load(storage)
    quiet = settings.is_quiet(now.astimezone(settings.zone).time())
    sent: list[str] = []
    held: list[str] = []
    changes: list[state.AlertState] = []
    seen = set()
    for c in conditions:
        seen.add(c.key)
        before = known.get(c.key)
        since = before.since if before and before.active == c.active else now
        notified = before.notified if before else False
        if c.active != notified:
            text = c.start if c.active else c.resolve
            if quiet and not c.urgent:
                held.append(text)
            else:
                broadcast(sender, settings.chat_ids, text)  # raises: nothing recorded, it stays owed
                sent.append(text)
                notified = c.active
        if before is None or before.active != c.active or before.notified != notified:
            changes.append(state.AlertState(c.key, c.active, notified, since, c.start if c.active else c.resolve))
            state.save(storage, changes[-1:], now)
    for key, old in known.items():
        if key not in seen and (old.active or old.notified):
            state.save(storage, [state.AlertState(key, False, False, now, "no longer watched")], now)
    if sent or held:
        log.info("Alerts: %d sent, %d held by quiet hours", len(sent), len(held))
    return Outcome(sent, held, [c.key for c in conditions if c.active])


def _sale_days(storage: Storage) -> tuple[dict[int, date], dict[int, date]]:
    rows = storage.rows(
        f"SELECT show_id, min(sales_date), max(sales_date) FROM {storage.db}.{schema.SALES_DETAIL} "
        "WHERE tickets > 0 GROUP BY show_id"
    )
    return {int(s): a for s, a, _ in rows}, {int(s): b for s, _, b in rows}


def _show_plans(storage: Storage) -> dict[int, int]:
    rows = storage.rows(
        f"SELECT show_id, target_tickets FROM {storage.db}.bi_plan_vs_fact "
        "WHERE plan_date IS NULL AND show_id > 0 AND target_tickets > 0"
    )
    return {int(s): int(t) for s, t in rows}


def _zones(storage: Storage) -> Sequence[tuple[int, str, int, int]]:
    rows = storage.rows(
        f"SELECT show_id, zone, capacity, tickets_paid FROM {storage.db}.{schema.INVENTORY_ZONES} "
        "WHERE capacity IS NOT NULL AND capacity > 0 AND zone != ''"
    )
    return [(int(s), str(z), int(c), int(p)) for s, z, c, p in rows]


def _refunds(storage: Storage, today: date) -> dict[date, int]:
    rows = storage.rows(
        f"SELECT refund_date, sum(refunds) FROM {storage.db}.{schema.REFUNDS_DAILY} "
        "WHERE refund_date >= {start:Date} GROUP BY refund_date",
        {"start": today - timedelta(days=rules.REFUND_BASE_DAYS + 1)},
    )
    return {d: int(n) for d, n in rows}
