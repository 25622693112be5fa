"""A run that loses the run lease publishes nothing more, is recorded as ``lease_lost``, and the next run repairs it.

Two ways to lose it mid-run: a second claimant forges the holder's expiry and claims the lease (then publishes what
is staged so far, so that the watermark passes the stamp the first run goes on writing with: without the repair,
those orders would stay in staging and never reach the facts); and renewals failing for longer than the lease's
lifetime (an injected clock, renewals refused by the ClickHouse HTTP front). Each ends with staged = facts = the
simulator's truth.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from integrations.qtickets_api import Settings
from integrations.qtickets_api.errors import LeaseLostError
from integrations.qtickets_api.ingest import run as run_module
from integrations.qtickets_api.storage import Lease, StagingWriter, Storage, connect, facts, repair, who
from integrations.qtickets_api.storage.state import get_state, stamp_state
from tests.conftest import query
from tests.faults.test_api_faults import assert_no_duplicates
from tests.loader.test_end_to_end import backfill, incremental, truth
from tests.storage.test_server_path import ch_envfile, ch_password, ch_settings, front  # noqa: F401 - fixtures
from tests.support.ch_http_front import ChHttpFront

Facts = dict[tuple[Any, int, int], tuple[int, Decimal]]
FLUSH = 40  # orders per staging insert: the run writes several batches, the steal comes between two


class Clock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def read_facts(storage: Storage) -> Facts:
    rows = storage.rows(
        "SELECT sales_date, event_id, show_id, sum(tickets_sold), sum(revenue) "
        "FROM zakaz.fact_qtickets_sales_daily GROUP BY sales_date, event_id, show_id"
    )
    return {(r[0], int(r[1]), int(r[2])): (int(r[3]), Decimal(r[4])) for r in rows}


def inventory(storage: Storage) -> list[tuple[Any, ...]]:
    return sorted(tuple(r) for r in storage.rows("SELECT * FROM zakaz.fact_qtickets_inventory_latest"))


def assert_staged_equals_facts_equals_truth(settings: Settings, sim: Any) -> None:
    """The facts as the runs left them, a full rebuild from staging, and the simulator's truth agree."""
    with connect(settings) as storage:
        built = read_facts(storage)
        stamp_state(storage, facts.WATERMARK, facts.EPOCH)
        facts.rebuild_sales(storage, settings.tz)
        staged = read_facts(storage)
    want = truth(sim)
    assert built == want, f"facts differ from the truth in {len(set(built.items()) ^ set(want.items()))} rows"
    assert staged == want
    assert_no_duplicates(settings)


def writer_that(after_first_write: Callable[[StagingWriter], None]) -> type[StagingWriter]:
    class Writer(StagingWriter):
        writes = 0

        def write_orders(self, batch: Any) -> tuple[int, int]:
            written = super().write_orders(batch)
            Writer.writes += 1
            if Writer.writes == 1:
                after_first_write(self)
            return written

    return Writer


def run_record(settings: Settings, status: str) -> list[tuple[Any, ...]]:
    return query(settings, "SELECT run_id, error FROM zakaz.meta_job_runs WHERE status = {s:String}", {"s": status})


