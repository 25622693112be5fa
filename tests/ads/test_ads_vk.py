"""The VK Ads loader against the VK Ads simulator: spend equals the account's record, the token is kept and
refreshed (never a new one every run), and the token limit, a revoked token and bad statistics are one line each."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest

from integrations.ad_spend.loading import run
from integrations.qtickets_api.errors import ApiAuthError, ApiMalformedError
from integrations.vk_ads.statistics import VkStatistics
from tests.ads.conftest import TODAY, World, rows

CENT = Decimal("0.01")


def source(world: World) -> VkStatistics:
    settings = world.settings().vk
    assert settings is not None
    clock = world.vk.config.clock

    def sleep(seconds: float) -> None:  # waiting moves the simulator's clock: its rate limit is per second
        clock.now += seconds  # type: ignore[attr-defined]

    return VkStatistics(settings, sleep=sleep)


def stored(world: World) -> dict[tuple[object, int], tuple[int, int, Decimal, Decimal]]:
    return {
        (r[0], int(r[1])): (int(r[2]), int(r[3]), Decimal(r[4]), Decimal(r[5]))
        for r in rows(
            world,
            "SELECT spend_date, campaign_id, impressions, clicks, spend_ex_vat, spend FROM zakaz.fact_ad_spend_daily "
            "FINAL WHERE channel = 'vk_ads' AND (impressions > 0 OR spend > 0)",
        )
    }


def expected(world: World, days: int) -> dict[tuple[object, int], tuple[int, int, Decimal, Decimal]]:
    found = {}
    for key, (shows, clicks, kopecks) in world.vk.truth(TODAY - timedelta(days=days - 1), TODAY).items():
        ex = Decimal(kopecks) / 100
        rate = 22 if str(key[0]) >= "2026-01-01" else 20
        found[key] = (shows, clicks, ex, (ex * (100 + rate) / 100).quantize(CENT, ROUND_HALF_UP))
    return found


def test_a_year_in_92_day_windows_equals_the_accounts_record_with_one_token(world: World) -> None:
    outcome = run(world.settings(), source(world), days=365, today=TODAY)
    assert stored(world) == expected(world, 365)
    assert world.vk.requests["/api/v2/statistics/ad_plans/day.json"] == 4  # 365 days / 92
    assert world.vk.tokens_issued == 1
    assert outcome.run.api_requests == sum(world.vk.requests.values())
    for _ in range(3):
        run(world.settings(), source(world), days=3, today=TODAY)
    assert world.vk.tokens_issued == 1 and world.vk.requests["/api/v2/oauth2/token.json"] == 1
    assert stored(world) == expected(world, 365)


def test_an_expired_token_is_refreshed_not_replaced(world: World) -> None:
    run(world.settings(), source(world), days=3, today=TODAY)
    world.vk.config.clock.now += 2 * 86_400  # type: ignore[attr-defined]
    run(world.settings(), source(world), days=3, today=TODAY)
    assert world.vk.tokens_issued == 1
    assert world.vk.requests["/api/v2/oauth2/token.json"] == 2  # the issue, then one refresh
    assert world.vk.live_tokens == 1


def test_the_token_limit_is_one_clear_line_and_loses_nothing(world: World) -> None:
    run(world.settings(), source(world), days=5, today=TODAY)
    before = stored(world)
    # other tools took every live token and ours was deleted
    rows(world, "TRUNCATE TABLE zakaz.meta_vk_ads_token")
    world.vk._tokens.clear()
    for _ in range(5):
        world.vk._token({"grant_type": "client_credentials", "client_id": world.vk.config.client_id,
                         "client_secret": world.vk.config.client_secret})  # fmt: skip
    with pytest.raises(ApiAuthError) as caught:
        run(world.settings(), source(world), days=5, today=TODAY)
    line = caught.value.one_line()
    assert "5 live tokens" in line and "--delete-tokens" in line and "\n" not in line
    assert stored(world) == before


def test_a_revoked_token_is_one_line(world: World) -> None:
    run(world.settings(), source(world), days=3, today=TODAY)
    before = stored(world)
    world.vk.faults.revoked = True
    with pytest.raises(ApiAuthError) as caught:
        run(world.settings(), source(world), days=3, today=TODAY)
    assert "revoked" in caught.value.one_line()
    assert stored(world) == before
    assert rows(world, "SELECT status FROM zakaz.meta_job_runs WHERE job = 'vk_ads' ORDER BY started_at")[-1] == (
        "failed",
    )


def test_statistics_of_an_unexpected_shape_store_nothing_of_the_window(world: World) -> None:
    run(world.settings(), source(world), days=3, today=TODAY)
    before = stored(world)
    original = world.vk._statistics

    def broken(query: dict[str, str]) -> object:
        reply = original(query)
        return type(reply)(reply.status, reply.body.replace(b'"spent":"', b'"spent":"x'), reply.headers)

    world.vk._statistics = broken  # type: ignore[method-assign]
    with pytest.raises(ApiMalformedError):
        run(world.settings(), source(world), days=3, today=TODAY)
    assert stored(world) == before


def test_secrets_never_reach_the_log(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    run(world.settings(), source(world), days=3, today=TODAY)
    world.vk.config.clock.now += 2 * 86_400  # type: ignore[attr-defined]
    run(world.settings(), source(world), days=3, today=TODAY)
    ((access, refresh),) = rows(world, "SELECT access_token, refresh_token FROM zakaz.meta_vk_ads_token FINAL")
    text = caplog.text
    for secret in (access, refresh, world.vk.config.client_secret, world.vk.config.client_id):
        assert secret not in text
    assert "sha256:" in text
