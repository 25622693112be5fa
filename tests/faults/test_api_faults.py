"""No order lost, none duplicated: the loader under every fault the simulator can inject."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from integrations.qtickets_api import RunOptions, Settings, load_settings, run_loader
from integrations.qtickets_api.errors import ApiHttpError
from qtickets_sim import FaultConfig
from qtickets_sim.truth import expected_sales, malformed_order_ids
from tests.conftest import query
from tests.loader.test_end_to_end import HISTORY_START, facts

FAULTS = {
    "latency": FaultConfig(latency_ms=20, latency_jitter_ms=10),
    "429_retry_after": FaultConfig(p_429=0.1, retry_after_s=1),
    "502_503_504": FaultConfig(p_502=0.1, p_503=0.1, p_504=0.1),
    "unknown_error": FaultConfig(p_unknown_error=0.2),
    "timeout": FaultConfig(p_timeout=0.08, hang_s=2),
    "dropped_connection": FaultConfig(p_drop=0.25),
    "truncated_json": FaultConfig(p_truncated_json=0.25),
    "html_200": FaultConfig(p_html_200=0.25),
    "changes_while_paging": FaultConfig(p_mutation_during_paging=0.8),
}


def faulty_settings(settings: Settings) -> Settings:
    assert settings.envfile is not None
    return load_settings(
        settings.envfile,
        overrides={
            "QTICKETS_API_MAX_ATTEMPTS": "10",
            "QTICKETS_API_TIMEOUT": "1",
            "QTICKETS_API_PER_PAGE": "100",
            "QTICKETS_API_BACKOFF_S": "0.05",
        },
    )


def window_run(settings: Settings, sim: Any, hours: float | None = None) -> Any:
    until = sim.now() + timedelta(seconds=1)
    since = HISTORY_START if hours is None else until - timedelta(hours=hours)
    return run_loader(settings, RunOptions(since=since, until=until, per_page=settings.api_per_page))


def truth_without_malformed(sim: Any) -> dict[Any, Any]:
    orders = sim.orders()
    bad = malformed_order_ids(orders)
    good = [o for o in orders if o.get("id") not in bad and "id" in o]
    return {k: (int(v[0]), v[1]) for k, v in expected_sales(good, tz="Europe/Moscow").items()}


def assert_no_duplicates(settings: Settings) -> None:
    raw = query(settings, "SELECT count(), uniqExact(order_id, version) FROM zakaz.stg_qtickets_api_orders_raw")[0]
    assert raw[0] == raw[1], f"duplicate order versions in the raw table: {raw}"
    keys = query(
        settings,
        "SELECT count(), uniqExact(sales_date, city, event_id, show_id) FROM zakaz.fact_qtickets_sales_daily",
    )[0]
    assert keys[0] == keys[1], f"duplicate fact rows: {keys}"


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_faults_lose_and_duplicate_nothing(name: str, settings: Settings, sim: Any) -> None:
    s = faulty_settings(settings)
    sim.set_faults(FAULTS[name])
    window_run(s, sim)
    for _ in range(2):
        sim.advance(timedelta(hours=2))
        window_run(s, sim, hours=24)
    injected = sum(sim.stats()["faults"].values())
    sim.set_faults(FaultConfig())
    # the run after the faults converges: orders changed behind the pager are caught by updated_at
    window_run(s, sim, hours=24)
    assert injected > 0, f"{name}: no fault was injected, the test proves nothing"
    assert facts(s) == {k: (v[0], v[1]) for k, v in truth_without_malformed(sim).items()}
    assert_no_duplicates(s)
    runs = query(s, "SELECT status, retries FROM zakaz.meta_job_runs ORDER BY started_at")
    assert all(r[0] == "success" for r in runs)
    if name not in ("latency", "changes_while_paging"):
        assert sum(r[1] for r in runs) > 0, "faults were injected but no retry was recorded"


def test_malformed_orders_are_set_aside_and_the_rest_loads(settings: Settings, sim: Any) -> None:
    sim.set_faults(FaultConfig(malformed_orders=5))
    result = window_run(settings, sim)
    assert result.record.status == "success"
    rejects = query(settings, "SELECT entity, entity_id, reason, payload FROM zakaz.stg_qtickets_api_rejects")
    assert len(rejects) == 5 and all(r[0] == "order" and r[2] for r in rejects)
    assert query(settings, "SELECT rejected FROM zakaz.meta_job_runs")[0][0] == 5
    assert facts(settings) == truth_without_malformed(sim)
    emails = {o["client"]["email"] for o in sim.orders() if isinstance(o.get("client"), dict)}
    assert not any(e in r[3] for r in rejects for e in emails if e)


def test_retries_are_bounded_and_a_failing_run_is_recorded(settings: Settings, sim: Any) -> None:
    s = load_settings(
        settings.envfile,  # type: ignore[arg-type]
        overrides={
            "QTICKETS_API_MAX_ATTEMPTS": "4",
            "QTICKETS_API_RETRY_BUDGET_S": "20",
            "QTICKETS_API_BACKOFF_S": "0.05",
        },
    )
    window_run(s, sim)
    before = query(s, "SELECT count(), sum(revenue) FROM zakaz.fact_qtickets_sales_daily")
    sim.set_faults(FaultConfig(all_503=True))
    with pytest.raises(ApiHttpError, match="HTTP 503"):
        window_run(s, sim, hours=24)
    runs = query(s, "SELECT status, retries, error FROM zakaz.meta_job_runs ORDER BY started_at")
    assert [r[0] for r in runs] == ["success", "failed"]
    assert runs[1][1] == 3 and "503" in runs[1][2]
    assert query(s, "SELECT count(), sum(revenue) FROM zakaz.fact_qtickets_sales_daily") == before


def test_dashboard_never_sees_a_partial_month_or_duplicates_between_runs(settings: Settings, sim: Any) -> None:
    window_run(settings, sim)
    for _ in range(3):
        sim.advance(timedelta(hours=8))
        window_run(settings, sim, hours=24)
        assert_no_duplicates(settings)
    assert facts(settings) == truth_without_malformed(sim)


def test_env_file_readable_by_others_is_refused_with_the_flag(tmp_path: Path, envfile: Path) -> None:
    from tests.conftest import run_cli

    envfile.chmod(0o644)
    r = run_cli(["integrations.qtickets_api.loader", "--envfile", str(envfile), "--strict-perms"], cwd=tmp_path)
    assert r.returncode == 2 and "readable by other users" in r.stderr and "chmod 600" in r.stderr
    r = run_cli(["integrations.qtickets_api.loader", "--envfile", str(envfile), "--dry-run"], cwd=tmp_path)
    assert r.returncode == 0 and "readable by other users" in r.stderr
