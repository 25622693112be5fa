"""Everything the page says is Russian: for every period, and in its empty and error states, the visible text has
no Latin word other than a name that comes from the data (a city, an event, a zone, a promo code, a UTM source) or
one of the few proper names the page uses on purpose."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.browser.test_dashboard_page import open_dashboard

# proper names and abbreviations the page writes on purpose
NAMES = {"ID", "CSV", "UTM", "API", "QTickets", "Apache", "ECharts", "ROMI", "VK"}  # VK: «VK Реклама», a brand
LATIN = re.compile(r"[A-Za-z]+(?:['-][A-Za-z]+)*")
PERIODS = ["?period=today", "?period=7", "", "?period=season", "?period=custom&from=2025-09-01&to=2026-12-31"]


def data_words(urls: list[str]) -> set[str]:
    """Latin words in the string values of the rows the page was given (names from the data), and in options."""
    words: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            words.update(LATIN.findall(value))
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for url in urls:
        body = httpx.get(url, timeout=30).json()
        walk(body.get("rows", []) if "/api/panels/" in url else body)
    return words


def latin_left(page: Any, served: str, urls: list[str]) -> list[str]:
    text = page.evaluate("document.body.innerText")
    allowed = NAMES | data_words(urls)
    return sorted({w for w in LATIN.findall(text) if w not in allowed})


def watch(page: Any) -> list[str]:
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url) if "/api/" in r.url else None)
    return urls


@pytest.mark.parametrize("query", PERIODS, ids=["today", "7", "30", "season", "custom"])
def test_every_period_reads_in_russian(page: Any, served: str, query: str) -> None:
    urls = watch(page)
    open_dashboard(page, served, query)
    if page.locator("#f-ids").is_visible():
        page.check("#f-ids")  # the id columns' headers too
    assert latin_left(page, served, urls) == []


def test_the_empty_state_reads_in_russian(page: Any, served: str) -> None:
    urls = watch(page)
    open_dashboard(page, served, "?period=custom&from=2001-01-01&to=2001-01-31")
    assert page.locator(".empty:visible").count() >= 3
    assert latin_left(page, served, urls) == []


def test_the_error_state_reads_in_russian(page: Any, served: str) -> None:
    urls = watch(page)
    page.route("**/api/panels/cities.json*", lambda route: route.abort())
    page.route(
        "**/api/panels/events.json*",
        lambda route: route.fulfill(status=503, body="данные временно недоступны: база не ответила\n"),
    )
    open_dashboard(page, served)
    errors = page.locator(".panel-error").all_inner_texts()
    assert len(errors) >= 2, errors
    assert all(e.startswith("Не удалось загрузить: ") for e in errors), errors
    assert latin_left(page, served, [u for u in urls if "cities" not in u and "events" not in u]) == []
