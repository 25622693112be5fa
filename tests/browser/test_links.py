"""A shared link with a bad or stale value: the page drops that one value, says so once in Russian naming it, and
every panel still draws with the default in its place (the numbers are the truth's for the default)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_dashboard_page import assert_kpis_equal, default_scope, open_dashboard
from tests.dashboard.truth import Truth
from tests.dashboard.world import World

BAD = [
    ("from=2026-13-45&to=2026-12-01", ["2026-13-45"]),
    ("show_id=99999999", ["сеанс", "99999999"]),
    (
        "period=custom&from=2026-02-30&to=2026-03-01&event_id=123456789&city=Атлантида",
        ["2026-02-30", "123456789", "Атлантида"],
    ),
    ("period=forever", ["forever"]),
]


@pytest.mark.parametrize(("query", "named"), BAD, ids=[q for q, _ in BAD])
def test_a_bad_value_in_a_link_is_dropped_with_one_notice(
    page: Any, served: str, truth: Truth, world: World, query: str, named: list[str]
) -> None:
    open_dashboard(page, served, f"?{query}")
    states = page.eval_on_selector_all("[data-panel]", "els => els.map(e => [e.dataset.panel, e.dataset.state])")
    assert [s for s in states if s[1] != "ready"] == []
    notice = page.locator("#link-notice")
    assert notice.is_visible()
    text = notice.inner_text()
    assert text.startswith("В ссылке неверные значения:"), text
    for word in named:
        assert word in text, (word, text)
    assert page.locator(".panel-error").count() == 0
    assert_kpis_equal(page, truth.kpi(default_scope(world)))
    assert page.console.errors == []


def test_a_good_link_has_no_notice(page: Any, served: str, truth: Truth, world: World) -> None:
    open_dashboard(page, served, "?period=7")
    assert page.locator("#link-notice").is_hidden()
