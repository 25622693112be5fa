"""The loader against the simulator and the embedded ClickHouse: the facts must equal the truth
computed independently from the simulator's own data, after any sequence of runs and windows."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from integrations.qtickets_api import RunOptions, Settings, run_loader
from qtickets_sim.truth import expected_inventory, expected_inventory_zones, expected_sales
from tests.conftest import query

HISTORY_START = datetime(2021, 1, 1, tzinfo=UTC)


def backfill(settings: Settings, sim: Any, **kw: Any) -> Any:
    return run_loader(settings, RunOptions(since=HISTORY_START, until=sim.now() + timedelta(seconds=1), **kw))


def incremental(settings: Settings, sim: Any, hours: float = 24) -> Any:
    until = sim.now() + timedelta(seconds=1)
    return run_loader(settings, RunOptions(since=until - timedelta(hours=hours), until=until))


def facts(settings: Settings) -> dict[tuple[Any, int, int], tuple[int, Decimal]]:
    rows = query(
        settings,
        "SELECT sales_date, event_id, show_id, sum(tickets_sold), sum(revenue) "
        "FROM zakaz.fact_qtickets_sales_daily GROUP BY sales_date, event_id, show_id",
    )
    return {(r[0], int(r[1]), int(r[2])): (int(r[3]), Decimal(r[4])) for r in rows}


def truth(sim: Any) -> dict[tuple[Any, int, int], tuple[int, Decimal]]:
    return {k: (int(v[0]), Decimal(v[1])) for k, v in expected_sales(sim.orders(), tz="Europe/Moscow").items()}


def assert_facts_equal_truth(settings: Settings, sim: Any) -> None:
    got, want = facts(settings), truth(sim)
    missing = {k: v for k, v in want.items() if got.get(k) != v}
    extra = {k: v for k, v in got.items() if k not in want}
    assert not missing and not extra, (
        f"differs from truth: missing/wrong {list(missing.items())[:5]}, extra {list(extra.items())[:5]}"
    )


def test_backfill_equals_truth_and_reports_the_run(settings: Settings, sim: Any) -> None:
    result = backfill(settings, sim)
    assert result.record.status == "success"
    assert_facts_equal_truth(settings, sim)
    # names and cities come from /events
    names = dict(query(settings, "SELECT DISTINCT event_id, event_name FROM zakaz.fact_qtickets_sales_daily"))
    events = {e["id"]: e for e in sim.events()}
    assert names and all(events[int(k)]["name"] == v for k, v in names.items())
    runs = query(settings, "SELECT status, rows['stg_qtickets_api_orders_raw'], api_requests FROM zakaz.meta_job_runs")
    assert len(runs) == 1 and runs[0][0] == "success" and runs[0][1] > 0 and runs[0][2] > 0


def test_rerunning_any_window_changes_no_total(settings: Settings, sim: Any) -> None:
    backfill(settings, sim)
    before = query(settings, "SELECT count(), sum(tickets_sold), sum(revenue) FROM zakaz.fact_qtickets_sales_daily")
    raw_before = query(settings, "SELECT count() FROM zakaz.stg_qtickets_api_orders_raw")
    backfill(settings, sim)
    incremental(settings, sim)
    incremental(settings, sim, hours=24 * 90)
    assert (
        query(settings, "SELECT count(), sum(tickets_sold), sum(revenue) FROM zakaz.fact_qtickets_sales_daily")
        == before
    )
    assert query(settings, "SELECT count() FROM zakaz.stg_qtickets_api_orders_raw") == raw_before
    assert_facts_equal_truth(settings, sim)


def test_incremental_runs_follow_live_activity_including_old_refunds(settings: Settings, sim: Any) -> None:
    backfill(settings, sim)
    changed_old_orders = 0
    for _ in range(8):
        sim.advance(timedelta(hours=3))
        incremental(settings, sim, hours=24)
        assert_facts_equal_truth(settings, sim)
    # at least one order paid long before its refund, caught only through updated_at
    for order in sim.orders():
        refunded = [b for b in order.get("baskets") or [] if isinstance(b, dict) and b.get("refunded_at")]
        if refunded and order.get("payed_at"):
            paid = datetime.fromisoformat(order["payed_at"])
            refund = max(datetime.fromisoformat(b["refunded_at"]) for b in refunded)
            if refund - paid > timedelta(days=14) and refund > sim.now() - timedelta(hours=24):
                changed_old_orders += 1
    assert changed_old_orders > 0, "the simulator produced no late refund: the test proves nothing"


def test_refund_of_an_order_paid_weeks_before_the_window(settings: Settings, sim: Any) -> None:
    backfill(settings, sim)
    order = sim.refund_old_paid_order(min_age=timedelta(days=21))
    paid_day = datetime.fromisoformat(order["payed_at"]).astimezone(settings.zone).date()
    before = query(
        settings,
        "SELECT sum(tickets_sold) FROM zakaz.fact_qtickets_sales_daily WHERE sales_date = {d:Date}",
        {"d": paid_day},
    )[0][0]
    sim.advance(timedelta(minutes=15))
    incremental(settings, sim, hours=1)
    after = query(
        settings,
        "SELECT sum(tickets_sold) FROM zakaz.fact_qtickets_sales_daily WHERE sales_date = {d:Date}",
        {"d": paid_day},
    )[0][0]
    assert after < before
    assert_facts_equal_truth(settings, sim)


def test_windows_in_any_order_converge(settings: Settings, sim: Any) -> None:
    now = sim.now() + timedelta(seconds=1)
    for since, until in [
        (now - timedelta(days=400), now - timedelta(days=100)),
        (HISTORY_START, now - timedelta(days=300)),
        (now - timedelta(days=200), now),
        (now - timedelta(days=120), now - timedelta(days=90)),
    ]:
        run_loader(settings, RunOptions(since=since, until=until))
    assert_facts_equal_truth(settings, sim)


def test_inventory_equals_truth_and_is_never_negative(settings: Settings, sim: Any) -> None:
    backfill(settings, sim)
    rows = query(
        settings,
        "SELECT show_id, tickets_total, tickets_left, city, capacity_known FROM zakaz.fact_qtickets_inventory_latest",
    )
    events = sim.events()
    live_shows = {s["id"] for e in events for s in e.get("shows") or []}
    seats = {sid: sim.seats(sid, flat=True) for sid in live_shows}
    want = expected_inventory(events, seats, sim.now())
    got = {int(r[0]): (r[1], r[2]) for r in rows}
    assert want and got == want
    unknown = [r for r in rows if r[1] is None]
    assert unknown and all(r[2] is None and r[4] == 0 for r in unknown), "exhibitions: capacity unknown, never 0"
    known = [r for r in rows if r[1] is not None]
    assert known and all(0 <= r[2] <= r[1] and r[4] == 1 for r in known)
    assert all(r[3] for r in rows), "every show has a city"
    by_city: dict[str, int] = defaultdict(int)
    for r in known:
        by_city[r[3]] += r[2]
    check = query(
        settings,
        "SELECT city, sum(tickets_left) FROM zakaz.fact_qtickets_inventory_latest WHERE capacity_known = 1 "
        "GROUP BY city ORDER BY city",
    )
    assert {c: int(v) for c, v in check} == dict(by_city)
    zones = query(
        settings,
        "SELECT show_id, zone, capacity, tickets_left, tickets_paid FROM zakaz.fact_qtickets_inventory_zones",
    )
    want_zones = expected_inventory_zones(events, seats, sim.now())
    assert {(int(r[0]), r[1]): (r[2], r[3], int(r[4])) for r in zones} == {
        k: (v.capacity, v.left, v.sold) for k, v in want_zones.items()
    }


def test_dry_run_writes_nothing(settings: Settings, sim: Any) -> None:
    backfill(settings, sim)
    tables = [
        "stg_qtickets_api_orders_raw", "stg_qtickets_api_baskets", "fact_qtickets_sales_daily",
        "fact_qtickets_inventory_latest", "meta_job_runs", "dim_qtickets_api_events",
    ]  # fmt: skip
    counts = {t: query(settings, f"SELECT count() FROM zakaz.{t}")[0][0] for t in tables}
    sim.advance(timedelta(hours=6))
    result = run_loader(settings, RunOptions(since=HISTORY_START, until=sim.now() + timedelta(seconds=1), dry_run=True))
    assert result.preview is not None and result.preview.rows["stg_qtickets_api_orders_raw"] > 0
    assert result.record.status == "dry_run"
    assert {t: query(settings, f"SELECT count() FROM zakaz.{t}")[0][0] for t in tables} == counts
    # it counts what a real run would write: the order versions not stored yet, not every order it fetched
    would = result.preview.rows["stg_qtickets_api_orders_raw"]
    assert would < result.preview.rows["orders_fetched"]
    real = run_loader(settings, RunOptions(since=HISTORY_START, until=sim.now() + timedelta(seconds=1)))
    assert real.record.rows["stg_qtickets_api_orders_raw"] == would


def test_no_personal_data_or_token_in_the_raw_table(settings: Settings, sim: Any, token: str) -> None:
    backfill(settings, sim)
    payloads = "\n".join(r[0] for r in query(settings, "SELECT payload FROM zakaz.stg_qtickets_api_orders_raw"))
    for order in sim.orders()[:300]:
        client = order.get("client") or {}
        if isinstance(client, dict) and client.get("email"):
            assert client["email"] not in payloads
            phone = (client.get("details") or {}).get("phone")
            if phone:
                assert phone not in payloads
    assert token not in payloads
    assert '"client_id"' in payloads


def test_a_wall_clock_stepping_back_does_not_hide_changes(settings: Settings, sim: Any) -> None:
    from integrations.qtickets_api.storage import connect, facts, set_state

    backfill(settings, sim)
    with connect(settings) as storage:  # as if the last build happened an hour "later" than now
        future = datetime.now(UTC) + timedelta(hours=1)
        set_state(storage, facts.WATERMARK, future.strftime("%Y-%m-%d %H:%M:%S.%f"), future)
    sim.refund_old_paid_order(min_age=timedelta(days=30))
    sim.advance(timedelta(minutes=15))
    incremental(settings, sim)
    assert_facts_equal_truth(settings, sim)


def test_clickhouse_credentials_may_live_in_env_ch(tmp_path: Any, sim: Any, token: str) -> None:
    from integrations.qtickets_api import load_settings
    from tests.conftest import write_env

    env = write_env(
        tmp_path / "secrets" / ".env.qtickets_api", {"QTICKETS_API_BASE_URL": sim.base_url, "QTICKETS_API_TOKEN": token}
    )
    write_env(
        tmp_path / "secrets" / ".env.ch",
        {"CLICKHOUSE_HOST": "https://ch.example:8443", "CLICKHOUSE_USER": "etl_writer", "CLICKHOUSE_PASSWORD": "pw"},
    )
    s = load_settings(env)
    assert (s.clickhouse_host, s.clickhouse_user, s.clickhouse_password) == (
        "https://ch.example:8443",
        "etl_writer",
        "pw",
    )
    assert "pw" not in str(s.describe()) and "pw" not in repr(s)
