"""The digest's numbers equal a truth computed from the simulator's orders (``qtickets_sim.truth``), and its text
writes them as the page writes them (``Intl.NumberFormat('ru-RU')``, checked against Node where it is installed)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from integrations.qtickets_api import connect
from integrations.qtickets_api.notify import digest, load_notify_settings, ru
from integrations.qtickets_api.notify.text import visible
from integrations.qtickets_api.storage import migrations
from qtickets_sim.truth import expected_refunds, expected_sales, malformed_order_ids
from tests.dashboard.world import World

ZONE = ZoneInfo("Europe/Moscow")


def _moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def paid_truth(orders: list[dict[str, Any]]) -> dict[date, tuple[int, Decimal]]:
    """«Оплачено»: tickets of paid, undeleted orders by payment day, refunded later or not (not deleted baskets)."""
    broken = malformed_order_ids(orders)
    out: dict[date, tuple[int, Decimal]] = defaultdict(lambda: (0, Decimal(0)))
    for order in orders:
        if order.get("id") in broken or order.get("payed") is not True or order.get("deleted_at") is not None:
            continue
        payed_at = _moment(order.get("payed_at"))
        if payed_at is None:
            continue
        day = payed_at.astimezone(ZONE).date()
        for basket in order["baskets"]:
            if basket.get("deleted_at") is None:
                tickets, money = out[day]
                out[day] = (tickets + int(basket["quantity"]), money + Decimal(str(basket["price"])))
    return dict(out)


@pytest.fixture(scope="module")
def built(world: World) -> tuple[digest.DigestData, str]:
    settings = load_notify_settings({"DASHBOARD_URL": "https://bi.example.ru/"})
    with connect(world.settings) as storage:
        migrations.migrate(storage, world.settings.tz)
        data = digest.gather(storage, settings, world.now)
    return data, digest.render(data, settings)


def test_yesterday_figures_equal_the_truth(world: World, built: tuple[digest.DigestData, str]) -> None:
    data, text = built
    orders, events = world.sim.orders(), world.sim.events()
    yesterday = world.now.astimezone(ZONE).date() - timedelta(days=1)
    sales: dict[date, list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    for (day, _event, _show), (tickets, revenue) in expected_sales(orders).items():
        sales[day][0] += tickets
        sales[day][1] += revenue
    refunds: dict[date, list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    for (day, *_rest), (tickets, amount) in expected_refunds(orders, events).items():
        refunds[day][0] += tickets
        refunds[day][1] += amount
    paid = paid_truth(orders)
    for figure, day in ((data.yesterday, yesterday), (data.day_before, yesterday - timedelta(days=1)),
                        (data.week_ago, yesterday - timedelta(days=7))):  # fmt: skip
        assert figure.day == day
        assert (figure.tickets, figure.revenue) == tuple(sales[day])
        assert (figure.refunds, figure.refund_amount) == tuple(refunds[day])
        assert (figure.paid_tickets, figure.paid_revenue) == paid.get(day, (0, Decimal(0)))
    assert data.yesterday.tickets > 0 and data.yesterday.paid_tickets >= data.yesterday.tickets
    shown = visible(text)
    y = data.yesterday
    assert f"Продано: {ru.integer(sales[yesterday][0])} бил. · {ru.money(sales[yesterday][1])}" in shown
    assert f"Оплачено: {ru.integer(paid[yesterday][0])} бил. · {ru.money(paid[yesterday][1])}" in shown
    assert f"Возвраты: {ru.integer(refunds[yesterday][0])} бил. · {ru.money(refunds[yesterday][1])}" in shown
    before = sales[yesterday - timedelta(days=1)][0]
    assert ru.change(y.tickets, before) in shown


def test_top_shows_and_coming_shows_equal_the_truth(world: World, built: tuple[digest.DigestData, str]) -> None:
    data, text = built
    orders = world.sim.orders()
    yesterday = world.now.astimezone(ZONE).date() - timedelta(days=1)
    per_show: dict[int, list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    total: dict[int, int] = defaultdict(int)
    for (day, _event, show), (tickets, revenue) in expected_sales(orders).items():
        total[show] += tickets
        if day == yesterday:
            per_show[show][0] += tickets
            per_show[show][1] += revenue
    best = sorted(per_show.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))[:3]
    assert [(t.show_id, t.tickets, t.revenue) for t in data.top] == [(s, t, r) for s, (t, r) in best]
    for f in data.coming:
        assert f.sold == total[f.show_id]
        assert f.sold <= f.p25 <= f.p50 <= f.p75
        if f.capacity:
            assert f.p75 <= f.capacity
    assert "https://bi.example.ru/?from=" in text and yesterday.isoformat() in text


def test_the_digest_is_valid_telegram_html() -> None:
    from telegram_sim.html_check import visible_text

    settings = load_notify_settings({"DASHBOARD_URL": "https://bi.example.ru/?a=1&b=<2>"})
    hostile = '<b>"Шоу" & </i>'
    data = digest.DigestData(
        date(2026, 12, 6), *(digest.figures.Day(date(2026, 12, 5) - timedelta(days=n)) for n in (0, 1, 7)),
        [digest.figures.TopShow(1, hostile, hostile, None, 5, Decimal("10.50"))], [],
        [digest.figures.PlanRow(1, 0, hostile, 100, 50, Decimal(0), Decimal(0))],
        digest.figures.Freshness(None, 0, ""), datetime(2026, 12, 6, 9, tzinfo=ZONE),
    )  # fmt: skip
    text = digest.render(data, settings)
    assert hostile in visible_text(text)  # parses as Telegram would, names intact


NODE_CASES = [0, 7, 1234, 12345, 1234567, -5000, 1234.5, 99.99, 1000000.01, 0.5, 2.5, 0.125, 33.35]


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node for Intl.NumberFormat('ru-RU')")
def test_numbers_are_written_as_the_page_writes_them() -> None:
    script = """
    const cases = JSON.parse(process.argv[1]);
    const INT = new Intl.NumberFormat('ru-RU');
    const R0 = new Intl.NumberFormat('ru-RU', {style: 'currency', currency: 'RUB', minimumFractionDigits: 0, maximumFractionDigits: 0});
    const R2 = new Intl.NumberFormat('ru-RU', {style: 'currency', currency: 'RUB', minimumFractionDigits: 2, maximumFractionDigits: 2});
    const PCT = new Intl.NumberFormat('ru-RU', {style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1});
    const money = (v) => (Math.round(v * 100) % 100 === 0 ? R0 : R2).format(v);
    console.log(JSON.stringify(cases.map((v) => [INT.format(Math.round(v)), money(v), PCT.format(v / 100)])));
    """  # the page's app.js formatters
    out = subprocess.run(["node", "-e", script, json.dumps(NODE_CASES)], capture_output=True, text=True, check=True)
    page = json.loads(out.stdout)
    ours = [[ru.integer(v), ru.money(v), ru.percent(v / 100)] for v in NODE_CASES]
    assert ours == page


def test_the_forecast_panel_carries_every_upcoming_show(world: World) -> None:
    from integrations.qtickets_api.bi import panels

    orders = world.sim.orders()
    total: dict[int, int] = defaultdict(int)
    for (_day, _event, show), (tickets, _revenue) in expected_sales(orders).items():
        total[show] += tickets
    today = world.now.astimezone(ZONE).date()
    with connect(world.settings) as storage:
        migrations.migrate(storage, world.settings.tz)
        chosen, _filters, rows = panels.run("forecast", storage, {}, today=today)  # type: ignore[arg-type]
        coming = {int(s) for (s,) in storage.rows(
            "SELECT show_id FROM zakaz.dim_qtickets_api_shows FINAL WHERE deleted_at IS NULL "
            "AND toDate(ifNull(finish_date, start_date), 'Europe/Moscow') >= {d:Date}", {"d": today})}  # fmt: skip
    assert chosen.name == "forecast" and rows
    keys = {"show_id", "event_id", "city", "show_start_local", "sold", "forecast_p25", "forecast_p50", "forecast_p75",
            "capacity", "plan"}  # fmt: skip
    assert keys <= set(rows[0])
    assert {r["show_id"] for r in rows} == coming
    for r in rows:
        assert r["sold"] == total[r["show_id"]]
        assert r["sold"] <= r["forecast_p25"] <= r["forecast_p50"] <= r["forecast_p75"]
        assert r["capacity"] is None or r["forecast_p75"] <= max(r["capacity"], r["sold"])
