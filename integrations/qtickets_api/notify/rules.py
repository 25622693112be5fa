"""What each alert watches. A rule returns a ``Condition`` for every subject it watched this time, active or not;
an alert of a subject no longer watched (a show that is over) is closed without a message."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from ..forecast import Forecast
from ..forecast.curves import Reader
from ..storage import schema
from . import figures, ru
from .settings import Thresholds
from .text import esc

REFUND_BASE_DAYS = 28


@dataclass(frozen=True)
class Condition:
    key: str
    active: bool
    urgent: bool = False  # sent in quiet hours too
    start: str = ""  # the message when it starts (HTML)
    resolve: str = ""  # the message when it is resolved


def _show(f: Forecast) -> str:
    when = ru.show_time(f.show_start_local) if f.show_start_local else f"показ {f.show_id}"
    return f"«{esc(f.event_name)}» — {esc(f.city)}, {when}"


def loader(fresh: figures.Freshness, now: datetime, t: Thresholds) -> list[Condition]:
    n = fresh.failed_since_success
    failed = n >= t.failed_runs
    reason = esc(fresh.last_error.splitlines()[0] if fresh.last_error else "причина не записана", 300)
    if fresh.last_success_at is None:
        age = None
    else:
        at = fresh.last_success_at if fresh.last_success_at.tzinfo else fresh.last_success_at.replace(tzinfo=UTC)
        age = (now - at).total_seconds() / 60
    stale = age is None or age > t.stale_minutes
    age_text = "ни одной успешной загрузки" if age is None else f"последняя успешная {ru.integer(age)} мин назад"
    return [
        Condition(
            "loader_failed", failed, True,
            f"🔴 <b>Загрузка данных не удалась {n} {ru.plural(n, 'раз', 'раза', 'раз')} подряд</b>\nПричина: {reason}",
            "✅ Загрузка данных снова в норме",
        ),
        Condition(
            "data_stale", stale, True,
            f"🟠 <b>Данные устарели</b>: {age_text} (порог {ru.integer(t.stale_minutes)} мин)"
            + (f"\nПричина: {reason}" if fresh.last_error else ""),
            "✅ Данные снова свежие",
        ),
    ]  # fmt: skip


def webhooks(reader: Reader, now: datetime, t: Thresholds) -> list[Condition]:
    """Only where webhooks are in use (any order stored from one in 30 days): the scheduled runs keep finding
    paid orders that no webhook brought, for longer than the threshold."""
    db = reader.db
    since = now - timedelta(minutes=t.webhook_silent_minutes)
    rows = reader.rows(
        f"""
        SELECT countIf(first_run LIKE 'webhook-%' AND first_at >= {{month:DateTime64(6, 'UTC')}}),
               countIf(first_run NOT LIKE 'webhook-%' AND first_at >= {{since:DateTime64(6, 'UTC')}}),
               countIf(first_run LIKE 'webhook-%' AND first_at >= {{since:DateTime64(6, 'UTC')}})
        FROM (
            SELECT order_id, argMin(run_id, _loaded_at) AS first_run, min(_loaded_at) AS first_at
            FROM {db}.{schema.ORDERS_RAW} WHERE payed = 1 GROUP BY order_id
        )
        """,
        {"month": _utc(now - timedelta(days=30)), "since": _utc(since)},
    )
    in_use, missed, brought = (int(x) for x in rows[0]) if rows else (0, 0, 0)
    if not in_use:
        return []
    silent = missed > 0 and brought == 0
    return [
        Condition(
            "webhooks_silent", silent, True,
            f"🟠 <b>Вебхуки молчат</b>: за {ru.integer(t.webhook_silent_minutes)} мин плановые загрузки нашли "
            f"{ru.integer(missed)} оплаченных заказов, которых не принёс ни один вебхук",
            "✅ Вебхуки снова приходят",
        )
    ]  # fmt: skip


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def no_sales(forecasts: Sequence[Forecast], last_sale: dict[int, date], today: date, t: Thresholds,
             first_sale: dict[int, date]) -> list[Condition]:  # fmt: skip
    out = []
    for f in forecasts:
        if f.capacity is not None and f.sold >= f.capacity:
            continue  # sold out: nothing left to sell
        first = first_sale.get(f.show_id)
        if first is None or (today - first).days < t.no_sales_days:
            continue  # not on sale long enough to say
        last = last_sale.get(f.show_id, first)
        quiet = (today - last).days >= t.no_sales_days
        out.append(
            Condition(
                f"no_sales:{f.show_id}", quiet, False,
                f"🟡 <b>Нет продаж {ru.integer((today - last).days)} дн.</b>: {_show(f)}; последняя продажа "
                f"{ru.day(last)}",
                f"✅ Продажи снова идут: {_show(f)}",
            )
        )  # fmt: skip
    return out


def behind(forecasts: Sequence[Forecast], plans: dict[int, int], t: Thresholds) -> list[Condition]:
    out = []
    for f in forecasts:
        plan = plans.get(f.show_id)
        under_plan = plan is not None and f.p75 < plan
        pace = f.pace_median
        slow = f.basis in ("event", "city") and pace is not None and pace > 0 and f.sold < pace * (1 - t.behind_share)
        why = (
            f"прогноз {ru.integer(f.p50)} (до {ru.integer(f.p75)}) ниже плана {ru.integer(plan)}"
            if under_plan and plan is not None
            else f"продано {ru.integer(f.sold)}, а похожие показы к этому дню продавали {ru.integer(pace or 0)}"
        )
        out.append(
            Condition(
                f"behind:{f.show_id}", under_plan or slow, False,
                f"🟡 <b>Показ отстаёт</b>: {_show(f)}; {why}", f"✅ Показ снова в графике: {_show(f)}",
            )
        )  # fmt: skip
    return out


def sellout(
    forecasts: Sequence[Forecast], zones: Sequence[tuple[int, str, int, int]], t: Thresholds
) -> list[Condition]:
    out = []
    by_show = {f.show_id: f for f in forecasts}
    for f in forecasts:
        if f.capacity:
            share = f.sold / f.capacity
            out.append(
                Condition(
                    f"sellout:{f.show_id}", share >= t.sellout_share, False,
                    f"🟢 <b>Почти всё продано</b>: {_show(f)} — {ru.percent(share)} ({ru.integer(f.sold)} из "
                    f"{ru.integer(f.capacity)})",
                    f"ℹ️ Показ больше не близок к распродаже: {_show(f)} — {ru.percent(share)}",
                )
            )  # fmt: skip
    for show_id, zone, capacity, paid in zones:
        show = by_show.get(show_id)
        if show is None or not capacity:
            continue
        share = paid / capacity
        out.append(
            Condition(
                f"sellout:{show_id}:{zone}", share >= t.sellout_share, False,
                f"🟢 <b>Зона «{esc(zone)}» почти распродана</b>: {_show(show)} — {ru.percent(share)}",
                f"ℹ️ Зона «{esc(zone)}» больше не близка к распродаже: {_show(show)}",
            )
        )  # fmt: skip
    return out


def refunds(daily: dict[date, int], today: date, t: Thresholds) -> list[Condition]:
    base = [daily.get(today - timedelta(days=n), 0) for n in range(1, REFUND_BASE_DAYS + 1)]
    usual = statistics.fmean(base)
    now = daily.get(today, 0)
    spike = now >= t.refund_min_tickets and now > t.refund_multiple * usual
    return [
        Condition(
            "refund_spike", spike, False,
            f"🟠 <b>Много возвратов сегодня</b>: {ru.integer(now)} бил., обычно {ru.integer(usual)} в день",
            "✅ Возвраты снова в норме",
        )
    ]  # fmt: skip
