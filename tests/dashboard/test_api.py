"""The dashboard's data API against the simulator's data: every number equals the truth computed from the
simulator's orders, each filter changes them as it should, CSV opens in Excel, and hostile values get one line."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from starlette.testclient import TestClient

from integrations.qtickets_api.dashboard import create_app
from integrations.qtickets_api.service import ReaderPool
from tests.dashboard.truth import Scope, Truth
from tests.dashboard.world import World

REQUIRED = {"kpi", "sales_daily", "cities", "events", "pace", "sell_through", "promo", "utm", "hourly", "freshness"}


@pytest.fixture(scope="module")
def client(readers: ReaderPool, world: World) -> Iterator[TestClient]:
    app = create_app(readers, org_name="Тестовый организатор", today=lambda: today(world))
    with TestClient(app) as test_client:
        yield test_client


def today(world: World) -> date:
    return world.now.astimezone(ZoneInfo("Europe/Moscow")).date()


def default_scope(world: World, **kw: Any) -> Scope:
    end = today(world)
    return Scope(date_from=end - timedelta(days=29), date_to=end, **kw)


def get(client: TestClient, path: str, **params: Any) -> dict[str, Any]:
    reply = client.get(path, params={k: str(v) for k, v in params.items()})
    assert reply.status_code == 200, reply.text
    return reply.json()


def money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def test_the_panel_list_names_every_required_panel_with_its_csv(client: TestClient) -> None:
    listed = get(client, "/api/panels")["panels"]
    names = {p["name"] for p in listed}
    assert names >= REQUIRED
    for panel in listed:
        assert panel["csv_url"] == f"/api/panels/{panel['name']}.csv" and panel["title"]
        assert client.get(panel["csv_url"]).status_code == 200
        assert client.get(panel["json_url"]).status_code == 200


def pick_filters(truth: Truth, world: World) -> list[dict[str, Any]]:
    scope = default_scope(world)
    sold = truth.sold(scope)
    busiest_city = max(truth.by(scope, "city").items(), key=lambda kv: kv[1]["tickets"])[0]
    event = max(truth.by(scope, "event_id").items(), key=lambda kv: kv[1]["tickets"])[0]
    show = max(truth.by(scope, "show_id").items(), key=lambda kv: kv[1]["tickets"])[0]
    first = min(t.sales_date for t in truth.tickets)
    assert sold
    return [
        {},
        {"city": busiest_city},
        {"event_id": event},
        {"show_id": show},
        {"from": (today(world) - timedelta(days=6)).isoformat(), "to": today(world).isoformat()},
        {"from": first.isoformat(), "to": (first + timedelta(days=400)).isoformat()},
        {"city": "Город, которого нет"},
    ]


def scope_of(world: World, params: dict[str, Any]) -> Scope:
    base = default_scope(world)
    return Scope(
        date_from=date.fromisoformat(params["from"]) if "from" in params else base.date_from,
        date_to=date.fromisoformat(params["to"]) if "to" in params else base.date_to,
        city=params.get("city", ""),
        event_id=int(params.get("event_id", 0)),
        show_id=int(params.get("show_id", 0)),
    )


def test_kpi_equals_the_truth_under_every_filter(client: TestClient, truth: Truth, world: World) -> None:
    for params in pick_filters(truth, world):
        scope = scope_of(world, params)
        rows = get(client, "/api/panels/kpi.json", **params)["rows"]
        current = next(r for r in rows if r["period"] == "current")
        want = truth.kpi(scope)
        assert current["tickets"] == want["tickets"], params
        assert money(current["revenue"]) == want["revenue"], params
        assert current["orders"] == want["orders"], params
        assert current["refunds"] == want["refunds"], params
        assert money(current["refund_amount"]) == want["refund_amount"], params
        assert money(current["discount"]) == want["discount"], params
        assert current["free_tickets"] == want["free_tickets"], params
        if want["tickets"]:
            assert current["avg_price"] == pytest.approx(float(want["revenue"] / want["tickets"]))
        else:
            assert current["avg_price"] is None
        days = (scope.date_to - scope.date_from).days + 1
        previous = next(r for r in rows if r["period"] == "previous")
        prev_scope = Scope(
            scope.date_from - timedelta(days=days), scope.date_from - timedelta(days=1), scope.city, scope.event_id,
            scope.show_id,
        )  # fmt: skip
        assert previous["date_to"] == prev_scope.date_to.isoformat()
        assert previous["tickets"] == truth.kpi(prev_scope)["tickets"], params
        assert money(previous["revenue"]) == truth.kpi(prev_scope)["revenue"], params


def test_kpi_without_comparison_has_one_row(client: TestClient) -> None:
    rows = get(client, "/api/panels/kpi.json", compare="none")["rows"]
    assert [r["period"] for r in rows] == ["current"]


def test_sales_daily_has_one_row_per_day_equal_to_the_truth(client: TestClient, truth: Truth, world: World) -> None:
    for params in pick_filters(truth, world)[:4]:
        scope = scope_of(world, params)
        rows = get(client, "/api/panels/sales_daily.json", **params)["rows"]
        assert [r["sales_date"] for r in rows] == [
            (scope.date_from + timedelta(days=n)).isoformat() for n in range((scope.date_to - scope.date_from).days + 1)
        ]
        want = truth.by(scope, "sales_date")
        for row in rows:
            expected = want.get(
                date.fromisoformat(row["sales_date"]), {"tickets": 0, "revenue": Decimal(0), "orders": 0}
            )
            assert (row["tickets"], money(row["revenue"]), row["orders"]) == (
                expected["tickets"], expected["revenue"], expected["orders"],
            ), row  # fmt: skip


def test_sales_daily_split_by_city(client: TestClient, truth: Truth, world: World) -> None:
    rows = get(client, "/api/panels/sales_daily.json", split="city")["rows"]
    scope = default_scope(world)
    got = {
        (date.fromisoformat(r["sales_date"]), r["city"]): (r["tickets"], r["gross_tickets"], r["refunds"]) for r in rows
    }
    # a day appears when it has a sale still valid, a sale refunded later, or a refund made that day
    want: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for t in truth.sold(scope):
        want[(t.sales_date, t.city)][0] += t.tickets
        want[(t.sales_date, t.city)][1] += t.tickets
    for r in truth.refunds:
        if scope.has(r.sales_date, r.city, r.event_id, r.show_id):
            want[(r.sales_date, r.city)][1] += r.tickets
        if scope.has(r.refund_date, r.city, r.event_id, r.show_id):
            want[(r.refund_date, r.city)][2] += r.tickets
    assert got == {key: tuple(v) for key, v in want.items()}


@pytest.mark.parametrize(
    ("panel", "key", "field"),
    [
        ("cities", "city", "city"),
        ("events", "event_id", "event_id"),
        ("shows", "show_id", "show_id"),
        ("zones", "zone", "zone_name"),
    ],
)
def test_breakdowns_equal_the_truth(
    client: TestClient, truth: Truth, world: World, panel: str, key: str, field: str
) -> None:
    scope = default_scope(world)
    rows = get(client, f"/api/panels/{panel}.json")["rows"]
    want = truth.by(scope, field)
    assert {r[key] for r in rows} == set(want)
    for row in rows:
        expected = want[row[key]]
        assert (row["tickets"], money(row["revenue"]), row["orders"]) == (
            expected["tickets"], expected["revenue"], expected["orders"],
        )  # fmt: skip
        assert row["avg_price"] == pytest.approx(float(expected["revenue"] / expected["tickets"]))
    revenues = [r["revenue"] for r in rows]
    if panel != "shows":
        assert revenues == sorted(revenues, reverse=True)


def test_promo_and_utm_have_explicit_untagged_buckets(client: TestClient, truth: Truth, world: World) -> None:
    scope = default_scope(world)
    promo = {r["promo_code"]: r for r in get(client, "/api/panels/promo.json")["rows"]}
    want = {k or "без промокода": v for k, v in truth.by(scope, "promo_code").items()}
    assert {k: (v["tickets"], money(v["revenue"])) for k, v in promo.items()} == {
        k: (v["tickets"], v["revenue"]) for k, v in want.items()
    }
    assert "без промокода" in promo
    utm_rows = get(client, "/api/panels/utm.json")["rows"]
    by_source: dict[str, int] = {}
    for row in utm_rows:
        by_source[row["utm_source"]] = by_source.get(row["utm_source"], 0) + row["tickets"]
    assert by_source == {k or "без метки": v["tickets"] for k, v in truth.by(scope, "utm_source").items()}
    assert "без метки" in by_source and "" not in by_source


def test_hourly_heatmap_is_moscow_hour_by_weekday(client: TestClient, truth: Truth, world: World) -> None:
    scope = default_scope(world)
    rows = get(client, "/api/panels/hourly.json")["rows"]
    got = {(r["weekday"], r["hour"]): r["tickets"] for r in rows}
    want: dict[tuple[int, int], int] = {}
    for t in truth.sold(scope):
        key = (t.sales_date.isoweekday(), t.hour)
        want[key] = want.get(key, 0) + t.tickets
    assert got == want


def test_refunds_by_refund_date(client: TestClient, truth: Truth, world: World) -> None:
    first = min(r.refund_date for r in truth.refunds)
    params = {"from": first.isoformat(), "to": today(world).isoformat()}
    rows = get(client, "/api/panels/refunds.json", **params)["rows"]
    got = {r["refund_date"]: r["refunds"] for r in rows if r["refunds"]}
    want: dict[str, int] = {}
    for r in truth.refunds:
        want[r.refund_date.isoformat()] = want.get(r.refund_date.isoformat(), 0) + r.tickets
    assert got == want


def test_sell_through_equals_the_seat_maps_and_unknown_capacity_stays_unknown(client: TestClient, world: World) -> None:
    from qtickets_sim.truth import expected_inventory

    seats = {s["id"]: world.sim.seats(s["id"]) for e in world.sim.events() for s in e["shows"]}
    want = expected_inventory(world.sim.events(), seats, world.now)
    rows = get(client, "/api/panels/sell_through.json")["rows"]
    assert {r["show_id"] for r in rows} == set(want)
    assert any(row["show_id"] == world.unknown_capacity_show for row in rows)
    for row in rows:
        total, left = want[row["show_id"]]
        if row["show_id"] == world.unknown_capacity_show or total is None:
            assert row["capacity"] is None and row["left"] is None and row["sold_share"] is None
            continue
        assert (row["capacity"], row["left"]) == (total, left)
        assert row["sold_share"] == pytest.approx(row["sold"] / total)
        assert row["show_start_local"] and "T" in row["show_start_local"] and "+" not in row["show_start_local"]
    csv_rows = read_csv(client.get("/api/panels/sell_through.csv").content)
    unknown = next(r for r in csv_rows if r["ID сеанса"] == str(world.unknown_capacity_show))
    assert unknown["Вместимость"] == "неизвестно" and unknown["Продано, %"] == "неизвестно"


def test_pace_is_cumulative_and_compares_with_an_earlier_show(client: TestClient, truth: Truth, world: World) -> None:
    live = get(client, "/api/panels/sell_through.json")["rows"]
    show = max(live, key=lambda r: r["sold"])["show_id"]
    rows = get(client, "/api/panels/pace.json", show_id=show)["rows"]
    current = [r for r in rows if r["series"] == "current"]
    assert current and all(r["show_id"] == show for r in current)
    cumulative = [r["tickets_cum"] for r in current]
    assert cumulative == sorted(cumulative)
    everything = Scope(date(2000, 1, 1), date(2100, 1, 1), show_id=show)
    assert cumulative[-1] == truth.kpi(everything)["tickets"]
    compare = [r for r in rows if r["series"] == "compare"]
    assert compare and compare[0]["show_start_msk"] < current[0]["show_start_msk"]


def read_csv(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    text = content.decode("utf-8-sig")
    assert "\r\n" in text
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def test_csv_is_what_excel_opens_with_russian_headers(client: TestClient, truth: Truth, world: World) -> None:
    reply = client.get("/api/panels/cities.csv")
    assert reply.headers["content-type"].startswith("text/csv")
    assert "attachment" in reply.headers["content-disposition"]
    rows = read_csv(reply.content)
    assert list(rows[0]) == ["Город", "Билеты", "Выручка, ₽", "Заказы", "Средняя цена билета, ₽"]
    want = truth.by(default_scope(world), "city")
    for row in rows:
        assert int(row["Билеты"]) == want[row["Город"]]["tickets"]
        assert Decimal(row["Выручка, ₽"].replace(",", ".")) == want[row["Город"]]["revenue"]
        assert "," in row["Выручка, ₽"]  # decimal comma


def test_daily_csv_writes_russian_dates(client: TestClient, world: World) -> None:
    rows = read_csv(client.get("/api/panels/sales_daily.csv").content)
    assert rows[-1]["Дата"] == today(world).strftime("%d.%m.%Y")


HOSTILE = [
    {"from": "2026-13-01"},
    {"from": "2026-02-30"},
    {"from": "01.11.2026"},
    {"from": "2026-11-01'; DROP TABLE zakaz.meta_job_runs; --"},
    {"from": "99999-01-01"},
    {"from": "1900-01-01"},
    {"from": "2026-11-10", "to": "2026-11-01"},
    {"from": "2000-01-01", "to": "2099-01-01"},
    {"event_id": "1 OR 1=1"},
    {"event_id": "-1"},
    {"event_id": "99999999999999999999999"},
    {"show_id": "0x10"},
    {"city": "x" * 500},
    {"city": "Москва\x00"},
    {"sort": "revenue; DROP TABLE x"},
    {"split": "nothing"},
]


@pytest.mark.parametrize("params", HOSTILE)
def test_hostile_or_malformed_values_get_400_with_one_line(client: TestClient, params: dict[str, str]) -> None:
    for fmt in ("json", "csv"):
        reply = client.get(f"/api/panels/sales_daily.{fmt}", params=params)
        assert reply.status_code == 400
        body = reply.text
        assert body.count("\n") == 1 and len(body) < 200
        for leak in ("DB::Exception", "Code:", "SELECT", "ClickHouse", "Traceback"):
            assert leak not in body


def test_a_repeated_parameter_is_refused(client: TestClient) -> None:
    reply = client.get("/api/panels/kpi.json?city=a&city=b")
    assert reply.status_code == 400
    assert reply.text == "параметр «city» указан больше одного раза\n"


def test_sql_in_a_text_filter_is_only_a_name_that_matches_nothing(client: TestClient, world: World) -> None:
    hostile = "'; DROP TABLE zakaz.meta_job_runs; --"
    rows = get(client, "/api/panels/cities.json", city=hostile)["rows"]
    assert rows == []
    assert get(client, "/api/panels/freshness.json")["rows"][0]["last_success_at"]


def test_an_unknown_panel_is_404(client: TestClient) -> None:
    reply = client.get("/api/panels/nope.json")
    assert reply.status_code == 404
    assert reply.text == "нет панели «nope»\n"
    # a panel's own refusal is 400 however it is worded: the status comes from the error's type
    assert client.get("/api/panels/kpi.json?from=nope").status_code == 400


def test_the_dashboard_sessions_cannot_write(readers: ReaderPool) -> None:
    from integrations.qtickets_api import StorageQueryError

    attempts = [
        "INSERT INTO zakaz.meta_job_runs (run_id) VALUES ('x')",
        "DROP TABLE zakaz.meta_job_runs",
        "CREATE TABLE zakaz.evil (a UInt8) ENGINE = Memory",
        "ALTER TABLE zakaz.fact_qtickets_sales_detail DELETE WHERE 1",
        "SELECT 1 SETTINGS readonly = 0",
        "TRUNCATE TABLE zakaz.meta_job_runs",
    ]
    for sql in attempts:
        with pytest.raises(StorageQueryError) as caught:
            readers.rows(sql)
        assert caught.value.code == "READONLY", sql
    assert readers.rows("SELECT count() FROM zakaz.meta_job_runs")[0][0] >= 1


def test_basic_auth_when_a_password_is_set(readers: ReaderPool, world: World) -> None:
    app = create_app(readers, org_name="x", password="correct-horse", user="promoter")
    with TestClient(app) as c:
        assert c.get("/").status_code == 401
        assert c.get("/api/panels/kpi.json").status_code == 401
        assert c.get("/api/panels/kpi.json", auth=("promoter", "wrong-password")).status_code == 401
        assert c.get("/api/panels/kpi.json", auth=("other", "correct-horse")).status_code == 401
        assert c.get("/api/panels/kpi.json", auth=("promoter", "correct-horse")).status_code == 200
        assert c.get("/healthz").status_code == 200
        assert "WWW-Authenticate" in c.get("/").headers


def test_the_page_is_russian_and_names_the_organiser(client: TestClient) -> None:
    reply = client.get("/")
    assert reply.status_code == 200
    assert '<html lang="ru">' in reply.text and "Тестовый организатор" in reply.text
    assert "script-src 'self'" in reply.headers["content-security-policy"]


def test_no_personal_data_or_token_in_any_answer(client: TestClient, world: World) -> None:
    secrets = {world.sim.config.token}
    for order in world.sim.orders()[:400]:
        client_record = order.get("client") or {}
        secrets.add(client_record.get("email", ""))
        for basket in order["baskets"]:
            for key in ("client_email", "client_phone", "barcode"):
                if basket.get(key):
                    secrets.add(str(basket[key]))
    secrets.discard("")
    first = min(t.sales_date for t in Truth(world.sim.orders(), world.sim.events(), {}).tickets)
    wide = {"from": first.isoformat(), "to": today(world).isoformat()}
    texts = [client.get("/").text, client.get("/api/options").text]
    for panel in get(client, "/api/panels")["panels"]:
        for url in (panel["json_url"], panel["csv_url"]):
            texts.append(client.get(url, params=wide).text)
    blob = "\n".join(texts)
    leaked = [s for s in secrets if s in blob]
    assert leaked == []


def test_zones_read_by_their_names_with_the_codes_behind(client: TestClient, truth: Truth, world: World) -> None:
    rows = get(client, "/api/panels/zones.json")["rows"]
    codes = {t.zone_name: set() for t in truth.sold(default_scope(world))}
    for t in truth.sold(default_scope(world)):
        codes[t.zone_name].add(t.zone)
    assert {r["zone"]: set(r["zone_code"].split(", ")) for r in rows} == codes
    assert not any(r["zone"] == "PARTERRE" for r in rows) and any(r["zone"] == "Партер" for r in rows)


def test_sell_through_zones_by_name(client: TestClient, truth: Truth) -> None:
    rows = get(client, "/api/panels/sell_through_zones.json")["rows"]
    assert rows
    for row in rows:
        assert row["zone"] == truth.zone_names.get((row["show_id"], row["zone_code"]), row["zone_code"]), row
    assert not any(r["zone"] == "PARTERRE" for r in rows)


def test_shows_and_sell_through_name_the_venue_zone_by_city(client: TestClient, world: World) -> None:
    zones = {s["id"]: e["city"]["timezone"] for e in world.sim.events() for s in e["shows"]}
    for panel in ("shows", "sell_through"):
        reply = get(client, f"/api/panels/{panel}.json")
        assert "show_zone" in {c["key"] for c in reply["columns"]}
        assert "show_timezone" not in {c["key"] for c in reply["columns"]}
        rows = reply["rows"]
        assert rows
        for row in rows:
            assert row["show_timezone"] == zones[row["show_id"]]
            assert "/" not in row["show_zone"] and "(МСК" in row["show_zone"], row
        header = read_csv(client.get(f"/api/panels/{panel}.csv").content)
        assert all("/" not in r["Часовой пояс площадки"] for r in header)
