"""The ad loaders on the service's schedule: one pass loads both sources on the service's own session, a failing
source is recorded, logged and named by ``/healthz`` while the other still loads, and bad schedule keys are one line."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from starlette.testclient import TestClient

from integrations.ad_spend.settings import ad_settings
from integrations.qtickets_api.config import load_settings, read_env_sources
from integrations.qtickets_api.errors import ConfigError
from integrations.qtickets_api.notify import digest, figures, ru
from integrations.qtickets_api.service import Service, ServiceOptions, ad_schedule, build_app
from integrations.qtickets_api.storage import connect, migrations
from tests.ads import test_ads_direct, test_ads_vk
from tests.ads.conftest import DIRECT_TOKEN, TODAY, VK_SECRET, World, rows
from tests.ads.truth import attributed

MOSCOW = ZoneInfo("Europe/Moscow")


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


def test_the_digest_line_equals_a_days_spend_and_what_its_tags_sold(world: World) -> None:
    base = world.settings().base
    days = 60
    direct, vk = test_ads_direct.expected(world, days), test_ads_vk.expected(world, days)
    campaigns = {("yandex_direct", k[1]) for k in direct} | {("vk_ads", k[1]) for k in vk}
    by_day: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for order in world.sim.orders():
        if order.get("payed_at"):
            by_day[datetime.fromisoformat(order["payed_at"]).astimezone(MOSCOW).date()].append(order)
    first = TODAY - timedelta(days=days - 1)

    def tagged(day: date) -> dict[tuple[str, int, int], list[Any]]:
        return attributed(by_day[day], campaigns)

    # the day of the window whose tags sold most (a digest's "yesterday")
    day = max((first + timedelta(days=n) for n in range(days)), key=lambda d: sum(v[0] for v in tagged(d).values()))
    with connect(base) as storage:
        migrations.migrate(storage, base.tz)
        ad_schedule.tick(storage, a_plan(world, days), ad_schedule.AdStatus(), today=TODAY)
        got = figures.ad_day(storage, day)
    spend = sum((v[2] for k, v in direct.items() if k[0] == day), Decimal(0))
    spend += sum((v[3] for k, v in vk.items() if k[0] == day), Decimal(0))
    tickets = sum(v[0] for v in tagged(day).values())
    revenue = sum((v[1] for v in tagged(day).values()), Decimal("0.00"))
    assert spend > 0 and tickets > 0
    assert (got.spend, got.tickets, got.revenue) == (spend, tickets, revenue)
    line = digest.ads_line(got)
    assert line.startswith(f"<b>Реклама:</b> {ru.money(spend)} · по меткам {ru.integer(tickets)} бил. · ")
    assert line.endswith(f"ROMI {ru.percent(float((revenue - spend) / spend))}")
    assert digest.ads_line(figures.AdDay(day, Decimal(100), 0, Decimal(0))).endswith("ROMI -100,0\u00a0%")
