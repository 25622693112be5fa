"""«Сегодня» and «Вчера» by hour: every Moscow hour of each day of the period, equal to the truth from the raw
orders; a period longer than two days is refused with one Russian line."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
from starlette.testclient import TestClient

from integrations.qtickets_api.dashboard import create_app
from integrations.qtickets_api.service import ReaderPool
from tests.dashboard.test_api import get, money, read_csv, today
from tests.dashboard.truth import Scope, Truth
from tests.dashboard.world import World


@pytest.fixture(scope="module")
def client(readers: ReaderPool, world: World) -> Iterator[TestClient]:
    app = create_app(readers, org_name="Тестовый организатор", today=lambda: today(world))
    with TestClient(app) as test_client:
        yield test_client


def _want(truth: Truth, first: date, last: date, **scope: int | str) -> dict[tuple[str, int], tuple[int, Decimal]]:
    want = {}
    day = first
    while day <= last:
        for hour in range(24):
            want[(day.isoformat(), hour)] = (0, Decimal(0))
        day += timedelta(days=1)
    for t in truth.sold(Scope(first, last, **scope)):  # type: ignore[arg-type]
        tickets, revenue = want[(t.sales_date.isoformat(), t.hour)]
        want[(t.sales_date.isoformat(), t.hour)] = (tickets + t.tickets, revenue + t.revenue)
    return want


def test_today_by_hour_is_the_default(client: TestClient, truth: Truth, world: World) -> None:
    rows = get(client, "/api/panels/sales_hourly.json")["rows"]
    day = today(world)
    assert [(r["sales_date"], r["hour"]) for r in rows] == [(day.isoformat(), h) for h in range(24)]
    assert {(r["sales_date"], r["hour"]): (r["tickets"], money(r["revenue"])) for r in rows} == _want(truth, day, day)


def test_yesterday_and_today_by_hour_under_filters(client: TestClient, truth: Truth, world: World) -> None:
    last = today(world)
    first = last - timedelta(days=1)
    sold = truth.sold(Scope(first, last))
    assert sold, "the world must sell in its last two days"
    city = sold[0].city
    for extra in ({}, {"city": city}, {"event_id": sold[0].event_id}):
        params = {"from": first.isoformat(), "to": last.isoformat(), **extra}
        rows = get(client, "/api/panels/sales_hourly.json", **params)["rows"]
        assert len(rows) == 48
        got = {(r["sales_date"], r["hour"]): (r["tickets"], money(r["revenue"])) for r in rows}
        assert got == _want(truth, first, last, **extra), extra  # type: ignore[arg-type]


def test_a_longer_period_is_refused_in_russian(client: TestClient, world: World) -> None:
    last = today(world)
    reply = client.get(
        "/api/panels/sales_hourly.json", params={"from": (last - timedelta(days=2)).isoformat(), "to": last.isoformat()}
    )
    assert reply.status_code == 400
    assert "не длиннее 2 дней" in reply.text and reply.text.count("\n") == 1


def test_the_csv_has_russian_headers(client: TestClient) -> None:
    rows = read_csv(client.get("/api/panels/sales_hourly.csv").content)
    assert list(rows[0]) == ["Дата продажи", "Час (МСК)", "Билеты", "Выручка, ₽", "Заказы"] and len(rows) == 24
