"""The numbers stay exact under any schedule and any answer the real API gives (issue 10, "Numbers"): each test
fails on the loader as it was before, and compares with a truth computed apart from the loader."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from integrations.qtickets_api import RunOptions, Settings, connect, load_settings, run_loader
from integrations.qtickets_api.ingest import encode_orders
from integrations.qtickets_api.storage import StagingWriter, Target, facts, migrations
from qtickets_sim import FaultConfig, Simulator, SimulatorConfig
from tests.conftest import SIM_NOW, query, run_cli, write_env
from tests.loader.test_end_to_end import HISTORY_START, assert_facts_equal_truth, backfill, incremental
from tests.loader.test_fact_columns import assert_all_facts_equal_truth


def test_a_show_moved_to_another_date_moves_in_the_facts(settings: Settings, sim: Any, token: str) -> None:
    backfill(settings, sim)
    (show_id, before), *_ = query(
        settings,
        "SELECT show_id, any(show_start) FROM zakaz.fact_qtickets_sales_daily GROUP BY show_id "
        "ORDER BY sum(tickets_sold) DESC LIMIT 1",
    )
    event = sim.reschedule_show(int(show_id), timedelta(days=3, hours=2))
    moved = next(s for s in event["shows"] if s["id"] == show_id)
    incremental(settings, sim, hours=1)  # no order changed in this window: only the show did
    starts = query(
        settings,
        "SELECT DISTINCT show_start FROM zakaz.fact_qtickets_sales_daily WHERE show_id = {s:UInt64} "
        "UNION ALL SELECT DISTINCT show_start FROM zakaz.fact_qtickets_sales_detail WHERE show_id = {s:UInt64}",
        {"s": show_id},
    )
    want = datetime.fromisoformat(moved["start_date"])
    assert {row[0] for row in starts} == {want}, f"was {before}"
    assert_all_facts_equal_truth(settings, sim, token)


def test_an_order_booked_and_paid_in_the_same_second_keeps_its_paid_state(tmp_path: Path) -> None:
    booked = {
        "id": 1, "event_id": 1, "payed": False, "payed_at": None, "created_at": "2026-01-05T10:00:00+03:00",
        "updated_at": "2026-01-05T10:00:00+03:00", "baskets": [{"id": 1, "show_id": 1, "price": 500, "quantity": 2}],
    }  # fmt: skip
    paid = {**booked, "payed": True, "payed_at": "2026-01-05T10:00:00+03:00"}
    with connect(Target(db="zakaz", data_dir=tmp_path / "ch")) as storage:
        migrations.apply(storage, "Europe/Moscow")
        writer = StagingWriter(storage)
        for state in (booked, paid, booked):  # a webhook replaying the older state after the newer one
            writer.write_orders(encode_orders([state], run_id="r", loaded_at=datetime.now(UTC)).lines)
            facts.rebuild_sales(storage, "Europe/Moscow")
        sold = storage.rows("SELECT sum(tickets_sold), sum(revenue) FROM zakaz.fact_qtickets_sales_daily")
        versions = storage.rows("SELECT count() FROM zakaz.stg_qtickets_api_orders_raw")
    assert sold == [(2, Decimal(500))]  # a basket's price is for the basket, whatever its quantity
    assert versions == [(2,)], "one row per distinct state: the replay of the booked state is not stored again"


@pytest.mark.parametrize("cap", [120, 37])
def test_paging_goes_on_past_a_short_page_without_paging_block(tmp_path: Path, token: str, cap: int) -> None:
    """The API caps perPage below what we ask and may drop the paging block: a short page is not the end."""
    simulator = Simulator(
        SimulatorConfig(seed=7, orders=1500, token=token, now=SIM_NOW, clock="manual", per_page_cap=cap),
        faults=FaultConfig(drop_paging=True),
    )
    with simulator.serve(host="127.0.0.1", port=0) as server:
        simulator.base_url = server.base_url  # type: ignore[attr-defined]
        env = write_env(tmp_path / "e.env", {"QTICKETS_API_BASE_URL": server.base_url, "QTICKETS_API_TOKEN": token,
                                             "CLICKHOUSE_DATA_DIR": str(tmp_path / "ch")})  # fmt: skip
        settings = load_settings(env)
        result = backfill(settings, simulator)
        assert result.record.rows["orders_fetched"] == len(simulator.orders())
        assert_facts_equal_truth(settings, simulator)


def test_a_rejected_record_is_stored_once_however_many_runs_see_it(tmp_path: Path, token: str) -> None:
    simulator = Simulator(
        SimulatorConfig(seed=7, orders=800, token=token, now=SIM_NOW, clock="manual"),
        faults=FaultConfig(malformed_orders=5),
    )
    with simulator.serve(host="127.0.0.1", port=0) as server:
        env = write_env(tmp_path / "e.env", {"QTICKETS_API_BASE_URL": server.base_url, "QTICKETS_API_TOKEN": token,
                                             "CLICKHOUSE_DATA_DIR": str(tmp_path / "ch")})  # fmt: skip
        settings = load_settings(env)
        for _ in range(3):
            result = backfill(settings, simulator)
            assert result.record.rejected >= 5
        stored = query(settings, "SELECT count(), uniqExact(entity_id, record_key) FROM zakaz.stg_qtickets_api_rejects")
    assert stored[0][0] == stored[0][1] and stored[0][0] == result.record.rejected


def test_parallel_fetchers_load_exactly_what_one_does(settings: Settings, sim: Any, token: str) -> None:
    run_loader(settings, RunOptions(since=HISTORY_START, until=sim.now() + timedelta(seconds=1), concurrency=3,
                                    per_page=40))  # fmt: skip
    assert_all_facts_equal_truth(settings, sim, token)


def test_until_includes_its_whole_day(settings: Settings, sim: Any, envfile: Path, tmp_path: Path) -> None:
    paid = sorted(
        (datetime.fromisoformat(o["payed_at"]), o["id"])
        for o in sim.orders()
        if isinstance(o, dict) and o.get("payed_at")
    )
    last_day = paid[len(paid) // 2][0].astimezone(settings.zone).date()
    on_it = {i for ts, i in paid if ts.astimezone(settings.zone).date() == last_day}
    # the window is on updated_at: a paid order of that day not changed since is in it exactly when --until is inclusive
    args = ["integrations.qtickets_api.loader", "--envfile", str(envfile), "--since", str(last_day),
            "--until", str(last_day), "--skip-inventory"]  # fmt: skip
    done = run_cli(args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    loaded = {r[0] for r in query(settings, "SELECT order_id FROM zakaz.stg_qtickets_api_orders_raw")}
    updated_that_day = {
        o["id"] for o in sim.orders()
        if isinstance(o, dict) and datetime.fromisoformat(o["updated_at"]).astimezone(settings.zone).date() == last_day
    }  # fmt: skip
    assert updated_that_day and loaded == updated_that_day
    assert on_it & loaded


def test_timestamps_without_an_offset_are_moscow_time(tmp_path: Path) -> None:
    naive = {
        "id": 1, "event_id": 1, "payed": True, "payed_at": "2026-01-31 23:30:00", "created_at": "2026-01-31 23:00:00",
        "updated_at": "2026-01-31 23:30:00", "baskets": [{"id": 1, "show_id": 1, "price": 100, "quantity": 1}],
    }  # fmt: skip
    with connect(Target(db="zakaz", data_dir=tmp_path / "ch")) as storage:
        migrations.apply(storage, "Asia/Novosibirsk")
        StagingWriter(storage).write_orders(encode_orders([naive], run_id="r", loaded_at=datetime.now(UTC)).lines)
        facts.rebuild_sales(storage, "Asia/Novosibirsk")
        stored = storage.rows("SELECT toString(payed_at) FROM zakaz.stg_qtickets_api_orders_raw")
        day = storage.rows("SELECT sales_date FROM zakaz.fact_qtickets_sales_daily")
    assert stored == [("2026-01-31 20:30:00.000",)]  # 23:30 Moscow is 20:30 UTC
    assert [str(d[0]) for d in day] == ["2026-02-01"]  # and 03:30 the next day in Novosibirsk


class FailSeatsOf(httpx.BaseTransport):
    """QTickets failing the seat map of one show (HTTP 500 every time), everything else as served."""

    def __init__(self, show_id: int) -> None:
        self.show_id = show_id
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(f"/shows/{self.show_id}/seats"):
            return httpx.Response(500, json={"error": "Unknown error", "status": 500})
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def test_a_show_whose_seats_fail_keeps_its_previous_snapshot(settings: Settings, sim: Any) -> None:
    backfill(settings, sim)
    before = dict(
        (r[0], r[1:]) for r in query(
            settings, "SELECT show_id, tickets_left, tickets_paid, snapshot_at FROM zakaz.fact_qtickets_inventory_latest"
        )
    )  # fmt: skip
    show_id = next(sid for sid, row in before.items() if row[0] is not None)
    zones_before = query(
        settings,
        "SELECT * FROM zakaz.fact_qtickets_inventory_zones WHERE show_id = {s:UInt64} ORDER BY zone",
        {"s": show_id},
    )
    sim.advance(timedelta(hours=6))
    until = sim.now() + timedelta(seconds=1)
    failing = FailSeatsOf(show_id)
    result = run_loader(settings, RunOptions(since=until - timedelta(hours=24), until=until), transport=failing)
    assert result.record.rows["inventory_shows_skipped"] == 1
    after = dict(
        (r[0], r[1:]) for r in query(
            settings, "SELECT show_id, tickets_left, tickets_paid, snapshot_at FROM zakaz.fact_qtickets_inventory_latest"
        )
    )  # fmt: skip
    assert after[show_id] == before[show_id], "the unreadable show keeps its previous snapshot, untouched"
    assert any(after[s][2] > before[s][2] for s in after if s != show_id), "the other shows were read anew"
    assert (
        query(
            settings,
            "SELECT * FROM zakaz.fact_qtickets_inventory_zones WHERE show_id = {s:UInt64} ORDER BY zone",
            {"s": show_id},
        )
        == zones_before
    )


def test_events_are_read_with_a_field_list_and_in_full_where_it_is_ignored(settings: Settings, sim: Any) -> None:
    """Reading every event on every run: the field list keeps it small; where the API ignores it, the full
    answers are used as they are, and the numbers are the same either way."""
    backfill(settings, sim)

    def fifteen_minutes() -> Any:  # seat maps left out: this compares what the events cost
        sim.advance(timedelta(minutes=15))
        until = sim.now() + timedelta(seconds=1)
        return run_loader(settings, RunOptions(since=until - timedelta(hours=24), until=until, skip_inventory=True))

    def events_bytes() -> int:
        return int(sim.stats()["bytes_out"].get("GET /events", 0))

    before = events_bytes()
    small = fifteen_minutes()
    selected = events_bytes() - before
    sim.set_faults(FaultConfig(ignore_select=True))
    full = fifteen_minutes()
    in_full = events_bytes() - before - selected
    sim.set_faults(FaultConfig())
    assert small.record.rows["events_select_honoured"] == 1 and full.record.rows["events_select_honoured"] == 0
    assert 0 < selected * 10 <= in_full, (selected, in_full)
    assert_facts_equal_truth(settings, sim)


class RefuseSelect(httpx.BaseTransport):
    """QTickets answering 503 UNKNOWN_ERROR (its catch-all for a request it cannot serve) to /events with a field
    list, and everything else as served."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/events") and b'"select"' in request.read():
            return httpx.Response(503, json={"error": "Unknown error", "status": 503, "code": "UNKNOWN_ERROR"})
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def test_events_are_read_in_full_where_the_api_refuses_the_field_list(settings: Settings, sim: Any) -> None:
    s = load_settings(settings.envfile, overrides={"QTICKETS_API_BACKOFF_S": "0.01"})  # type: ignore[arg-type]
    until = sim.now() + timedelta(seconds=1)
    result = run_loader(s, RunOptions(since=HISTORY_START, until=until), transport=RefuseSelect())
    assert result.record.status == "success" and result.record.rows["events_select_honoured"] == 0
    assert_facts_equal_truth(settings, sim)
