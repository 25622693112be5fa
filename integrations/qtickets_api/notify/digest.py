"""The morning digest: one message in Russian, numbers written as the page writes them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

from ..domain.moscow import MOSCOW
from ..forecast import Forecast, forecast_all, read_curves
from ..forecast.curves import Reader
from . import figures, ru
from .settings import NotifySettings
from .text import esc

WEEK_AHEAD = 7


@dataclass(frozen=True)
class DigestData:
    today: date
    yesterday: figures.Day
    day_before: figures.Day
    week_ago: figures.Day
    top: list[figures.TopShow]
    coming: list[Forecast]
    plans: list[figures.PlanRow]
    freshness: figures.Freshness
    now: datetime
    ads: figures.AdDay | None = None


def gather(reader: Reader, settings: NotifySettings, now: datetime) -> DigestData:
    today = now.astimezone(settings.zone).date()
    yesterday = today - timedelta(days=1)
    wanted = [yesterday, yesterday - timedelta(days=1), figures.last_week(yesterday)]
    by_day = figures.days(reader, wanted, settings.tz)
    horizon = today + timedelta(days=WEEK_AHEAD)
    coming = [f for f in forecast_all(read_curves(reader, settings.zone), today) if _starts(f, today, horizon)]
    return DigestData(
        today, by_day[wanted[0]], by_day[wanted[1]], by_day[wanted[2]], figures.top_shows(reader, yesterday),
        coming, figures.plans(reader), figures.freshness(reader), now, figures.ad_day(reader, yesterday),
    )  # fmt: skip


def _starts(f: Forecast, today: date, horizon: date) -> bool:
    start = f.show_start_local.date() if f.show_start_local else None
    return start is not None and today <= start < horizon


def render(data: DigestData, settings: NotifySettings) -> str:
    y, b, w = data.yesterday, data.day_before, data.week_ago
    lines = [f"<b>Продажи за {ru.day(y.day)}</b> ({ru.WEEKDAYS[y.day.weekday()]})", ""]
    for title, tickets, money, t_b, t_w in (
        ("Продано", y.tickets, y.revenue, b.tickets, w.tickets),
        ("Оплачено", y.paid_tickets, y.paid_revenue, b.paid_tickets, w.paid_tickets),
        ("Возвраты", y.refunds, y.refund_amount, b.refunds, w.refunds),
    ):
        lines.append(f"<b>{title}:</b> {ru.integer(tickets)} бил. · {ru.money(money)}")
        lines.append(f"  к пред. дню {ru.change(tickets, t_b)} · к {ru.WEEKDAYS[w.day.weekday()]} {ru.day(w.day)}"
                     f" {ru.change(tickets, t_w)}")  # fmt: skip
    if data.ads is not None and data.ads.spend:
        lines.append(ads_line(data.ads))
    if data.top:
        lines += ["", "<b>Лучшие показы вчера</b>"]
        for n, show in enumerate(data.top, 1):
            when = f", {ru.show_time(show.start_local)}" if show.start_local else ""
            lines.append(
                f"{n}. {esc(show.event_name)} — {esc(show.city)}{when}: {ru.integer(show.tickets)} бил. · "
                f"{ru.money(show.revenue)}"
            )
    lines += ["", f"<b>Ближайшие {WEEK_AHEAD} дней</b>"]
    if not data.coming:
        lines.append("показов нет")
    for f in data.coming:
        when = ru.show_time(f.show_start_local) if f.show_start_local else ""
        sold = (
            f"{ru.percent(f.sold / f.capacity)} ({ru.integer(f.sold)} из {ru.integer(f.capacity)})"
            if f.capacity
            else f"{ru.integer(f.sold)} бил."
        )
        band = f"прогноз {ru.integer(f.p50)} ({ru.integer(f.p25)}–{ru.integer(f.p75)})"
        lines.append(f"• {when} {esc(f.event_name)} — {esc(f.city)}: {sold}, {band}")
    plan_lines = [_plan(p) for p in data.plans if p.target_tickets or p.target_revenue]
    if plan_lines:
        lines += ["", "<b>План</b>", *plan_lines]
    lines += ["", _freshness(data.freshness, data.now)]
    link = dashboard_link(settings.dashboard_url, y.day)
    if link:
        lines.append(f'<a href="{esc(link, 2000)}">Открыть дашборд</a>')
    return "\n".join(lines)


def ads_line(ads: figures.AdDay) -> str:
    """«Реклама: 12 000 ₽ · по меткам 40 бил. · 96 000 ₽ · билет 300 ₽ · ROMI 700,0 %» (ROMI as on the page)."""
    parts = [
        f"<b>Реклама:</b> {ru.money(ads.spend)}",
        f"по меткам {ru.integer(ads.tickets)} бил. · {ru.money(ads.revenue)}",
    ]
    if ads.cost_per_ticket is not None:
        parts.append(f"билет {ru.money(ads.cost_per_ticket)}")
    if ads.romi is not None:
        parts.append(f"ROMI {ru.percent(ads.romi)}")
    return " · ".join(parts)


def _plan(p: figures.PlanRow) -> str:
    parts = []
    if p.target_tickets:
        parts.append(f"{ru.integer(p.fact_tickets)} из {ru.integer(p.target_tickets)} бил. "
                     f"({ru.percent(p.fact_tickets / p.target_tickets)})")  # fmt: skip
    if p.target_revenue:
        parts.append(f"{ru.money(p.fact_revenue)} из {ru.money(p.target_revenue)} "
                     f"({ru.percent(float(p.fact_revenue / p.target_revenue))})")  # fmt: skip
    scope = f"{esc(p.event_name)}" + (f", показ {p.show_id}" if p.show_id else "")
    return f"• {scope}: {'; '.join(parts)}"


def _freshness(fresh: figures.Freshness, now: datetime) -> str:
    if fresh.last_success_at is None:
        return "Данные: ещё ни одной успешной загрузки"
    at = fresh.last_success_at if fresh.last_success_at.tzinfo else fresh.last_success_at.replace(tzinfo=UTC)
    minutes = max(0, int((now - at).total_seconds() // 60))
    text = f"Данные на {at.astimezone(MOSCOW).strftime('%d.%m.%Y %H:%M')} МСК ({ru.integer(minutes)} мин назад)"
    if fresh.failed_since_success:
        text += f"; после неё неудачных загрузок: {fresh.failed_since_success}"
    return text


def dashboard_link(base: str, day: date) -> str:
    if not base:
        return ""
    joiner = "&" if "?" in base else "?"
    return f"{base}{joiner}{urlencode({'from': day.isoformat(), 'to': day.isoformat()})}"
