"""The ad loaders on the service's schedule: one pass loads both sources on the service's own session, a failing
source is recorded, logged and named by ``/healthz`` while the other still loads, and bad schedule keys are one line."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from starlette.testclient import TestClient

from integrations.ad_spend.settings import ad_settings
from integrations.qtickets_api.config import load_settings, read_env_sources
from integrations.qtickets_api.errors import ConfigError
from integrations.qtickets_api.service import Service, ServiceOptions, ad_schedule, build_app
from integrations.qtickets_api.storage import connect, migrations
from tests.ads import test_ads_direct, test_ads_vk
from tests.ads.conftest import DIRECT_TOKEN, TODAY, VK_SECRET, World, rows


def a_plan(world: World, days: int = 3) -> ad_schedule.AdPlan:
    # the sources with the tests' clocks (Direct's offline polling and VK's rate limit wait on them)
    return ad_schedule.AdPlan(
        world.settings(), (test_ads_direct.source(world), test_ads_vk.source(world)), interval_s=60.0, days=days
    )


def test_one_pass_loads_both_sources_on_the_services_session(world: World) -> None:
    status = ad_schedule.AdStatus()
    base = world.settings().base
    with connect(base) as storage:
        migrations.migrate(storage, base.tz)
        ad_schedule.tick(storage, a_plan(world), status, today=TODAY)
    assert test_ads_direct.stored(world) == test_ads_direct.expected(world, 3)
    assert test_ads_vk.stored(world) == test_ads_vk.expected(world, 3)
    assert status.failed() == []
    jobs = rows(world, "SELECT job, status FROM zakaz.meta_job_runs WHERE job != 'qtickets_api' ORDER BY job")
    assert jobs == [("vk_ads", "success"), ("yandex_direct", "success")]


def test_a_failing_source_is_recorded_named_and_does_not_stop_the_other(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    world.direct.faults.revoked = True
    status = ad_schedule.AdStatus()
    base = world.settings().base
    with connect(base) as storage, caplog.at_level(logging.INFO, "integrations.qtickets_api"):
        migrations.migrate(storage, base.tz)
        ad_schedule.tick(storage, a_plan(world), status, today=TODAY)
    assert test_ads_vk.stored(world) == test_ads_vk.expected(world, 3)  # VK loaded all the same
    failed = status.failed()
    assert len(failed) == 1 and failed[0].startswith("Yandex Direct: failed at ")
    recorded = rows(world, "SELECT status, error FROM zakaz.meta_job_runs WHERE job = 'yandex_direct'")
    assert len(recorded) == 1 and recorded[0][0] == "failed" and recorded[0][1]
    assert recorded[0][1] in failed[0]  # the same one-line reason in the table and on /healthz
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "Yandex Direct" in errors[0]
    blob = "\n".join(r.getMessage() for r in caplog.records) + "\n".join(failed) + str(recorded)
    assert DIRECT_TOKEN not in blob and VK_SECRET not in blob
    # the next pass succeeds: the source is no longer named
    world.direct.faults.revoked = False
    with connect(base) as storage:
        ad_schedule.tick(storage, a_plan(world), status, today=TODAY)
    assert status.failed() == []
    assert test_ads_direct.stored(world) == test_ads_direct.expected(world, 3)


def test_healthz_stays_up_but_names_a_failed_source(world: World) -> None:
    settings = load_settings(world.envfile)
    service = Service(settings, ServiceOptions(schedule=False))
    app = build_app(service)
    with TestClient(app) as client:
        assert client.get("/healthz").text == "ok\n"
        service.ad_status.set("vk_ads", "failed", datetime(2026, 11, 20, 6, 0, tzinfo=UTC), "VK Ads: the API said 500")
        answer = client.get("/healthz")
        assert answer.status_code == 200
        assert answer.text == "ok\nwarning: VK Ads: failed at 2026-11-20 06:00 UTC: VK Ads: the API said 500\n"
        service.ad_status.set("vk_ads", "success", datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
        assert client.get("/healthz").text == "ok\n"


def test_the_plan_follows_the_credentials_and_refuses_bad_keys(world: World) -> None:
    env = dict(read_env_sources(world.envfile))
    base = world.settings().base
    found = ad_schedule.plan(env, base)
    assert found is not None
    assert [s.job for s in found.sources] == ["yandex_direct", "vk_ads"]
    assert (found.interval_s, found.days) == (ad_schedule.INTERVAL_MINUTES * 60.0, ad_schedule.DAYS)
    assert ad_settings(env, base).direct is not None
    off = {k: v for k, v in env.items() if not k.startswith(("YANDEX_DIRECT_", "VK_ADS_"))}
    assert ad_schedule.plan(off, base) is None
    tuned = ad_schedule.plan({**env, "AD_SPEND_INTERVAL_MINUTES": "60", "AD_SPEND_DAYS": "7"}, base)
    assert tuned is not None and (tuned.interval_s, tuned.days) == (3600.0, 7)
    for key, value in (("AD_SPEND_INTERVAL_MINUTES", "0"), ("AD_SPEND_DAYS", "three"), ("AD_SPEND_DAYS", "999")):
        with pytest.raises(ConfigError, match=key):
            ad_schedule.plan({**env, key: value}, base)
