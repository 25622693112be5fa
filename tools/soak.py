"""``make soak``: many consecutive incremental runs against a live simulator with random faults, and the
simulator's webhooks into the service at the same time.

Each run moves the simulator's clock 15 minutes (new orders, payments, cancellations, refunds, scans), draws
a random fault mix, and runs the loader in-process on the embedded engine. With webhooks (the default of the
command; ``--no-webhooks`` for polling alone) every one of those changes is also sent as a QTickets webhook to
the service's receiver, running in this process on a loopback port, with duplicated, reordered, dropped and
forged deliveries; the loader runs take turns with the receiver's fact refreshes as they do in the service.
The house's own faults (``tools/soak_faults.py``) come on top: every tenth run has its lease stolen mid-run by a
claimant that forges its expiry and publishes (the run must end lease_lost, the next repair it); halfway through,
the service is down for six hours and the catch-up run is stopped as SIGTERM stops it, after a few requests (the
next run must complete it); with webhooks, the store's thread is killed at its next insert before some runs, and
callers hang up before their answer. Every run's window is the service's (from the last successful run's end). At
the end one more run goes without the changes-while-paging fault and with every order served whole, and the tables
are compared with the simulator's truth: orders lost (latest version missing), versions duplicated, fact rows that
differ, and (with webhooks) deliveries not answered 200 or forgeries accepted. Exit 1 if any.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import random
import secrets
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import click
import httpx

from integrations.qtickets_api.cli import main_guard
from integrations.qtickets_api.config import Settings
from integrations.qtickets_api.domain.records import Order, convert
from integrations.qtickets_api.errors import InvalidRecordError, ZakazError
from integrations.qtickets_api.ingest import RunOptions, run_loader
from integrations.qtickets_api.logs import configure
from integrations.qtickets_api.service.window import last_success_window_end, scheduled_window
from integrations.qtickets_api.storage.connection import Storage, connect
from integrations.qtickets_api.webhooks.supervise import STABLE_S
from qtickets_sim import FaultConfig, Simulator, SimulatorConfig
from qtickets_sim.truth import expected_sales, malformed_order_ids
from qtickets_sim.webhooks import WebhookConfig, WebhookFaults, WebhookSender
from tools.soak_faults import KillableSession, StealAfter, StopAfter, abandon_callers

WEBHOOK_FAULTS = WebhookFaults(
    p_duplicate=0.2, p_reorder=0.2, reorder_delay_s=0.2, p_drop=0.05, attacks_per_delivery=0.1
)


def random_faults(rng: random.Random) -> FaultConfig:
    if rng.random() < 0.3:
        return FaultConfig()
    return FaultConfig(
        latency_ms=rng.choice([0, 0, 5, 20]),
        p_429=rng.choice([0, 0.02, 0.05]),
        retry_after_s=1,
        p_502=rng.choice([0, 0.03]),
        p_503=rng.choice([0, 0.03, 0.08]),
        p_504=rng.choice([0, 0.03]),
        p_unknown_error=rng.choice([0, 0.03]),
        p_timeout=rng.choice([0, 0, 0.02]),
        hang_s=2,
        p_drop=rng.choice([0, 0.03]),
        p_truncated_json=rng.choice([0, 0.03]),
        p_html_200=rng.choice([0, 0.03]),
        p_mutation_during_paging=rng.choice([0, 0.2, 0.5]),
        malformed_orders=rng.choice([0, 0, 2]),
    )


@dataclass
class _Harness:
    """What the runs write to and how they take their turn; with webhooks, the sender, the receiver's address
    and signature, the store's killable session and how to wait for the receiver's refreshes."""

    storage: Storage
    take_turn: Callable[[], contextlib.AbstractContextManager[Any]] = contextlib.nullcontext
    sender: WebhookSender | None = None
    url: str = ""
    sign: Callable[[bytes], str] | None = None
    store_session: KillableSession | None = None
    store_restarts: Callable[[], int] = lambda: 0
    settle: Callable[[], None] = lambda: None


def soak(
    runs: int,
    orders: int,
    seed: int,
    data_dir: Path,
    activity_per_hour: float = 120.0,
    webhooks: bool = False,
) -> dict[str, Any]:
    rng = random.Random(seed)
    token = "soak-" + "".join(rng.choice("abcdef0123456789") for _ in range(24))
    sim = Simulator(
        SimulatorConfig(
            seed=seed,
            orders=orders,
            token=token,
            now=datetime(2026, 11, 1, 9, 0, tzinfo=UTC),
            activity_per_hour=activity_per_hour,
            clock="manual",
            scans_per_hour=activity_per_hour / 4 if webhooks else 0.0,
        )
    )
    totals = {"runs": 0, "failed_runs": 0, "faults_injected": 0, "retries": 0, "api_requests": 0}
    house = {"interrupted_runs": 0, "lease_steals": 0, "lease_lost_runs": 0, "store_kills": 0, "abandoned_callers": 0}
    started = time.perf_counter()
    history = sim.now() - timedelta(days=365 * 6)
    with sim.serve() as server:
        settings = Settings(
            api_base_url=server.base_url, api_token=token, clickhouse_data_dir=data_dir,
            api_max_attempts=8, api_timeout_s=1.0, api_backoff_s=0.05, api_retry_budget_s=30, api_per_page=100,
        )  # fmt: skip
        with _harness(settings, sim, seed, webhooks) as h:

            def one_run(transport: httpx.BaseTransport | None = None) -> bool:
                """A scheduled run: its window from the last successful one (at least a day), as the service's."""
                now = sim.now() + timedelta(seconds=1)
                # before the first run (polling alone) there is no schema to read a window from
                last = last_success_window_end(h.storage) if totals["runs"] else None
                since, until = scheduled_window(last or history, look_back_hours=24, now=now)
                ok = True
                try:
                    with h.take_turn():
                        result = run_loader(
                            settings,
                            RunOptions(since=since, until=until, per_page=100),
                            transport=transport,
                            storage=h.storage,
                        )
                    totals["retries"] += result.record.retries
                    totals["api_requests"] += result.record.api_requests
                except ZakazError:
                    ok = False
                totals["runs"] += 1
                return ok

            last_kill = -STABLE_S

            def house_faults(index: int) -> None:
                nonlocal last_kill
                # the store's thread dies at its next insert; not again before it has lived STABLE_S, else the
                # supervisor's back-off (up to 30 s) outlasts the sender's retries, compressed a hundredfold here
                if h.store_session is not None and time.monotonic() - last_kill >= STABLE_S and rng.random() < 0.3:
                    h.store_session.arm()
                    last_kill = time.monotonic()
                if h.sign is not None and rng.random() < 0.3:
                    orders = sim.orders()
                    bad = malformed_order_ids(orders)  # the API's broken ones: no webhook brings them
                    well_formed = [o for o in orders if "id" in o and o["id"] not in bad]
                    house["abandoned_callers"] += abandon_callers(h.url, h.sign, well_formed, rng, rng.randint(1, 5))
                if index % 10 == 7:  # another claimant takes the lease from the run in flight, and publishes
                    thief = StealAfter(rng.randint(2, 8), h.storage, settings.tz)
                    try:
                        if one_run(thief) and thief.stolen:
                            raise RuntimeError("the run went on without its lease: the fence is broken")
                    finally:
                        thief.close()
                    house["lease_steals"] += int(thief.stolen)
                if index == runs // 2:  # the service stopped (SIGTERM) in the middle of catching up 6 hours
                    sim.advance(timedelta(hours=6))
                    transport = StopAfter(rng.randint(2, 12))
                    try:
                        if one_run(transport):
                            raise RuntimeError("the stopped run did not stop: the soak's fault is broken")
                    finally:
                        transport.close()
                    house["interrupted_runs"] += 1

            one_run()  # the first load: the whole history
            for index in range(runs - 1):
                sim.advance(timedelta(minutes=15))
                sim.set_faults(random_faults(rng))
                house_faults(index)
                if not one_run():
                    totals["failed_runs"] += 1
            final = random_faults(rng)
            # the API serves every order whole again: an order broken only at the end was loaded whole before,
            # and the truth must count it (a broken one is rejected, and read again once it is served whole)
            sim.set_faults(FaultConfig(**{**final.as_dict(), "p_mutation_during_paging": 0.0, "malformed_orders": 0}))
            if h.sender is not None:
                h.sender.flush(120)
                h.settle()
            if not one_run():
                totals["failed_runs"] += 1
            h.settle()
            totals["faults_injected"] = sum(sim.stats()["faults"].values())
            house["lease_lost_runs"] = int(
                h.storage.rows(f"SELECT count() FROM {h.storage.db}.meta_job_runs WHERE status = 'lease_lost'")[0][0]
            )
            report = compare(sim, h.storage)
            if h.sender is not None:
                report.update(webhook_report(h.sender))
            if h.store_session is not None:
                house["store_kills"] = h.store_session.kills
                house["store_restarts"] = h.store_restarts()
    report.update(totals, **house, orders=len(sim.orders()), seconds=round(time.perf_counter() - started, 1))
    return report


