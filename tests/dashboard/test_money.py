"""The three money figures of issue 18 against the truth from the raw orders: «Продано (без возвратов)» (tickets
still valid, by sale date), «Оплачено» (everything paid that day, refunded later or not), «Возвраты» (by refund
date) and on the KPI «Касса» = «Оплачено» − «Возвраты»; a refund is subtracted once, never twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from integrations.qtickets_api.dashboard import create_app
from integrations.qtickets_api.service import ReaderPool
from tests.dashboard.test_api import get, money, pick_filters, read_csv, scope_of, today
from tests.dashboard.truth import Scope, Truth
from tests.dashboard.world import World

FIGURES = ("tickets", "revenue", "gross_tickets", "gross_revenue", "refunds", "refund_amount")


@pytest.fixture(scope="module")
def client(readers: ReaderPool, world: World) -> Iterator[TestClient]:
    app = create_app(readers, org_name="Тестовый организатор", today=lambda: today(world))
    with TestClient(app) as test_client:
        yield test_client


def _figures(row: dict[str, Any], keys: tuple[str, ...] = FIGURES) -> dict[str, Any]:
    return {k: money(row[k]) if "revenue" in k or "amount" in k else row[k] for k in keys}


def _refund_filters(truth: Truth, world: World) -> list[dict[str, Any]]:
    """The usual filters, and the whole history, and the event and the show with the most refunds."""
    first = min(t.sales_date for t in truth.tickets)
    by_event: dict[int, int] = {}
    by_show: dict[int, int] = {}
    for r in truth.refunds:
        by_event[r.event_id] = by_event.get(r.event_id, 0) + r.tickets
        by_show[r.show_id] = by_show.get(r.show_id, 0) + r.tickets
    whole = {"from": first.isoformat(), "to": today(world).isoformat()}
    return [
        *pick_filters(truth, world),
        whole,
        {**whole, "event_id": max(by_event, key=lambda k: by_event[k])},
        {**whole, "show_id": max(by_show, key=lambda k: by_show[k])},
    ]


def test_kpi_carries_the_three_figures_and_the_cash(client: TestClient, truth: Truth, world: World) -> None:
    assert truth.refunds, "the world must hold refunds for this test to mean anything"
    keys = (*FIGURES, "cash_revenue")
    for params in _refund_filters(truth, world):
        scope = scope_of(world, params)
        rows = get(client, "/api/panels/kpi.json", **params)["rows"]
        current = next(r for r in rows if r["period"] == "current")
        assert _figures(current, keys) == truth.money(scope), params
        previous = next(r for r in rows if r["period"] == "previous")
        days = (scope.date_to - scope.date_from).days + 1
        before = Scope(scope.date_from - timedelta(days=days), scope.date_from - timedelta(days=1), scope.city,
                       scope.event_id, scope.show_id)  # fmt: skip
        assert _figures(previous, keys) == truth.money(before), params


def test_over_the_whole_history_a_refund_is_subtracted_once(client: TestClient, truth: Truth, world: World) -> None:
    first = min(t.sales_date for t in truth.tickets)
    row = get(client, "/api/panels/kpi.json", **{"from": first.isoformat(), "to": today(world).isoformat()})["rows"][0]
    assert row["refunds"] > 0
    assert row["gross_tickets"] - row["refunds"] == row["tickets"]
    assert money(row["cash_revenue"]) == money(row["gross_revenue"]) - money(row["refund_amount"])


def _day_truth(truth: Truth, scope: Scope, day: date) -> dict[str, Any]:
    one = Scope(day, day, scope.city, scope.event_id, scope.show_id)
    return {k: v for k, v in truth.money(one).items() if k in FIGURES}


def test_sales_daily_carries_the_three_figures_every_day(client: TestClient, truth: Truth, world: World) -> None:
    for params in _refund_filters(truth, world)[:5] + _refund_filters(truth, world)[-2:]:
        scope = scope_of(world, params)
        rows = get(client, "/api/panels/sales_daily.json", **params)["rows"]
        assert [r["sales_date"] for r in rows] == [
            (scope.date_from + timedelta(days=n)).isoformat() for n in range((scope.date_to - scope.date_from).days + 1)
        ]
        for row in rows:
            assert _figures(row) == _day_truth(truth, scope, date.fromisoformat(row["sales_date"])), (params, row)


def test_sales_daily_split_by_city_carries_them_too(client: TestClient, truth: Truth, world: World) -> None:
    first = min(t.sales_date for t in truth.tickets)
    params = {"from": first.isoformat(), "to": today(world).isoformat(), "split": "city"}
    rows = get(client, "/api/panels/sales_daily.json", **params)["rows"]
    got = {(r["sales_date"], r["city"]): _figures(r) for r in rows}
    cities = {t.city for t in truth.tickets} | {r.city for r in truth.refunds}
    days = {t.sales_date for t in truth.tickets} | {r.sales_date for r in truth.refunds}
    days |= {r.refund_date for r in truth.refunds}
    want = {}
    for day in days:
        for city in cities:
            figures = _day_truth(truth, Scope(day, day, city), day)
            if any(figures.values()):
                want[(day.isoformat(), city)] = figures
    assert got == want


def test_the_csv_titles_say_which_figure_is_which(client: TestClient) -> None:
    header = list(read_csv(client.get("/api/panels/kpi.csv").content)[0])
    for title in ("Продано (без возвратов), ₽", "Оплачено, ₽", "Возвраты, ₽", "Касса, ₽"):
        assert title in header
    header = list(read_csv(client.get("/api/panels/sales_daily.csv").content)[0])
    for title in ("Продано (без возвратов), ₽", "Оплачено, ₽", "Возвраты, ₽"):
        assert title in header