def test_a_lease_stolen_mid_run_publishes_nothing_more_and_the_next_run_repairs(
    settings: Settings, sim: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    backfill(settings, sim)
    sim.advance(timedelta(days=3))
    seen: dict[str, Any] = {}

    def steal(writer: StagingWriter) -> None:
        thief_connection = writer.storage.another()
        try:
            victim = who(thief_connection)
            assert victim is not None
            # the forged expiry: a row saying the victim's claim ran out a minute ago
            thief_connection.command(
                "INSERT INTO zakaz.meta_run_lease (name, token, holder, claimed_at, expires_at, at, generation) "
                "SELECT name, token, holder, claimed_at, now64(6) - INTERVAL 1 MINUTE, now64(6), generation "
                "FROM zakaz.meta_run_lease WHERE token = {t:String} LIMIT 1",
                {"t": victim.token},
            )
            thief = Lease(thief_connection, trigger="thief", renew=False)
            assert thief.try_acquire(), "the forged expiry did not free the lease: the test proves nothing"
            assert thief.generation > victim.generation
            # the new holder publishes what is staged so far: the watermark passes the victim's stamp
            facts.rebuild_sales(thief_connection, settings.tz, fence=thief.check)
            thief.release()
            seen["facts"], seen["inventory"] = read_facts(thief_connection), inventory(thief_connection)
            seen["watermark"] = get_state(thief_connection, facts.WATERMARK)
        finally:
            thief_connection.close()

    monkeypatch.setattr(run_module, "FLUSH_ORDERS", FLUSH)
    monkeypatch.setattr(run_module, "StagingWriter", writer_that(steal))
    with pytest.raises(LeaseLostError, match="lost"):
        incremental(settings, sim, hours=96)
    assert seen, "the steal never happened: the test proves nothing"
    monkeypatch.undo()

    # the first run published nothing after the steal: facts, inventory and watermark are the thief's
    with connect(settings) as storage:
        assert read_facts(storage) == seen["facts"]
        assert inventory(storage) == seen["inventory"]
        assert get_state(storage, facts.WATERMARK) == seen["watermark"]
        assert read_facts(storage) != truth(sim), "nothing was left to repair: the test proves nothing"
        assert len(repair.pending(storage)) == 1
    (lost,) = run_record(settings, "lease_lost")
    assert "run lease" in lost[1] and "thief" in lost[1]

    result = incremental(settings, sim, hours=96)
    assert result.record.status == "success"
    with connect(settings) as storage:
        assert repair.pending(storage) == {}
    assert_staged_equals_facts_equals_truth(settings, sim)


def test_renewals_failing_for_longer_than_the_lifetime_abort_the_run_before_it_publishes(
    ch_settings: Settings,  # noqa: F811 - the fixture
    sim: Any,
    front: ChHttpFront,  # noqa: F811 - the fixture
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    backfill(ch_settings, sim)
    sim.advance(timedelta(days=3))
    clock = Clock()
    leases: list[Lease] = []

    def lease(*args: Any, **kwargs: Any) -> Lease:
        made = functools.partial(Lease, clock=clock)(*args, **kwargs)
        leases.append(made)
        return made

    def renewals_fail(_writer: StagingWriter) -> None:
        (held,) = leases
        refused = front.fail_matching(r"^INSERT INTO zakaz\.meta_run_lease .* top = ", "500", times=None)
        for _ in range(4):  # every renewal of a third of the ttl fails, for longer than the lifetime
            clock.now += held.ttl_s / 3
            assert held.renew_once()  # a failed renewal is not yet a loss ...
        assert refused.hits == 4
        front.heal()
        assert clock.now - 1000.0 > held.ttl_s  # ... but no renewal was confirmed for longer than the lifetime

    with connect(ch_settings) as storage:
        before, inventory_before = read_facts(storage), inventory(storage)
        watermark = get_state(storage, facts.WATERMARK)
    publishing = r"^ALTER TABLE zakaz\.fact_"  # the swaps; the watermark is compared below
    published = len(front.statements(publishing))
    monkeypatch.setattr(run_module, "Lease", lease)
    monkeypatch.setattr(run_module, "FLUSH_ORDERS", FLUSH)
    monkeypatch.setattr(run_module, "StagingWriter", writer_that(renewals_fail))
    with pytest.raises(LeaseLostError, match="no renewal was confirmed"):
        incremental(ch_settings, sim, hours=96)
    monkeypatch.undo()
    assert len(front.statements(publishing)) == published, "the run published after its lease was lost"

    with connect(ch_settings) as storage:
        assert read_facts(storage) == before
        assert inventory(storage) == inventory_before
        assert get_state(storage, facts.WATERMARK) == watermark
    (lost,) = run_record(ch_settings, "lease_lost")
    assert "more than half" in lost[1]

    assert incremental(ch_settings, sim, hours=96).record.status == "success"
    assert_staged_equals_facts_equals_truth(ch_settings, sim)
