"""The run lease held in ClickHouse: one holder among racing threads, expiry of a holder that stopped renewing,
and rebuilds of the facts that cannot mix their rows however they interleave. Expiry is judged by the server's
clock, so the tests wait for that clock to pass a moment; the holder's own clock and the waiting run's sleep are
injected. (tests/storage/test_lease_fencing.py has the fence itself.)"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from integrations.qtickets_api import Settings
from integrations.qtickets_api.errors import LeaseLostError
from integrations.qtickets_api.storage import Lease, Storage, Target, connect, facts, migrations, set_state, who
from tests.conftest import query
from tests.loader.test_end_to_end import assert_facts_equal_truth, backfill


class Clock:
    """The holder's monotonic clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[Storage]:
    with connect(Target(db="zakaz", data_dir=tmp_path / "ch")) as opened:
        migrations.apply(opened, "Europe/Moscow")
        yield opened


def test_of_threads_racing_for_the_lease_exactly_one_holds_it(storage: Storage) -> None:
    connections = [storage.another() for _ in range(6)]
    leases = [Lease(c, trigger=f"thread {n}", settle_s=0.3) for n, c in enumerate(connections)]
    start = threading.Barrier(len(leases))
    won: list[int] = []

    def race(n: int) -> None:
        start.wait()
        if leases[n].try_acquire():
            won.append(n)

    threads = [threading.Thread(target=race, args=(n,)) for n in range(len(leases))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1, f"holders: {won}"
    holder = who(storage)
    assert holder is not None and holder.token == leases[won[0]].token
    leases[won[0]].check()  # the fence agrees with the claim
    loser = next(lease for n, lease in enumerate(leases) if n != won[0])
    assert not loser.try_acquire()
    leases[won[0]].release()
    assert who(storage) is None
    assert loser.try_acquire()
    loser.release()
    for c in connections:
        c.close()


def server_time_passes(storage: Storage, moment: datetime) -> None:
    """Until ClickHouse's own clock (the one expiries are judged by) is past ``moment``: a condition, not a guess."""
    for _ in range(600):
        if storage.rows("SELECT now64(6)")[0][0] > moment:
            return
        time.sleep(0.01)
    raise AssertionError(f"the server's clock never passed {moment}")


def test_a_holder_that_stops_renewing_loses_the_lease_when_it_expires(storage: Storage) -> None:
    # as if the process died: nothing renews it, nothing releases it
    killed = Lease(storage.another(), trigger="killed", ttl_s=0.5, renew=False)
    assert killed.try_acquire()
    other = Lease(storage, trigger="next", renew=False)
    assert not other.try_acquire()
    holder = who(storage)
    assert holder is not None
    server_time_passes(storage, holder.expires)
    assert other.try_acquire(), "the lease of a holder that stopped renewing never expired"
    assert other.generation > killed.generation
    with pytest.raises(LeaseLostError):
        killed.check()
    other.release()
    killed.storage.close()


def test_a_holder_keeps_the_lease_past_its_ttl_while_it_renews(storage: Storage) -> None:
    clock = Clock()
    holder = Lease(storage.another(), trigger="long run", ttl_s=3.0, renew=False, clock=clock)
    assert holder.try_acquire()
    first = who(storage)
    assert first is not None
    server_time_passes(storage, first.since + timedelta(seconds=1.5))
    clock.now += 1.0
    assert holder.renew_once()
    renewed = who(storage)
    assert renewed is not None and renewed.expires > first.expires
    server_time_passes(storage, first.expires)  # past the ttl of the claim itself
    assert not Lease(storage, trigger="tick", renew=False).try_acquire()
    holder.check()
    holder.release()
    holder.storage.close()


def test_a_waiting_run_takes_the_lease_once_it_is_released(storage: Storage) -> None:
    first = Lease(storage.another(), trigger="first", renew=False)
    assert first.try_acquire()
    told: list[str] = []
    clock = Clock()
    waits: list[float] = []

    def sleep(seconds: float) -> None:  # the first run ends while the second waits its first poll
        if not seconds:  # a claim's settle (none on the embedded engine)
            return
        waits.append(seconds)
        clock.now += seconds
        if len(waits) == 1:
            first.release()

    second = Lease(storage, trigger="second", poll_s=0.2, renew=False, clock=clock, sleep=sleep)
    assert second.acquire(30, on_wait=lambda h: told.append(h.holder))
    assert told and "first" in told[0]
    assert waits == [0.2]
    second.release()
    first.storage.close()


def test_fact_rebuilds_running_at_once_never_mix_their_rows(settings: Settings, sim: Any) -> None:
    backfill(settings, sim)
    with connect(settings) as storage:
        # forget that the facts were built: both rebuilds recompute every month, at the same time
        for table in ("fact_qtickets_sales_detail", "fact_qtickets_refunds_daily"):  # the daily fact is a view of it
            storage.command(f"TRUNCATE TABLE zakaz.{table}")
        set_state(storage, facts.WATERMARK, facts.EPOCH, storage.rows("SELECT now64(6)")[0][0])
        connections = [storage.another(), storage.another()]
        start = threading.Barrier(2)
        errors: list[BaseException] = []

        def rebuild(connection: Storage) -> None:
            start.wait()
            try:
                facts.rebuild_sales(connection, settings.tz)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=rebuild, args=(c,)) for c in connections]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for c in connections:
            c.close()
    assert errors == []
    assert_facts_equal_truth(settings, sim)
    dupes = query(
        settings,
        "SELECT sales_date, city, event_id, show_id, count() AS n FROM zakaz.fact_qtickets_sales_daily "
        "GROUP BY sales_date, city, event_id, show_id HAVING n > 1",
    )
    assert dupes == []
    leftovers = query(settings, "SELECT name FROM system.tables WHERE database = 'zakaz' AND name LIKE '%__stage_%'")
    assert leftovers == []
