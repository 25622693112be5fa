"""Issue 18's Russian: a refused filter answers 400 with one Russian line naming the parameter, every panel's CSV
header is Russian (no Latin word but the accepted abbreviations and the UTM tag names), and the KPI's periods read
in Russian in the CSV while the JSON keeps its codes."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from integrations.qtickets_api.dashboard import create_app
from integrations.qtickets_api.service import ReaderPool
from tests.dashboard.test_api import HOSTILE, get, read_csv, today
from tests.dashboard.world import World

ACCEPTED = {"CSV", "ROMI", "ROAS", "CPC", "CTR", "UTM", "ID", "utm_source", "utm_medium", "utm_campaign"}
LATIN_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
CYRILLIC = re.compile(r"[А-Яа-яЁё]")


@pytest.fixture(scope="module")
def client(readers: ReaderPool, world: World) -> Iterator[TestClient]:
    app = create_app(readers, org_name="Тестовый организатор", today=lambda: today(world))
    with TestClient(app) as test_client:
        yield test_client


def test_an_unknown_parameter_is_400_naming_it_in_russian(client: TestClient) -> None:
    reply = client.get("/api/panels/kpi.json", params={"frm": "2026-01-01"})
    assert reply.status_code == 400
    assert reply.text == "неизвестный параметр 'frm'\n"


@pytest.mark.parametrize("params", HOSTILE)
def test_every_refusal_is_russian_and_names_the_parameter(client: TestClient, params: dict[str, str]) -> None:
    reply = client.get("/api/panels/sales_daily.json", params=params)
    assert reply.status_code == 400
    text = reply.text
    assert CYRILLIC.search(text), text
    named = [name for name in params if f"'{name}'" in text]
    assert named, text
    words = set(LATIN_WORD.findall(text.split(":", 1)[-1])) - set(params) - ACCEPTED
    # the only Latin left is the parameter's name and the allowed values of a parameter (split: city, event)
    assert words <= {"city", "event"}, (text, words)


def test_a_bad_date_reads_as_the_russian_format(client: TestClient) -> None:
    reply = client.get("/api/panels/kpi.json", params={"from": "01.11.2026"})
    assert reply.text == "'from' — дата в виде ГГГГ-ММ-ДД\n"


def test_every_csv_header_is_russian(client: TestClient) -> None:
    for panel in get(client, "/api/panels")["panels"]:
        content = client.get(panel["csv_url"]).content
        header = content.decode("utf-8-sig").split("\r\n", 1)[0]
        words = set(LATIN_WORD.findall(header)) - ACCEPTED
        assert not words, (panel["name"], header, words)


def test_kpi_periods_read_in_russian_in_the_csv_and_stay_codes_in_json(client: TestClient) -> None:
    rows = read_csv(client.get("/api/panels/kpi.csv").content)
    assert [r["Период"] for r in rows] == ["текущий", "предыдущий"]
    assert [r["period"] for r in get(client, "/api/panels/kpi.json")["rows"]] == ["current", "previous"]


def test_pace_series_read_in_russian_in_the_csv(client: TestClient) -> None:
    series = {r["Ряд"] for r in read_csv(client.get("/api/panels/pace.csv").content)}
    assert series and series <= {"текущий", "сравнение", "план"}
