"""The fenced run lease: generations that only grow, a superseded holder that never holds again, fences that refuse
a stale generation, renewal gaps measured on an injected clock, two processes racing for it 200 times against the
ClickHouse HTTP front (never two holders), and migrations applied once by services starting together."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from integrations.qtickets_api.errors import LeaseLostError
from integrations.qtickets_api.storage import Lease, Storage, Target, connect, facts, migrations, who
from integrations.qtickets_api.storage.state import get_state
from tests.support.ch_http_front import ChHttpFront

TZ = "Europe/Moscow"
ROUNDS = 200
USER, PASSWORD = "etl_writer", "pw-fencing"


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[Storage]:
    with connect(Target(db="zakaz", data_dir=tmp_path / "ch")) as opened:
        migrations.migrate(opened, TZ)
        yield opened


def forge_expiry(storage: Storage, token: str) -> None:
    """What a renewal gap longer than the lifetime looks like to everyone else: the claim has run out."""
    storage.command(
        "INSERT INTO zakaz.meta_run_lease (name, token, holder, claimed_at, expires_at, at, generation) "
        "SELECT name, token, holder, claimed_at, now64(6) - INTERVAL 1 MINUTE, now64(6), generation "
        "FROM zakaz.meta_run_lease WHERE token = {t:String} LIMIT 1",
        {"t": token},
    )


def test_generations_strictly_increase_across_claims_releases_takeovers_and_the_logs_ttl(storage: Storage) -> None:
    seen = []
    for n in range(5):
        lease = Lease(storage, trigger=f"claim {n}", renew=False)
        assert lease.try_acquire()
        seen.append(lease.generation)
        if n % 2:
            forge_expiry(storage, lease.token)  # expired instead of released
        else:
            lease.release()
    # the log's 7-day TTL removing every row: the high-water keeps the next generation above all the earlier ones
    storage.command("TRUNCATE TABLE zakaz.meta_run_lease")
    lease = Lease(storage, trigger="after the ttl", renew=False)
    assert lease.try_acquire()
    seen.append(lease.generation)
    lease.release()
    assert seen == sorted(set(seen)) and seen[0] >= 1, seen


def test_a_superseded_holder_never_holds_again_and_its_fences_refuse(storage: Storage) -> None:
    clock = Clock()
    first = Lease(storage.another(), trigger="first", renew=False, clock=clock)
    assert first.try_acquire()
    forge_expiry(storage, first.token)
    second = Lease(storage, trigger="second", renew=False, clock=clock)
    assert second.try_acquire() and second.generation == first.generation + 1
    assert not first.renew_once(), "a renewal must not bring back a superseded claim"
    assert "second" in first.lost
    with pytest.raises(LeaseLostError, match="generation"):
        first.check()
    holder = who(storage)
    assert holder is not None and holder.token == second.token
    # the fact rebuild of the superseded holder refuses before it swaps anything or moves the watermark
    storage.command(
        "INSERT INTO zakaz.meta_loader_state (key, value, updated_at) "
        "SELECT 'sales_fact_built_upto', '1970-01-01 00:00:00.000000', now64(6)"
    )  # every month is to be rebuilt, so the rebuild reaches its swaps
    with pytest.raises(LeaseLostError):
        facts.rebuild_sales(first.storage, TZ, fence=first.check)
    assert get_state(storage, facts.WATERMARK) == facts.EPOCH
    second.check()  # the newest claim passes its fence
    second.release()
    first.release()  # a superseded claim's release changes nothing
    assert who(storage) is None
    first.storage.close()


def test_a_renewal_gap_past_half_the_lifetime_loses_the_lease_on_an_injected_clock(storage: Storage) -> None:
    clock = Clock()
    lease = Lease(storage, trigger="gap", renew=False, clock=clock, ttl_s=120.0)
    assert lease.try_acquire()
    clock.now += 59.0
    lease.check()  # within half the lifetime
    assert lease.renew_once()  # confirmed: the gap starts again
    clock.now += 59.0
    lease.check()
    clock.now += 2.0  # 61 s since the last confirmed renewal
    with pytest.raises(LeaseLostError, match="more than half its 120 s lifetime"):
        lease.check_renewed()
    assert not lease.renew_once(), "a lost lease stays lost"
    lease.release()
    assert who(storage) is None


# --- two processes against the ClickHouse HTTP front ----------------------------------------------------------------


def _server(url: str) -> Storage:
    return connect(Target(db="zakaz", host=url, user=USER, password=PASSWORD))


def _claimant(url: str, name: str, rounds: int, barrier: Any, results: Any) -> None:
    with _server(url) as storage:
        for n in range(rounds):
            barrier.wait(60)
            lease = Lease(storage, trigger=f"{name} round {n}", settle_s=0.01, renew=False)
            won = lease.try_acquire()
            if won:
                lease.check()  # the fence agrees with the claim
                results.put((n, name, lease.generation))
            barrier.wait(60)  # both have decided before either lets go
            if won:
                lease.release()
            barrier.wait(60)


def _migrator(url: str, barrier: Any, errors: Any) -> None:
    with _server(url) as storage:
        barrier.wait(60)
        try:
            migrations.migrate(storage, TZ)
        except Exception as exc:
            errors.put(f"{exc.__class__.__name__}: {exc}")


@pytest.fixture
def front(tmp_path: Path) -> Iterator[ChHttpFront]:
    with ChHttpFront(tmp_path / "server-data", user=USER, password=PASSWORD) as server:
        yield server


def test_two_processes_racing_200_times_against_the_server_never_both_hold(front: ChHttpFront) -> None:
    with _server(front.url) as storage:
        migrations.migrate(storage, TZ)
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    procs = [context.Process(target=_claimant, args=(front.url, name, ROUNDS, barrier, results)) for name in "ab"]
    for p in procs:
        p.start()
    for p in procs:
        p.join(600)
    assert [p.exitcode for p in procs] == [0, 0]
    won: dict[int, list[tuple[str, int]]] = {}
    while not results.empty():
        n, name, generation = results.get()
        won.setdefault(n, []).append((name, generation))
    twice = {n: w for n, w in won.items() if len(w) > 1}
    assert not twice, f"two holders in rounds {sorted(twice)}"
    assert sorted(won) == list(range(ROUNDS)), "a round where neither held the lease"
    generations = [won[n][0][1] for n in range(ROUNDS)]
    assert generations == sorted(set(generations)), "generations did not strictly increase"
    assert {won[n][0][0] for n in range(ROUNDS)} == {"a", "b"}, "one process always won: no race took place"


def test_migrations_of_two_services_starting_together_are_applied_once(front: ChHttpFront) -> None:
    context = multiprocessing.get_context("spawn")
    barrier, errors = context.Barrier(2), context.Queue()
    procs = [context.Process(target=_migrator, args=(front.url, barrier, errors)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(300)
    assert [p.exitcode for p in procs] == [0, 0]
    failures = []
    while not errors.empty():
        failures.append(errors.get())
    assert failures == []
    with _server(front.url) as storage:
        recorded = storage.rows("SELECT version, count() FROM zakaz.meta_schema_migrations GROUP BY version")
    assert sorted(recorded) == [(m.version, 1) for m in migrations.available()]


def test_migrations_of_threads_starting_together_on_the_embedded_engine_are_applied_once(tmp_path: Path) -> None:
    with connect(Target(db="zakaz", data_dir=tmp_path / "ch")) as base:
        connections = [base.another() for _ in range(3)]
        start = threading.Barrier(len(connections))
        failures: list[BaseException] = []

        def migrate(connection: Storage) -> None:
            start.wait()
            try:
                migrations.migrate(connection, TZ)
            except BaseException as exc:
                failures.append(exc)

        threads = [threading.Thread(target=migrate, args=(c,)) for c in connections]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for c in connections:
            c.close()
        assert failures == []
        recorded = base.rows("SELECT version, count() FROM zakaz.meta_schema_migrations GROUP BY version")
    assert sorted(recorded) == [(m.version, 1) for m in migrations.available()]
