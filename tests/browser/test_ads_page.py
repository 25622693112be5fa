"""The «Реклама» block: with an ad source, spend and ROMI by city summed from the romi panel (rows «не сопоставлено»
and «без метки» kept); without one, a Russian empty state and no chart."""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal
from typing import Any

import httpx

from tests.browser.test_dashboard_page import number, open_dashboard, table

EMPTY = json.dumps({"name": "x", "title": "x", "filters": {}, "columns": [], "rows": []})


def test_the_ads_block_sums_the_romi_panel_by_city(page: Any, served: str) -> None:
    open_dashboard(page, served)
    assert page.locator('[data-panel="ads"]').get_attribute("data-state") == "ready"
    rows = httpx.get(f"{served}/api/panels/romi.json").json()["rows"]
    spend = httpx.get(f"{served}/api/panels/ad_spend.json").json()["rows"]
    if not any(r["spend"] for r in rows + spend):
        assert page.locator("#ads-empty").is_visible()
        return
    want: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        want[r["city"] or "не сопоставлено"] += Decimal(str(r["spend"] or 0))
    head, shown = table(page, "ads")
    assert head[0] == "Город"
    assert {r[0] for r in shown} == set(want)
    for r in shown:
        assert abs(number(r[1]) - want[r[0]]) < Decimal("0.01"), r
    assert page.console.errors == []


def romi_row(channel: str, city: str, spend: float, tickets: int, revenue: float) -> dict[str, Any]:
    return {"channel": channel, "campaign_id": None, "campaign_name": "", "city": city, "event_id": None,
            "event_name": "", "show_id": None, "spend": spend, "impressions": 0, "clicks": 0, "orders": tickets,
            "tickets": tickets, "revenue": revenue, "cost_per_ticket": None, "cost_per_order": None, "roas": None,
            "romi": None, "romi_light": ""}  # fmt: skip


def test_with_spend_the_block_shows_romi_by_city_with_the_unmapped_and_untagged_rows(page: Any, served: str) -> None:
    rows = [
        romi_row("Яндекс Директ", "Новосибирск", 10000.0, 20, 50000.0),
        romi_row("VK Реклама", "Новосибирск", 5000.0, 5, 10000.0),
        romi_row("Яндекс Директ", "не сопоставлено", 3000.0, 0, 0.0),
        romi_row("без метки", "Казань", 0.0, 40, 80000.0),
    ]
    body = json.dumps({"name": "romi", "title": "", "filters": {}, "columns": [], "rows": rows})
    page.route(
        "**/api/panels/romi.json*", lambda route: route.fulfill(status=200, body=body, content_type="application/json")
    )
    open_dashboard(page, served)
    assert page.locator("#ads-body").is_visible()
    head, shown = table(page, "ads")
    assert head[:2] == ["Город", "Расход, ₽"]
    by_city = {r[0]: r for r in shown}
    assert set(by_city) == {"Новосибирск", "не сопоставлено", "Казань"}
    assert number(by_city["Новосибирск"][1]) == 15000
    assert number(by_city["Новосибирск"][4]) == 600  # 15 000 ₽ / 25 tickets
    assert number(by_city["Новосибирск"][5]) == 300  # (60 000 − 15 000) / 15 000 = 300 %
    assert by_city["Казань"][5] == "нет расхода"
    assert page.locator("#chart-ads svg").count() >= 1
    assert page.console.errors == []


def test_without_an_ad_source_the_block_says_so(page: Any, served: str) -> None:
    for name in ("ad_spend", "romi"):
        page.route(
            f"**/api/panels/{name}.json*",
            lambda route: route.fulfill(status=200, body=EMPTY, content_type="application/json"),
        )
    open_dashboard(page, served)
    assert page.locator('[data-panel="ads"]').get_attribute("data-state") == "ready"
    assert page.locator("#ads-empty").is_visible()
    assert "Рекламные кабинеты не подключены" in page.locator("#ads-empty").inner_text()
    assert page.locator("#ads-body").is_hidden()
    assert page.console.errors == []
