"""The soak in a shortened form with webhooks and polling together: nothing lost, nothing duplicated, the facts
equal to the truth, every delivery that was sent answered 200 and no forgery taken — while the store's thread is
killed now and then, callers hang up before their answer, a run is stopped mid catch-up and two lose their lease."""

from __future__ import annotations

from pathlib import Path

from tools.soak import soak


def test_short_soak_with_webhooks_and_polling_together(tmp_path: Path) -> None:
    report = soak(runs=20, orders=800, seed=17, data_dir=tmp_path / "ch", webhooks=True)
    assert report["webhook_deliveries"] > 100 and report["webhooks_dropped"] > 0 and report["forgeries_sent"] > 0
    assert report["runs"] == 24 and report["failed_runs"] < report["runs"] and report["interrupted_runs"] == 1
    assert report["lease_steals"] == 2 and report["lease_lost_runs"] == 2, report
    assert report["store_kills"] > 0 and report["store_restarts"] >= report["store_kills"], report
    assert report["abandoned_callers"] > 0, report
    assert (report["lost"], report["duplicated"], report["fact_rows_differing"]) == (0, 0, 0), report
    assert (report["webhooks_not_answered_200"], report["forgeries_accepted"]) == (0, 0), report