def webhook_report(sender: WebhookSender) -> dict[str, Any]:
    summary = sender.summary()
    sent = summary["deliveries"] - summary["dropped"]
    return {
        "webhook_deliveries": summary["deliveries"],
        "webhooks_dropped": summary["dropped"],
        "webhooks_duplicated": summary["duplicated"],
        "webhooks_not_answered_200": sent - summary["answered_200"],
        "webhooks_given_up": summary["given_up"],  # all attempts refused (the rest of the unanswered: in flight)
        "forgeries_sent": sum(summary["attacks"].values()),
        "forgeries_accepted": sum(n for status, n in summary["attacks"].items() if status == 200),
    }


@contextlib.contextmanager
def _harness(settings: Settings, sim: Simulator, seed: int, webhooks: bool) -> Iterator[_Harness]:
    """Without webhooks a plain connection; with them the service's own, its receiver on a loopback port."""
    if not webhooks:
        with connect(settings) as storage:
            yield _Harness(storage)
        return
    # imported here: the service pulls in the web stack, which polling alone does not need
    import uvicorn

    from integrations.qtickets_api.service import Service, build_app, service_options

    secret = "soak-" + secrets.token_hex(16)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    options = service_options({"QTICKETS_WEBHOOK_SECRET": secret}, host="127.0.0.1", port=port, schedule=False)
    service = Service(settings, options)
    server = uvicorn.Server(uvicorn.Config(build_app(service), host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, name="soak-service", daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the service did not start")
        time.sleep(0.05)
    store = service.webhook_store
    assert store is not None and service.writer is not None
    killable = KillableSession(store.storage)
    store.storage = cast(Storage, killable)
    url = f"http://127.0.0.1:{port}{options.webhooks.path}"
    # QTickets retries over about 34 minutes (n³ s, 10 attempts); a hundredth of it (20 s) still outlasts a busy
    # store on a loaded 2-core machine, where a thousandth (2 s) did not and gave one delivery up
    sender = sim.send_webhooks(
        WebhookConfig(url=url, secret=secret, time_scale=0.01, faults=WEBHOOK_FAULTS, seed=seed, timeout_s=10)
    )

    def settle() -> None:
        refresher = service.refresher
        if refresher is None:
            return
        for _ in range(3):  # idle twice in a row: nothing was stored meanwhile
            time.sleep(0.1)
            refresher.wait_idle(60)

    def sign(body: bytes) -> str:
        return hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()

    try:
        yield _Harness(service.writer, service.gate.loader, sender, url, sign, killable, lambda: store.restarts, settle)
    finally:
        sim.stop_webhooks()
        server.should_exit = True
        thread.join(timeout=60)


def compare(sim: Simulator, storage: Any) -> dict[str, Any]:
    orders = sim.orders()
    bad = malformed_order_ids(orders)
    latest: dict[int, int] = {}
    for item in orders:
        if item.get("id") in bad:
            continue
        try:
            order = convert(item, Order)
        except InvalidRecordError:
            continue
        latest[order.id] = order.version
    db = storage.db
    stored = dict(
        storage.query(
            f"SELECT order_id, max(version) FROM {db}.stg_qtickets_api_orders_raw GROUP BY order_id"
        ).result_rows
    )
    lost = sum(1 for oid, version in latest.items() if stored.get(oid) != version)
    raw_rows, raw_distinct = storage.query(
        f"SELECT count(), uniqExact(order_id, version) FROM {db}.stg_qtickets_api_orders_raw"
    ).result_rows[0]
    fact_rows, fact_keys = storage.query(
        f"SELECT count(), uniqExact(sales_date, city, event_id, show_id) FROM {db}.fact_qtickets_sales_daily"
    ).result_rows[0]
    got = {
        (r[0], int(r[1]), int(r[2])): (int(r[3]), r[4])
        for r in storage.query(
            "SELECT sales_date, event_id, show_id, sum(tickets_sold), sum(revenue) "
            f"FROM {db}.fact_qtickets_sales_daily GROUP BY sales_date, event_id, show_id"
        ).result_rows
    }
    good = [o for o in orders if "id" in o and o.get("id") not in bad]
    want = {k: (int(v[0]), v[1]) for k, v in expected_sales(good).items()}
    wrong = sum(1 for k in set(got) | set(want) if got.get(k) != want.get(k))
    return {
        "lost": lost,
        "duplicated": int(raw_rows - raw_distinct) + int(fact_rows - fact_keys),
        "fact_rows_differing": wrong,
    }


@click.command(help=__doc__.splitlines()[0] if __doc__ else None)
@click.option("--runs", type=click.IntRange(min=1), default=200, show_default=True)
@click.option("--orders", type=click.IntRange(min=1), default=3000, show_default=True)
@click.option("--seed", type=int, default=2026, show_default=True)
@click.option("--activity-per-hour", type=click.FloatRange(min=0), default=120.0, show_default=True)
@click.option("--no-webhooks", is_flag=True, help="polling alone, without the webhook receiver")
def cli(runs: int, orders: int, seed: int, activity_per_hour: float, no_webhooks: bool) -> None:
    sys.exit(_soak_command(runs, orders, seed, activity_per_hour, webhooks=not no_webhooks))


def _soak_command(runs: int, orders: int, seed: int, activity_per_hour: float, *, webhooks: bool) -> int:
    configure(verbose=False)
    import logging

    logging.getLogger("integrations").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="zakaz-soak-") as tmp:
        report = soak(runs, orders, seed, Path(tmp) / "ch", activity_per_hour, webhooks=webhooks)
    width = max(len(k) for k in report)
    for key, value in report.items():
        print(f"{key:<{width}}  {value}")
    ok = report["lost"] == 0 and report["duplicated"] == 0 and report["fact_rows_differing"] == 0
    ok = ok and report.get("webhooks_not_answered_200", 0) == 0 and report.get("forgeries_accepted", 0) == 0
    print("SOAK OK" if ok else "SOAK FAILED")
    return 0 if ok else 1


main = main_guard(cli, "python -m tools.soak")

__all__ = ["cli", "compare", "main", "random_faults", "soak", "webhook_report"]

if __name__ == "__main__":
    main()
