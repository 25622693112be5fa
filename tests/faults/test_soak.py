"""The soak in a shortened form: consecutive incremental runs with random faults, one of them stopped as SIGTERM
stops it in the middle of a six-hour catch-up and two robbed of their lease mid-run, lose and duplicate nothing."""

from __future__ import annotations

from pathlib import Path

from tools.soak import soak


def test_short_soak_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    report = soak(runs=25, orders=800, seed=11, data_dir=tmp_path / "ch")
    # the 25, the last one, the one stopped mid catch-up and the two whose lease was stolen
    assert report["runs"] == 29 and report["interrupted_runs"] == 1
    assert report["lease_steals"] == 2 and report["lease_lost_runs"] == 2, report
    assert report["faults_injected"] > 0 and report["retries"] > 0
    assert report["orders"] > 800, "live activity created orders"
    assert (report["lost"], report["duplicated"], report["fact_rows_differing"]) == (0, 0, 0), report
