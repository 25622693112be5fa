"""The run lease held in ClickHouse: one holder among racing threads, expiry of a holder that stopped renewing,
and rebuilds of the facts that cannot mix their rows however they interleave."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from integrations.qtickets_api import Settings
from integrations.qtickets_api.storage import Lease, Storage, Target, connect, facts, migrations, set_state, who
from tests.conftest import query
from tests.loader.test_end_to_end import assert_facts_equal_truth, backfill


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
    loser = next(lease for n, lease in enumerate(leases) if n != won[0])
    assert not loser.try_acquire()
    leases[won[0]].release()
    assert who(storage) is None
    assert loser.try_acquire()
    loser.release()
    for c in connections:
        c.close()


def test_a_holder_that_stops_renewing_loses_the_lease_when_it_expires(storage: Storage) -> None:
    killed = Lease(storage.another(), trigger="killed", ttl_s=1.5)
    assert killed.try_acquire()
    # as if the process died: the renewal stops, nothing is released
    killed._stop.set()
    assert killed._renewer is not None
    killed._renewer.join()
    other = Lease(storage, trigger="next")
    assert not other.try_acquire()
    time.sleep(1.6)
    assert other.try_acquire(), "the lease of a holder that stopped renewing never expired"
    other.release()


def test_a_holder_keeps_the_lease_past_its_ttl_while_it_renews(storage: Storage) -> None:
    holder = Lease(storage.another(), trigger="long run", ttl_s=1.2)
    assert holder.try_acquire()
    time.sleep(2.5)
    assert not Lease(storage, trigger="tick").try_acquire()
    holder.release()


def test_a_waiting_run_takes_the_lease_once_it_is_released(storage: Storage) -> None:
    first = Lease(storage.another(), trigger="first")
    assert first.try_acquire()
    told: list[str] = []
    timer = threading.Timer(1.0, first.release)
    timer.start()
    second = Lease(storage, trigger="second", poll_s=0.2)
    assert second.acquire(30, on_wait=lambda h: told.append(h.holder))
    assert told and "first" in told[0]
    second.release()
    timer.join()


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
