"""The pace chart on the page: the comparison show is chosen in a select of past shows (and the API's curve for it
is the one drawn), show times read on the venue's own clock («… местного»), and a show without a plan says
«нет плана», never 0."""

from __future__ import annotations

from typing import Any

import httpx

from tests.browser.test_dashboard_page import open_dashboard, wait_refreshed


def local(iso: str) -> str:
    day, time = iso[:10], iso[11:16]
    y, m, d = day.split("-")
    return f"{d}.{m}.{y} {time}"


def test_the_comparison_is_chosen_on_the_page(page: Any, served: str) -> None:
    open_dashboard(page, served)
    values = page.eval_on_selector_all("#f-compare-show option", "os => os.map(o => o.value)")
    past = [v for v in values if v not in ("", "none")]
    assert past, values
    shows = {str(s["show_id"]): s for s in httpx.get(f"{served}/api/options").json()["shows"]}
    assert all(shows[v]["past"] for v in past)
    chosen = past[-1]
    page.select_option("#f-compare-show", chosen)
    wait_refreshed(page)
    assert f"compare_show_id={chosen}" in page.url
    note = page.locator("#pace-note").inner_text()
    assert "выбран вручную" in note, note
    assert local(shows[chosen]["show_start_local"]) + " местного" in note, note
    assert shows[chosen]["event_name"] in note
    # a reload keeps the choice; «без сравнения» draws only the show
    page.reload()
    wait_refreshed(page)
    assert page.locator("#f-compare-show").input_value() == chosen
    page.select_option("#f-compare-show", "none")
    wait_refreshed(page)
    assert "без сравнения" in page.locator("#pace-note").inner_text()
    assert page.console.errors == []


def test_a_show_far_from_moscow_reads_on_its_own_clock(page: Any, served: str) -> None:
    shows = httpx.get(f"{served}/api/options").json()["shows"]
    far = [s for s in shows if s["show_zone"] and "МСК+" in s["show_zone"] and s["show_start_local"]]
    assert far, [s["show_zone"] for s in shows]
    for show in far:
        rows = httpx.get(f"{served}/api/panels/pace.json", params={"show_id": show["show_id"]}).json()["rows"]
        if any(r["series"] == "current" for r in rows):
            break
    else:
        raise AssertionError("no far show with sales")
    open_dashboard(page, served, f"?period=season&show_id={show['show_id']}")
    note = page.locator("#pace-note").inner_text()
    assert f"{local(show['show_start_local'])} местного ({show['show_zone']})" in note, note
    plan = [r for r in rows if r["series"] == "plan"]
    if not plan:
        assert "нет плана" in note
    else:
        assert "план:" in note
