"""Spend mapped to cities, events and shows by each of the three rules, and ROMI, ROAS and cost per ticket equal
to an independent computation from the simulator's orders and the ad accounts' records."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from integrations.ad_spend import rules
from integrations.ad_spend.loading import run
from integrations.vk_ads.statistics import VkStatistics
from integrations.yandex_direct.reports import DirectReports
from tests.ads.conftest import TODAY, World, rows
from tests.ads.truth import attributed, counted_baskets, season_show, with_vat


def load_both(world: World, days: int = 365) -> None:
    settings = world.settings()
    assert settings.direct and settings.vk
    run(settings, DirectReports(settings.direct, sleep=lambda s: None), days=days, today=TODAY)
    clock = world.vk.config.clock

    def sleep(seconds: float) -> None:
        clock.now += seconds  # type: ignore[attr-defined]

    run(settings, VkStatistics(settings.vk, sleep=sleep), days=days, today=TODAY)


def mapping(world: World) -> dict[tuple[str, int], tuple[str, int, int, str]]:
    return {
        (str(r[0]), int(r[1])): (str(r[2]), int(r[3]), int(r[4]), str(r[5]))
        for r in rows(
            world,
            "SELECT channel, campaign_id, any(city), any(event_id), any(show_id), any(mapped_by) "
            "FROM zakaz.fact_ad_spend_daily FINAL GROUP BY channel, campaign_id",
        )
    }


def load_rules(world: World, text: str) -> str:
    path = world.tmp / "rules.csv"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(rules.cli, ["--envfile", str(world.envfile), "--csv", str(path)])
    assert result.exit_code == 0, result.output
    return result.output


def test_each_rule_maps_its_campaigns_and_the_rest_stay_unmapped(world: World) -> None:
    load_both(world)
    events = world.sim._store.event_list
    tagged_ids = {
        int(o["utm"]["utm_campaign"])
        for o in world.sim.orders()
        if isinstance(o.get("utm"), dict) and counted_baskets(o) and str(o["utm"].get("utm_campaign", "")).isdigit()
    }
    found = mapping(world)
    plan = {("yandex_direct", c.id): c for c in world.sim.ad_campaigns("yandex")}
    plan |= {("vk_ads", c.id): c for c in world.sim.ad_campaigns("vk")}
    checked = {"utm_content": 0, "utm_campaign": 0, "none": 0}
    for key, (city, event_id, show_id, by) in found.items():
        campaign = plan[key]
        if campaign.word == "season":
            want = season_show(campaign, events)
            if want is not None:
                assert (city, event_id, show_id, by) == (*want, "utm_content"), campaign.name
                checked["utm_content"] += 1
        elif campaign.id in tagged_ids:  # the other words' campaigns, through the orders that carry their ids
            assert (event_id, by) == (campaign.event_id, "utm_campaign"), campaign.name
            checked["utm_campaign"] += 1
        else:  # the brand campaign, and campaigns no counted order carries
            assert (city, event_id, show_id, by) == ("", 0, 0, "none"), campaign.name
            checked["none"] += 1
    assert all(checked.values()), checked
    view = rows(world, "SELECT DISTINCT city FROM zakaz.bi_ad_spend_daily WHERE mapped_by = 'none'")
    assert view == [("не сопоставлено",)]

    # the organiser's rules: the kids campaigns by city, the brand campaign kept unmapped on purpose
    cities = sorted({e.venue.city.name for e in events})
    text = "шаблон;канал;город;мероприятие;сеанс\n*Бренд*;;;;\n" + "".join(f"Дети — *({c});;{c};;\n" for c in cities)
    assert "campaigns mapped anew" in load_rules(world, text)
    after = mapping(world)
    for key, (city, event_id, _, by) in after.items():
        campaign = plan[key]
        if campaign.word == "kids":
            assert (city, by) == (campaign.name.rsplit("(", 1)[1].rstrip(")"), "rules")
        elif campaign.event_id == 0:
            assert by == "none"
        else:
            assert after[key] == found[key]  # the other rules' results stand
    assert sum(1 for v in after.values() if v[3] == "rules") == sum(1 for key in after if plan[key].word == "kids")


def test_a_bad_rules_file_is_one_line_naming_the_line(world: World) -> None:
    path = world.tmp / "rules.csv"
    path.write_text("pattern;channel;city\n*a*;;Томск\n*b*;google;Томск\n", encoding="utf-8")
    result = CliRunner().invoke(rules.cli, ["--envfile", str(world.envfile), "--csv", str(path)])
    assert getattr(result.exception, "exit_code", None) == 2  # main_guard turns it into exit 2
    assert "rules.csv line 3" in str(result.exception) and "google" in str(result.exception)


def test_romi_roas_and_cost_per_ticket_equal_an_independent_computation(world: World) -> None:
    load_both(world)
    first = TODAY - timedelta(days=364)
    spend = {"yandex_direct": Decimal(0), "vk_ads": Decimal(0)}
    campaigns: set[tuple[str, int]] = set()
    for channel, truth in (
        ("yandex_direct", world.direct.truth(first, TODAY)),
        ("vk_ads", world.vk.truth(first, TODAY)),
    ):
        for (day, campaign), (_, _, kopecks) in truth.items():
            spend[channel] += with_vat(kopecks, day)
            campaigns.add((channel, campaign))
    sold = attributed(world.sim.orders(), campaigns)
    got = {
        str(r[0]): r[1:]
        for r in rows(
            world,
            "SELECT channel, sum(spend), sum(tickets), sum(revenue), sum(orders) FROM zakaz.bi_romi "
            "WHERE channel IN ('yandex_direct', 'vk_ads') GROUP BY channel",
        )
    }
    for channel in spend:
        tickets = sum(v[0] for k, v in sold.items() if k[0] == channel)
        revenue = sum((v[1] for k, v in sold.items() if k[0] == channel), Decimal("0.00"))
        assert tickets > 0 and spend[channel] > 0
        assert (Decimal(got[channel][0]), int(got[channel][1]), Decimal(got[channel][2])) == (
            spend[channel],
            tickets,
            revenue,
        )
        # the ratios the page shows: sum/sum over the channel's rows
        roas, romi, per_ticket = rows(
            world,
            "SELECT toFloat64(sum(revenue)) / toFloat64(sum(spend)), "
            "(toFloat64(sum(revenue)) - toFloat64(sum(spend))) / toFloat64(sum(spend)), "
            "toFloat64(sum(spend)) / sum(tickets) "
            "FROM zakaz.bi_romi WHERE channel = {c:String}",
            {"c": channel},
        )[0]
        assert float(roas) == pytest.approx(float(revenue / spend[channel]), rel=1e-9)
        assert float(romi) == pytest.approx(float((revenue - spend[channel]) / spend[channel]), rel=1e-9)
        assert float(per_ticket) == pytest.approx(float(spend[channel] / tickets), rel=1e-9)
    # each row's own ratios are its sums' (NULL where the denominator is 0)
    for spend_, tickets_, revenue_, roas_, romi_, per_ticket_ in rows(
        world, "SELECT spend, tickets, revenue, roas, romi, cost_per_ticket FROM zakaz.bi_romi"
    ):
        if spend_ > 0:
            assert roas_ == pytest.approx(float(revenue_) / float(spend_))
            assert romi_ == pytest.approx((float(revenue_) - float(spend_)) / float(spend_))
        else:
            assert roas_ is None and romi_ is None
        assert per_ticket_ == (pytest.approx(float(spend_) / tickets_) if tickets_ else None)
    # per show: the attributed revenue sits where the orders' shows are
    by_show = {
        (str(r[0]), int(r[1]), int(r[2])): Decimal(r[3])
        for r in rows(
            world,
            "SELECT channel, event_id, show_id, sum(revenue) FROM zakaz.bi_romi WHERE revenue > 0 AND "
            "channel IN ('yandex_direct', 'vk_ads') GROUP BY channel, event_id, show_id",
        )
    }
    assert by_show == {k: v[1] for k, v in sold.items() if v[1] > 0}
    # untagged orders are their own row, never dropped
    untagged = rows(world, "SELECT sum(revenue) FROM zakaz.bi_romi WHERE channel = 'без метки'")[0][0]
    expected_untagged = sum(
        (Decimal(str(b["price"])) for o in world.sim.orders() if not o.get("utm") for b in counted_baskets(o)),
        Decimal("0.00"),
    )
    assert Decimal(untagged) == expected_untagged > 0


def test_the_rules_command_dry_run_touches_nothing(world: World, tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("pattern;city\n*x*;Томск\n", encoding="utf-8")
    result = CliRunner().invoke(rules.cli, ["--envfile", str(world.envfile), "--csv", str(path), "--dry-run"])
    assert result.exit_code == 0 and "Would load 1 rules" in result.output


def test_the_panels_rows_equal_the_accounts_records_and_the_orders(world: World) -> None:
    from datetime import date

    from integrations.qtickets_api.bi.ad_panels import AD_SPEND, ROMI, Filters, light
    from integrations.qtickets_api.storage import connect

    load_both(world)
    first = TODAY - timedelta(days=364)
    spend: dict[tuple[str, int], Decimal] = {}
    clicks: dict[tuple[str, int], int] = {}
    for channel, truth in (
        ("yandex_direct", world.direct.truth(first, TODAY)),
        ("vk_ads", world.vk.truth(first, TODAY)),
    ):
        for (day, campaign), (_, n, kopecks) in truth.items():
            spend[(channel, campaign)] = spend.get((channel, campaign), Decimal(0)) + with_vat(kopecks, day)
            clicks[(channel, campaign)] = clicks.get((channel, campaign), 0) + n
    sold = attributed(world.sim.orders(), set(spend))
    with connect(world.settings().base) as storage:
        everything = Filters(date(2021, 1, 1), TODAY)
        campaigns = AD_SPEND.query(storage, everything)
        romi = ROMI.query(storage, everything)
    assert {(r["channel"], r["campaign_id"]): Decimal(r["spend"]) for r in campaigns} == spend
    for row in campaigns:
        key = (row["channel"], row["campaign_id"])
        assert row["clicks"] == clicks[key]
        assert row["cpc"] == (pytest.approx(float(spend[key]) / clicks[key]) if clicks[key] else None)
        assert set(row) >= {"channel", "campaign_id", "campaign_name", "city", "event_id", "show_id", "spend", "clicks",
                            "impressions", "orders", "tickets", "revenue", "cost_per_ticket", "roas", "romi"}  # fmt: skip
    assert any(r["city"] == "не сопоставлено" for r in campaigns)
    for channel in ("yandex_direct", "vk_ads"):
        rows_ = [r for r in romi if r["channel"] == channel]
        total_spend = sum((Decimal(r["spend"]) for r in rows_), Decimal(0))
        revenue = sum((Decimal(r["revenue"]) for r in rows_), Decimal(0))
        want_revenue = sum((v[1] for k, v in sold.items() if k[0] == channel), Decimal("0.00"))
        assert total_spend == sum(v for k, v in spend.items() if k[0] == channel)
        assert revenue == want_revenue
    for row in romi:
        if row["spend"]:
            assert row["romi"] == pytest.approx((float(row["revenue"]) - float(row["spend"])) / float(row["spend"]))
            assert row["romi_light"] == light(row["romi"])
        else:
            assert row["romi"] is None and row["roas"] is None and row["romi_light"] == ""
    assert any(r["channel"] == "без метки" and r["revenue"] > 0 for r in romi)
    assert [light(-0.5), light(0.0), light(0.99), light(1.0), light(None)] == [
        "красный",
        "жёлтый",
        "жёлтый",
        "зелёный",
        "",
    ]
