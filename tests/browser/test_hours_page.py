"""«Сегодня» and «Вчера» are drawn by hour (24 hours a day, Moscow time), the tickets summing to the truth's; the
heatmap carries its scale."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.browser.test_dashboard_page import open_dashboard, today
from tests.dashboard.truth import Scope, Truth
from tests.dashboard.world import World

OPTION = """() => { const o = echarts.getInstanceByDom(document.getElementById('chart-sales_daily')).getOption();
  return [o.xAxis[0].data.length, o.series.find(s => s.name === 'Билеты').data.reduce((a, b) => a + b, 0)]; }"""


@pytest.mark.parametrize("period", ["today", "yesterday"])
def test_a_day_is_drawn_by_hour(page: Any, served: str, truth: Truth, world: World, period: str) -> None:
    open_dashboard(page, served, f"?period={period}")
    day = today(world) - timedelta(days=1 if period == "yesterday" else 0)
    assert "по часам" in page.locator('[data-panel="sales_daily"] h2').inner_text()
    hours, tickets = page.evaluate(OPTION)
    assert hours == 24
    assert tickets == truth.kpi(Scope(day, day))["tickets"]
    assert "/api/panels/sales_hourly.csv?" in page.locator('[data-panel="sales_daily"] a.csv').get_attribute("href")
    assert page.console.errors == []


def test_a_month_is_drawn_by_day_and_the_heatmap_has_a_scale(page: Any, served: str) -> None:
    open_dashboard(page, served)
    assert "по дням" in page.locator('[data-panel="sales_daily"] h2').inner_text()
    hours, _ = page.evaluate(OPTION)
    assert hours == 30
    scale = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('chart-hourly')).getOption().visualMap.length"
    )
    assert scale == 1
    assert "бил." in page.locator("#chart-hourly").inner_text()
