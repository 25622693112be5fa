"""The dashboard as a person sees it in Chromium: every panel drawn without a console error, the numbers equal the
truth computed from the simulator's orders, each filter changes them as it should, a table's CSV says what the
table says, and everything is written the Russian way (U+00A0 group separators, дд.мм.гггг, МСК)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from tests.dashboard.truth import Scope, Truth
from tests.dashboard.world import World

NBSP = "\u00a0"
MSK = ZoneInfo("Europe/Moscow")
READY = "body[data-state=ready]"


def today(world: World) -> date:
    return world.now.astimezone(MSK).date()


def number(text: str) -> Decimal:
    """A number as the page writes it (ru-RU): '5 005 783 ₽', '3 562,83 ₽', '40,2 %'."""
    cleaned = text.replace(NBSP, "").replace("\u202f", "").replace("₽", "").replace("%", "").replace(" ", "")
    return Decimal(cleaned.replace(",", "."))


def open_dashboard(page: Any, base: str, query: str = "") -> None:
    page.goto(f"{base}/{query}")
    page.wait_for_selector(READY, timeout=30_000)


def wait_refreshed(page: Any) -> None:
    page.wait_for_selector(READY, timeout=30_000)


def kpis(page: Any) -> dict[str, str]:
    return {
        key: page.locator(f'[data-kpi="{key}"] .kpi-value').inner_text()
        for key in ("revenue", "tickets", "orders", "avg_price", "refunds")
    }


def assert_kpis_equal(page: Any, want: dict[str, Any]) -> None:
    shown = kpis(page)
    assert number(shown["tickets"]) == want["tickets"]
    assert number(shown["orders"]) == want["orders"]
    assert number(shown["refunds"]) == want["refunds"]
    assert abs(number(shown["revenue"]) - want["revenue"]) < Decimal("0.01") or number(shown["revenue"]) == round(
        want["revenue"]
    )
    if want["avg_price"] is not None:
        assert abs(number(shown["avg_price"]) - Decimal(want["avg_price"])) <= Decimal("0.5")


def default_scope(world: World, **kw: Any) -> Scope:
    return Scope(today(world) - timedelta(days=29), today(world), **kw)


def table(page: Any, name: str) -> tuple[list[str], list[list[str]]]:
    head = page.locator(f'table[data-table="{name}"] thead th').all_inner_texts()
    rows = [row.locator("td").all_inner_texts() for row in page.locator(f'table[data-table="{name}"] tbody tr').all()]
    return [h.rstrip(" ▲▼") for h in head], rows


def test_every_panel_is_drawn_without_a_console_error(page: Any, served: str) -> None:
    open_dashboard(page, served)
    states = page.eval_on_selector_all("[data-panel]", "els => els.map(e => [e.dataset.panel, e.dataset.state])")
    assert len(states) >= 15
    assert [s for s in states if s[1] != "ready"] == []
    for name in ("sales_daily", "cities", "events", "pace", "sell_through", "zones", "promo", "utm", "hourly"):
        assert page.locator(f"#chart-{name} svg").count() >= 1, name
    assert page.console.errors == []


def test_kpi_tiles_equal_the_truth_written_the_russian_way(page: Any, served: str, truth: Truth, world: World) -> None:
    open_dashboard(page, served)
    shown = kpis(page)
    assert re.fullmatch(r"\d{1,3}(\u00a0\d{3})*(,\d{2})?\u00a0₽", shown["revenue"]), shown["revenue"]
    want = truth.kpi(default_scope(world))
    if want["tickets"] >= 1000:
        assert NBSP in shown["tickets"]
    assert_kpis_equal(page, want)
    change = page.locator('[data-kpi="revenue"] .kpi-change').inner_text()
    assert "было " in change


def test_money_tiles_and_the_previous_value_equal_the_truth(page: Any, served: str, truth: Truth, world: World) -> None:
    open_dashboard(page, served)
    want = truth.kpi(default_scope(world))
    for key in ("gross_revenue", "refund_amount", "cash_revenue"):
        shown = page.locator(f'[data-kpi="{key}"] .kpi-value').inner_text()
        assert abs(number(shown) - want[key]) < Decimal("0.01") or number(shown) == round(want[key]), key
    hint = page.locator("#kpi-hint").inner_text()
    assert "по дню продажи" in hint and "по дню возврата" in hint
    end = today(world) - timedelta(days=30)
    before = truth.kpi(Scope(end - timedelta(days=29), end))
    change = page.locator('[data-kpi="tickets"] .kpi-change').inner_text()
    was = re.search(r"было (.+)$", change)
    assert was and number(was.group(1)) == before["tickets"], change
    # a percent only against a previous value large enough to mean something
    assert ("%" in change) == (before["tickets"] >= 20), change
    revenue = page.locator('[data-kpi="revenue"] .kpi-change').inner_text()
    assert ("%" in revenue) == (before["revenue"] >= 10000), revenue


def test_the_header_names_the_organiser_and_the_data_time_in_moscow(page: Any, served: str, world: World) -> None:
    open_dashboard(page, served)
    assert page.locator("#org-name").inner_text() == "Тестовый организатор"
    text = page.locator("#freshness-text").inner_text()
    finished = httpx.get(f"{served}/api/panels/freshness.json").json()["rows"][0]["last_success_at"]
    from datetime import datetime

    expected = datetime.fromisoformat(finished).astimezone(MSK).strftime("%H:%M")
    assert re.fullmatch(r"данные на (\d{2}\.\d{2}\.\d{4} )?\d{2}:\d{2} МСК", text), text
    assert expected in text
    assert "stale" not in (page.locator("#freshness").get_attribute("class") or "")
    label = page.locator("#period-label").inner_text()
    end = today(world)
    assert label == f"{(end - timedelta(days=29)):%d.%m.%Y} – {end:%d.%m.%Y}"


def test_the_cities_table_and_its_csv_say_the_truth(page: Any, served: str, truth: Truth, world: World) -> None:
    open_dashboard(page, served)
    head, rows = table(page, "cities")
    assert head == ["Город", "Билеты", "Выручка, ₽", "Заказы", "Средняя цена билета, ₽"]
    want = truth.by(default_scope(world), "city")
    assert {r[0] for r in rows} == set(want)
    for row in rows:
        assert number(row[1]) == want[row[0]]["tickets"]
        assert number(row[2]) == want[row[0]]["revenue"]
        assert number(row[3]) == want[row[0]]["orders"]
    href = page.locator('[data-panel="cities_table"] a.csv').get_attribute("href")
    content = httpx.get(f"{served}{href}").content
    assert content.startswith(b"\xef\xbb\xbf")
    csv_rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert csv_rows[0] == head
    assert len(csv_rows) - 1 == len(rows)
    shown = {r[0]: [number(x) for x in r[1:]] for r in rows}
    for line in csv_rows[1:]:
        assert [number(x) for x in line[1:]] == shown[line[0]]


def test_tables_sort_by_a_clicked_column(page: Any, served: str) -> None:
    open_dashboard(page, served)
    page.locator('table[data-table="events"] th[data-key="tickets"]').click()
    head, rows = table(page, "events")
    at = head.index("Билеты")
    tickets = [number(r[at]) for r in rows]
    assert tickets == sorted(tickets, reverse=True)
    page.locator('table[data-table="events"] th[data-key="tickets"]').click()
    _, rows = table(page, "events")
    assert [number(r[at]) for r in rows] == sorted(tickets)


def test_each_filter_changes_the_numbers_as_the_truth_says(page: Any, served: str, truth: Truth, world: World) -> None:
    open_dashboard(page, served)
    scope = default_scope(world)
    city = max(truth.by(scope, "city").items(), key=lambda kv: kv[1]["tickets"])[0]
    page.select_option("#f-city", city)
    wait_refreshed(page)
    assert f"city={city}" in httpx.URL(page.url).query.decode() or "city=" in page.url
    assert_kpis_equal(page, truth.kpi(default_scope(world, city=city)))

    in_city = default_scope(world, city=city)
    event = max(truth.by(in_city, "event_id").items(), key=lambda kv: kv[1]["tickets"])[0]
    page.select_option("#f-event", str(event))
    wait_refreshed(page)
    assert_kpis_equal(page, truth.kpi(default_scope(world, city=city, event_id=event)))

    in_event = default_scope(world, city=city, event_id=event)
    show = max(truth.by(in_event, "show_id").items(), key=lambda kv: kv[1]["tickets"])[0]
    page.select_option("#f-show", str(show))
    wait_refreshed(page)
    assert_kpis_equal(page, truth.kpi(default_scope(world, city=city, event_id=event, show_id=show)))

    page.click("#f-reset")
    wait_refreshed(page)
    page.select_option("#f-period", "7")
    wait_refreshed(page)
    week = Scope(today(world) - timedelta(days=6), today(world))
    assert_kpis_equal(page, truth.kpi(week))

    first = min(t.sales_date for t in truth.tickets)
    custom = Scope(first, first + timedelta(days=120))
    page.fill("#f-from", f"{custom.date_from:%d.%m.%Y}")
    page.fill("#f-to", f"{custom.date_to:%d.%m.%Y}")
    page.locator("#f-to").dispatch_event("change")
    wait_refreshed(page)
    assert_kpis_equal(page, truth.kpi(custom))
    assert page.locator("#period-label").inner_text() == f"{custom.date_from:%d.%m.%Y} – {custom.date_to:%d.%m.%Y}"

    # the filters live in the URL: a reload shows the same numbers
    page.reload()
    wait_refreshed(page)
    assert_kpis_equal(page, truth.kpi(custom))
    assert page.console.errors == []


def test_unknown_capacity_is_said_never_zero_percent(page: Any, served: str, world: World) -> None:
    open_dashboard(page, served)
    _, rows = table(page, "sell_through")
    unknown = [r for r in rows if "неизвестно" in r]
    assert unknown
    for row in unknown:
        assert not any(cell.strip() in ("0 %", f"0,0{NBSP}%") for cell in row)
    assert "вместимость неизвестна" in page.locator("#chart-sell_through").inner_text()
    known = [r for r in rows if "неизвестно" not in r]
    assert known and all(re.fullmatch(r"\d+,\d\u00a0%", r[-1]) for r in known)
    # show times are the venue's own clock, written дд.мм.гггг чч:мм
    assert all(re.fullmatch(r"\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}", r[2]) for r in rows)
