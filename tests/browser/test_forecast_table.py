"""Forecast: every upcoming show with its expected final tickets and the P25–P75 band, as the forecast panel says."""

from __future__ import annotations

from typing import Any

import httpx

from tests.browser.test_dashboard_page import NBSP, number, open_dashboard, table


def test_the_forecast_table_says_what_the_panel_says(page: Any, served: str) -> None:
    open_dashboard(page, served)
    assert page.locator('[data-panel="forecast"]').get_attribute("data-state") == "ready"
    query = page.evaluate("() => `from=${zakazDashboard.state.from}&to=${zakazDashboard.state.to}`")
    rows = httpx.get(f"{served}/api/panels/forecast.json?{query}").json()["rows"]
    head, shown = table(page, "forecast")
    assert head[0] == "Мероприятие" and "Ожидается, билеты" in head and "Диапазон (от – до)" in head
    assert len(shown) == len(rows) and rows
    cells = page.eval_on_selector_all(
        'table[data-table="forecast"] tbody tr',
        "rows => rows.map(r => Object.fromEntries([...r.cells].map(c => [c.dataset.key, c.textContent])))",
    )
    by_id = {int(c["show_id"]): c for c in cells}
    for r in rows:
        c = by_id[r["show_id"]]
        assert number(c["sold"]) == r["sold"]
        if r["forecast_p50"] is None:
            assert c["forecast_p50"] == "нет прогноза"
            continue
        assert number(c["forecast_p50"]) == r["forecast_p50"]
        low, high = c["band"].split(" – ")
        assert number(low) == r["forecast_p25"] and number(high) == r["forecast_p75"]
        assert r["forecast_p25"] <= r["forecast_p50"] <= r["forecast_p75"]
        if r["forecast_p75"] >= 1000:
            assert NBSP in high
    assert page.console.errors == []
