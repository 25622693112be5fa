"""The page at a phone's and a desktop's width in Chromium: the page never scrolls sideways, no text runs past
the screen's edge (a table scrolls inside its own card), KPI tiles go two per row on a phone, tables open with the
name first and sticky and without id columns («Показать ID» shows them), the filters fold on a phone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

READY = "body[data-state=ready]"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
WIDTHS = [(360, 800), (390, 844), (768, 1024), (1440, 900)]

# every element whose own text lies (partly) outside the screen, or is cut by its own box, outside the places that
# scroll on purpose (a table's card) and the charts (drawn in SVG, checked separately)
CUT_TEXT = """() => {
  const out = [];
  const W = document.documentElement.clientWidth;
  const inScroller = (el) => el.closest('.table-wrap') !== null;
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('svg') || inScroller(el)) continue;
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const r = el.getBoundingClientRect();
    if (!r.width) continue;
    if (r.left < -0.5 || r.right > W + 0.5) out.push(`${el.tagName}.${el.className}: ${el.textContent.trim().slice(0, 40)} [${r.left}, ${r.right}]`);
    else if (el.scrollWidth > el.clientWidth + 1 && style.overflow !== 'visible') out.push(`cut ${el.tagName}.${el.className}: ${el.textContent.trim().slice(0, 40)}`);
  }
  return out;
}"""

# chart text (SVG) that lies outside its chart's box
CUT_CHART_TEXT = """() => {
  const out = [];
  for (const box of document.querySelectorAll('.chart')) {
    if (box.hidden) continue;
    const b = box.getBoundingClientRect();
    for (const t of box.querySelectorAll('svg text')) {
      const r = t.getBoundingClientRect();
      if (!r.width || !t.textContent.trim()) continue;
      if (r.left < b.left - 1 || r.right > b.right + 1) out.push(`${box.id}: ${t.textContent.slice(0, 40)} [${r.left}, ${r.right}] in [${b.left}, ${b.right}]`);
    }
  }
  return out;
}"""


def open_at(browser: Any, served: str, width: int, height: int) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(
        locale="ru-RU", timezone_id="Europe/Moscow", viewport={"width": width, "height": height},
        device_scale_factor=1, is_mobile=width < 700, has_touch=width < 700,
    )  # fmt: skip
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{served}/")
    page.wait_for_selector(READY, timeout=30_000)
    return context, page, errors


@pytest.mark.parametrize(("width", "height"), WIDTHS, ids=[f"{w}x{h}" for w, h in WIDTHS])
def test_the_page_fits_the_screen(browser: Any, served: str, width: int, height: int) -> None:
    context, page, errors = open_at(browser, served, width, height)
    try:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"page-{width}x{height}.png"), full_page=True)
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner, (scroll, inner)
        assert page.evaluate(CUT_TEXT) == []
        assert page.evaluate(CUT_CHART_TEXT) == []
        # tables: the name first, ids hidden; each scrolls inside its card, never past it
        for name in ("events", "shows", "sell_through", "plan", "forecast"):
            table = page.locator(f'table[data-table="{name}"]')
            first = table.locator("thead th").first
            assert "ID" not in first.inner_text(), name
            assert first.evaluate("e => getComputedStyle(e).position") == "sticky", name
            assert table.locator("th.k-id:visible").count() == 0, name
            wrap = page.locator(f'[data-table="{name}"]').locator("xpath=..")
            card, box = wrap.evaluate(
                "e => [e.closest('.card').getBoundingClientRect().right, e.getBoundingClientRect().right]"
            )
            assert box <= card + 0.5, name
        if width >= 700:
            # no column cut at a desktop's width: the widest table either fits or scrolls within its card, and the
            # tables of a few columns fit whole
            for name in ("cities", "plan"):
                fits = (
                    page.locator(f'[data-table="{name}"]')
                    .locator("xpath=..")
                    .evaluate("e => e.scrollWidth <= e.clientWidth + 1")
                )
                assert fits or width < 1000, name
        tiles = page.eval_on_selector_all(
            "[data-kpi]", "els => els.map(e => Math.round(e.getBoundingClientRect().top))"
        )
        if width < 700:
            assert tiles[0] == tiles[1] and tiles[1] != tiles[2], tiles  # two per row
            assert page.locator("#f-city").is_hidden()
            page.click("#f-toggle")
            assert page.locator("#f-city").is_visible()
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            assert page.evaluate(CUT_TEXT) == []
            page.screenshot(path=str(ARTIFACTS / f"filters-{width}x{height}.png"), full_page=False)
        page.check("#f-ids")
        assert page.locator('table[data-table="shows"] th.k-id:visible').count() >= 1
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert errors == []
    finally:
        context.close()
