"""Webhooks and the 15-minute run together: every kind of change reaches the facts within seconds, and a burst
with duplicates, reordering, drops and forgeries converges to the truth once the next scheduled run has run."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from integrations.qtickets_api.service import LoaderSchedule
from qtickets_sim.truth import expected_inventory
from qtickets_sim.webhooks import WebhookConfig, WebhookFaults
from tests.webhooks.support import (
    SECRET,
    Running,
    World,
    facts_differences,
    open_a_show,
    running_service,
    staged_versions,
    truth_versions,
    world,
)


@pytest.fixture(scope="module")
def hooked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, Running]]:
    root = tmp_path_factory.mktemp("converge")
    with world(root, orders=2000, activity_per_hour=300.0, scans_per_hour=200.0, behind=timedelta(hours=8)) as w:
        open_a_show(w.sim)
        with running_service(w) as run:
            yield w, run


def duplicates(run: Running) -> int:
    rows = run.rows("SELECT count() - uniqExact(order_id, version) FROM zakaz.stg_qtickets_api_orders_raw")
    return int(rows[0][0])


def test_every_kind_of_change_reaches_the_facts_and_the_inventory_without_a_run(
    hooked: tuple[World, Running],
) -> None:
    w, run = hooked
    sender = w.sim.send_webhooks(WebhookConfig(url=run.hook_url, secret=SECRET))
    try:
        summary: dict[str, Any] = {"new_orders": 0, "payments": 0, "cancellations": 0, "refunds": 0, "scans": 0}
        for _ in range(6):
            step = w.sim.advance(timedelta(minutes=20))
            for key in summary:
                summary[key] += step[key]
            time.sleep(0.2)
        assert sender.flush(60)
    finally:
        w.sim.stop_webhooks()
    assert all(summary.values()), summary
    assert {r.event_type for r in sender.records} >= {"created", "payed", "deleted", "refunded", "checked"}
    assert all(r.ok_at is not None for r in sender.records)
    run.settle()
    assert facts_differences(run, w) == []
    assert truth_versions(w.sim) == staged_versions(run)
    scanned = run.rows("SELECT sum(tickets_scanned) FROM zakaz.fact_qtickets_sales_detail")[0][0]
    assert int(scanned) > 0
    # the inventory of the shows the changes touched is the simulator's, as of now
    touched = sorted({s for r in sender.records for s in _shows(r.body)})
    listed = {int(r[0]): (r[1], r[2]) for r in run.rows(
        "SELECT show_id, tickets_total, tickets_left FROM zakaz.fact_qtickets_inventory_latest")}  # fmt: skip
    events = w.sim.events()
    coming = {s for s in touched if s in listed}
    assert coming, "no touched show is in the inventory: the test proves nothing"
    every = {show["id"] for event in events for show in event.get("shows") or []}
    want = expected_inventory(events, {s: w.sim.seats(s) for s in every}, w.sim.now())
    assert {s: listed[s] for s in coming} == {s: want[s] for s in coming}


def _shows(body: bytes) -> set[int]:
    import msgspec

    return {int(b["show_id"]) for b in msgspec.json.decode(body).get("baskets") or []}


def test_a_faulty_burst_converges_to_the_truth_after_the_next_scheduled_run(hooked: tuple[World, Running]) -> None:
    w, run = hooked
    faults = WebhookFaults(p_duplicate=0.3, p_reorder=0.3, reorder_delay_s=0.3, p_drop=0.1, attacks_per_delivery=0.3)
    sender = w.sim.send_webhooks(WebhookConfig(url=run.hook_url, secret=SECRET, faults=faults, seed=3, workers=12))
    try:
        for _ in range(10):
            w.sim.advance(timedelta(minutes=12))
            for _ in range(5):
                w.sim.sell_now()
        assert sender.flush(60)
    finally:
        w.sim.stop_webhooks()
    summary = sender.summary()
    assert summary["dropped"] > 0 and summary["duplicated"] > 0 and sum(summary["attacks"].values()) > 0
    assert set(summary["attacks"]) == {401}, summary["attacks"]  # no forgery was taken
    assert summary["answered_200"] == summary["deliveries"] - summary["dropped"]
    run.settle()
    assert duplicates(run) == 0
    lost = {o for o, v in truth_versions(w.sim).items() if staged_versions(run).get(o) != v}
    assert lost, "no drop lost a latest state: the test proves nothing"
    # the next scheduled run repairs what was dropped; it takes turns with the refresher
    schedule = LoaderSchedule(w.settings, run.service.writer, gate=run.service.gate)  # type: ignore[arg-type]
    asyncio.run(schedule.run_once())
    assert schedule.status.last_status == "success", schedule.status.last_error
    run.settle()
    assert truth_versions(w.sim) == staged_versions(run)
    assert duplicates(run) == 0
    assert facts_differences(run, w) == []
