"""The ad simulators keep the documented protocols (never easier than the real APIs)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx
import msgspec
import pytest

from direct_sim import DirectConfig, DirectSimulator
from qtickets_sim.ads import Campaign, day_stats
from vk_ads_sim import VkConfig, VkSimulator

TODAY = date(2026, 11, 20)
CAMPAIGNS = [Campaign("yandex", 70_000_000 + i, f"tomsk_0{i}_12 Шоу {i} | поиск", TODAY - timedelta(days=200), TODAY, i, "season")
             for i in range(1, 4)]  # fmt: skip


def spec(first: date, last: date, name: str = "r1", vat: str = "YES") -> dict[str, Any]:
    return {"params": {"SelectionCriteria": {"DateFrom": first.isoformat(), "DateTo": last.isoformat()},
                       "FieldNames": ["Date", "CampaignId", "CampaignName", "Impressions", "Clicks", "Cost"],
                       "ReportName": name, "ReportType": "CAMPAIGN_PERFORMANCE_REPORT", "DateRangeType": "CUSTOM_DATE",
                       "Format": "TSV", "IncludeVAT": vat}}  # fmt: skip


@pytest.fixture
def direct() -> Any:
    sim = DirectSimulator(DirectConfig(token="good", campaigns=CAMPAIGNS, today=TODAY, online_rows=20))
    with sim.serve() as server:
        yield sim, httpx.Client(base_url=server.url)


def post(client: httpx.Client, body: dict[str, Any], **headers: str) -> httpx.Response:
    return client.post(
        "/json/v5/reports", content=msgspec.json.encode(body), headers={"Authorization": "Bearer good", **headers}
    )


def test_direct_small_report_online_with_title_header_and_summary_in_micros(direct: Any) -> None:
    _, client = direct
    answer = post(client, spec(TODAY - timedelta(days=2), TODAY))
    assert answer.status_code == 200
    lines = answer.text.strip().split("\n")
    assert lines[0] == f'"r1 ({TODAY - timedelta(days=2)} - {TODAY})"'
    assert lines[1].split("\t") == ["Date", "CampaignId", "CampaignName", "Impressions", "Clicks", "Cost"]
    assert lines[-1] == f"Total rows: {len(lines) - 3}"
    for line in lines[2:-1]:
        day, campaign, _, shows, clicks, cost = line.split("\t")
        stats = day_stats(next(c for c in CAMPAIGNS if c.id == int(campaign)), date.fromisoformat(day))
        assert stats and int(shows) == stats.impressions and int(clicks) == stats.clicks
        assert int(cost) == stats.cost_kopecks * 10_000 * 122 // 100  # micros, VAT 22 % in 2026


def test_direct_money_in_roubles_without_header_and_summary(direct: Any) -> None:
    _, client = direct
    answer = post(client, spec(TODAY, TODAY, vat="NO"), returnMoneyInMicros="false", skipReportHeader="true",
                  skipReportSummary="true", skipColumnHeader="true")  # fmt: skip
    for line in answer.text.strip().split("\n"):
        cost = line.split("\t")[5]
        assert "." in cost and len(cost.split(".")[1]) == 2


def test_direct_large_report_is_queued_then_built_then_served(direct: Any) -> None:
    _, client = direct
    body = spec(TODAY - timedelta(days=100), TODAY, name="big")
    first = post(client, body)
    assert first.status_code == 201 and int(first.headers["retryIn"]) >= 1 and first.headers["reportsInQueue"] == "1"
    assert post(client, body).status_code == 202
    assert post(client, body).status_code == 200
    assert post(client, body, processingMode="online").status_code == 200  # built once, served again


def test_direct_errors_are_the_documented_json(direct: Any) -> None:
    _, client = direct
    bad = client.post(
        "/json/v5/reports", content=msgspec.json.encode(spec(TODAY, TODAY)), headers={"Authorization": "Bearer x"}
    )
    assert bad.status_code == 403
    error = bad.json()["error"]
    assert error["error_code"] == 53 and set(error) == {"request_id", "error_code", "error_string", "error_detail"}
    reused = post(client, spec(TODAY - timedelta(days=1), TODAY))  # the name r1 ...
    assert reused.status_code == 200
    other = post(client, spec(TODAY - timedelta(days=5), TODAY))  # ... with other parameters
    assert other.status_code == 400 and other.json()["error"]["error_code"] == 8000
    online = post(client, spec(TODAY - timedelta(days=150), TODAY, name="huge"), processingMode="online")
    assert online.status_code == 400


def test_direct_offline_queue_holds_five_reports(direct: Any) -> None:
    _, client = direct
    for n in range(5):
        assert post(client, spec(TODAY - timedelta(days=100 + n), TODAY, name=f"q{n}")).status_code == 201
    full = post(client, spec(TODAY - timedelta(days=120), TODAY, name="q6"))
    assert full.status_code == 400 and full.json()["error"]["error_code"] == 9000


def test_direct_agency_token_needs_client_login() -> None:
    sim = DirectSimulator(DirectConfig(token="good", campaigns=CAMPAIGNS, today=TODAY, client_login="client-1"))
    with sim.serve() as server, httpx.Client(base_url=server.url) as client:
        assert post(client, spec(TODAY, TODAY)).status_code == 400
        assert post(client, spec(TODAY, TODAY), **{"Client-Login": "other"}).status_code == 403
        assert post(client, spec(TODAY, TODAY), **{"Client-Login": "client-1"}).status_code == 200


class Clock:
    now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def vk() -> Any:
    clock = Clock()
    sim = VkSimulator(VkConfig("cid", "secret", CAMPAIGNS, TODAY, clock=clock))
    with sim.serve() as server:
        yield sim, httpx.Client(base_url=server.url), clock


def token(client: httpx.Client, **form: str) -> httpx.Response:
    return client.post("/api/v2/oauth2/token.json", data={"client_id": "cid", "client_secret": "secret", **form})


def test_vk_allows_five_live_tokens_and_delete_frees_them(vk: Any) -> None:
    sim, client, _ = vk
    issued = [token(client, grant_type="client_credentials") for _ in range(5)]
    assert all(a.status_code == 200 and a.json()["expires_in"] == "86400" for a in issued)
    sixth = token(client, grant_type="client_credentials")
    assert sixth.status_code == 403 and sixth.json()["error"] == "token_limit_exceeded"
    refreshed = token(client, grant_type="refresh_token", refresh_token=issued[0].json()["refresh_token"])
    assert refreshed.status_code == 200 and sim.live_tokens == 5  # a refresh takes no new slot
    assert (
        client.post(
            "/api/v2/oauth2/token/delete.json", data={"client_id": "cid", "client_secret": "secret"}
        ).status_code
        == 204
    )
    assert token(client, grant_type="client_credentials").status_code == 200
    assert token(client, grant_type="client_credentials", client_secret="wrong").status_code == 401


def test_vk_tokens_expire_and_statistics_keep_their_window(vk: Any) -> None:
    _, client, clock = vk
    access = token(client, grant_type="client_credentials").json()["access_token"]
    auth = {"Authorization": f"Bearer {access}"}
    ids = ",".join(str(c.id) for c in CAMPAIGNS)
    ok = client.get("/api/v2/statistics/ad_plans/day.json", headers=auth,
                    params={"id": ids, "date_from": str(TODAY - timedelta(days=91)), "date_to": str(TODAY)})  # fmt: skip
    assert ok.status_code == 200 and len(ok.json()["items"][0]["rows"]) == 92
    row = ok.json()["items"][0]["rows"][-1]["base"]
    assert set(row) >= {"shows", "clicks", "spent"} and isinstance(row["spent"], str)
    too_long = client.get("/api/v2/statistics/ad_plans/day.json", headers=auth,
                          params={"id": ids, "date_from": str(TODAY - timedelta(days=92)), "date_to": str(TODAY)})  # fmt: skip
    assert too_long.status_code == 400
    many = client.get("/api/v2/statistics/ad_plans/day.json", headers=auth,
                      params={"id": ",".join(map(str, range(1, 202))), "date_from": str(TODAY), "date_to": str(TODAY)})  # fmt: skip
    assert many.status_code == 400
    clock.now += 86_401
    expired = client.get("/api/v2/ad_plans.json", headers=auth)
    assert expired.status_code == 401 and expired.json()["error"]["code"] == "expired_token"
