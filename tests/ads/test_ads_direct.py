"""The Yandex Direct loader against the Direct simulator and the embedded ClickHouse."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest

from integrations.ad_spend.loading import run
from integrations.qtickets_api.errors import ApiAuthError, ApiError, ApiMalformedError
from integrations.yandex_direct.reports import DirectReports
from tests.ads.conftest import TODAY, World, rows

CENT = Decimal("0.01")


def vat(day: object) -> int:
    return 22 if str(day) >= "2026-01-01" else 20


def expected(world: World, days: int) -> dict[tuple[object, int], tuple[int, int, Decimal]]:
    """The simulator's own record, with VAT added as the account charges it (kopecks x (100 + VAT) / 100)."""
    truth = world.direct.truth(TODAY - timedelta(days=days - 1), TODAY)
    return {
        key: (shows, clicks, (Decimal(kopecks) * (100 + vat(key[0])) / 10_000).quantize(CENT, ROUND_HALF_UP))
        for key, (shows, clicks, kopecks) in truth.items()
    }


def stored(world: World) -> dict[tuple[object, int], tuple[int, int, Decimal]]:
    return {
        (r[0], int(r[1])): (int(r[2]), int(r[3]), Decimal(r[4]))
        for r in rows(
            world,
            "SELECT spend_date, campaign_id, impressions, clicks, spend FROM zakaz.fact_ad_spend_daily FINAL "
            "WHERE channel = 'yandex_direct' AND (impressions > 0 OR spend > 0)",
        )
    }


class FakeTime:
    def __init__(self) -> None:
        self.t = 0.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds

    def monotonic(self) -> float:
        return self.t


def source(world: World, clock: FakeTime | None = None) -> DirectReports:
    clock = clock or FakeTime()
    settings = world.settings().direct
    assert settings is not None
    return DirectReports(settings, sleep=clock.sleep, monotonic=clock.monotonic)


def test_a_year_backfill_equals_the_accounts_record_and_a_rerun_changes_nothing(world: World) -> None:
    clock = FakeTime()
    outcome = run(world.settings(), source(world, clock), days=365, today=TODAY)
    truth = expected(world, 365)
    assert len(truth) > 100
    assert stored(world) == truth
    # the reports were large: built offline, polled after retryIn, never hammered
    assert clock.slept and all(s >= 1 for s in clock.slept)
    assert outcome.run.api_requests == world.direct.requests["/json/v5/reports"]
    before = rows(world, "SELECT count(), sum(spend) FROM zakaz.fact_ad_spend_daily FINAL")
    run(world.settings(), source(world), days=3, today=TODAY)
    assert rows(world, "SELECT count(), sum(spend) FROM zakaz.fact_ad_spend_daily FINAL") == before
    assert stored(world) == truth
    jobs = rows(
        world, "SELECT status, api_requests FROM zakaz.meta_job_runs WHERE job = 'yandex_direct' ORDER BY started_at"
    )
    assert [j[0] for j in jobs] == ["success", "success"]


def test_vat_is_stated_explicitly(world: World) -> None:
    run(world.settings(), source(world), days=3, today=TODAY)
    for spend, ex, rate, how in rows(
        world, "SELECT spend, spend_ex_vat, vat_rate, vat_source FROM zakaz.fact_ad_spend_daily FINAL"
    ):
        assert how == "reported" and rate == 22
        assert abs(Decimal(ex) * Decimal("1.22") - Decimal(spend)) <= Decimal("0.01")


@pytest.mark.parametrize(
    ("fault", "error", "words"),
    [
        ("stuck", ApiError, "still building the report"),
        ("revoked", ApiAuthError, "error 53"),
        ("malformed", ApiMalformedError, "is malformed"),
    ],
)
def test_a_failed_run_is_one_line_and_loses_nothing(world: World, fault: str, error: type, words: str) -> None:
    run(world.settings(), source(world), days=10, today=TODAY)
    before = stored(world)
    setattr(world.direct.faults, fault, True)
    world.direct._ready.clear()  # a new report: the fault applies to it
    with pytest.raises(error) as caught:
        run(world.settings(), source(world), days=10, today=TODAY)
    line = caught.value.one_line()
    assert words in line and "\n" not in line
    assert stored(world) == before
    status, message = rows(
        world, "SELECT status, error FROM zakaz.meta_job_runs WHERE job = 'yandex_direct' ORDER BY started_at"
    )[-1]
    assert status == "failed" and words in message


def test_a_day_the_account_no_longer_reports_is_written_again_as_zero(world: World) -> None:
    run(world.settings(), source(world), days=10, today=TODAY)
    gone = next(iter({campaign for _, campaign in expected(world, 10)}))
    world.direct.config.campaigns = [c for c in world.direct.config.campaigns if c.id != gone]
    world.direct._ready.clear()
    world.direct._names.clear()
    run(world.settings(), source(world), days=10, today=TODAY)
    assert stored(world) == expected(world, 10)  # the campaign's spend in the window is gone, nothing else moved
    (count,) = rows(world, "SELECT count() FROM zakaz.fact_ad_spend_daily FINAL WHERE campaign_id = {c:UInt64}",
                    {"c": gone})[0]  # fmt: skip
    assert count > 0  # kept as rows of zero, not silently left at the old figures
