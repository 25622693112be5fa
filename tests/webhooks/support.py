"""The service in a thread of the test (uvicorn on a free loopback port) with webhooks on, a simulator that sends
its activity to it, and the facts compared with the simulator's truth (``tests/support/fact_truth.py``)."""

from __future__ import annotations

import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import msgspec
import uvicorn

from integrations.qtickets_api import RunOptions, Settings, connect, load_settings, run_loader
from integrations.qtickets_api.domain import decode_order
from integrations.qtickets_api.service import Service, build_app, service_options
from integrations.qtickets_api.storage import Storage, connect_reader
from qtickets_sim import FaultConfig, Simulator, SimulatorConfig
from tests.support import fact_truth
from tools.soak_faults import KillableSession, ThreadKilled

SECRET = "whsec-LEAKCHECK-" + secrets.token_hex(16)


def open_a_show(sim: Any) -> int:
    """Move the show with the most paid orders so that it started half an hour ago (its tickets get scanned)."""
    counts: dict[int, int] = {}
    for order in sim.orders():
        if order.get("payed") and not order.get("deleted_at"):
            for basket in order.get("baskets") or []:
                counts[basket["show_id"]] = counts.get(basket["show_id"], 0) + 1
    show_id = max(counts, key=lambda s: counts[s])
    start = next(
        datetime.fromisoformat(show["start_date"])
        for event in sim.events()
        for show in event.get("shows") or []
        if show["id"] == show_id
    )
    sim.reschedule_show(show_id, sim.now() - timedelta(minutes=30) - start)
    return show_id


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_env(path: Path, values: dict[str, str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()), encoding="utf-8")
    path.chmod(0o600)
    return path


@dataclass
class World:
    sim: Any
    token: str
    envfile: Path
    settings: Settings
    env: dict[str, str]


@contextmanager
def world(
    root: Path,
    *,
    orders: int = 1500,
    activity_per_hour: float = 0.0,
    scans_per_hour: float = 0.0,
    secret: str = SECRET,
    behind: timedelta = timedelta(0),
) -> Iterator[World]:
    """A simulator on loopback whose clock is the wall clock less ``behind`` (a scheduled run's window ends at the
    wall clock: a test that moves the simulator's clock on starts it behind), and its history loaded by one run."""
    token = "tok-LEAKCHECK-" + secrets.token_hex(12)
    now = datetime.now(UTC).replace(microsecond=0) - behind
    sim = Simulator(
        SimulatorConfig(
            seed=11,
            orders=orders,
            token=token,
            now=now,
            clock="manual",
            activity_per_hour=activity_per_hour,
            scans_per_hour=scans_per_hour,
        ),
        faults=FaultConfig(),
    )
    with sim.serve(host="127.0.0.1", port=0) as server:
        sim.base_url = server.base_url
        env = {
            "QTICKETS_API_BASE_URL": server.base_url,
            "QTICKETS_API_TOKEN": token,
            "CLICKHOUSE_DATA_DIR": str(root / "clickhouse"),
            "TZ": "Europe/Moscow",
            "ORG_NAME": "test-org",
            "QTICKETS_API_MAX_ATTEMPTS": "3",
        }
        if secret:
            env["QTICKETS_WEBHOOK_SECRET"] = secret
        envfile = write_env(root / "secrets" / ".env.qtickets_api", env)
        settings = load_settings(envfile)
        with connect(settings) as storage:
            until = sim.now() + timedelta(seconds=1)
            run_loader(settings, RunOptions(since=until - timedelta(days=6 * 365), until=until), storage=storage)
        try:
            yield World(sim, token, envfile, settings, env)
        finally:
            sim.stop_webhooks()


@dataclass
class Running:
    service: Service
    base_url: str
    hook_url: str
    reader: Storage
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self, timeout: float = 30.0) -> float:
        """Stop the service as SIGTERM does (uvicorn's should_exit); the seconds it took."""
        started = time.monotonic()
        self.server.should_exit = True
        self.thread.join(timeout=timeout)
        return time.monotonic() - started

    def rows(self, sql: str, parameters: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.reader.rows(sql, parameters)]

    def settle(self, timeout: float = 30.0) -> None:
        """Until the refresher has rebuilt everything stored so far."""
        refresher = self.service.refresher
        assert refresher is not None
        deadline = time.monotonic() + timeout
        time.sleep(0.05)
        while time.monotonic() < deadline:
            if refresher.wait_idle(0.1):
                time.sleep(0.05)
                if refresher.wait_idle(0.01):
                    return
        raise AssertionError("the refresher did not settle")


@contextmanager
def running_service(
    w: World,
    *,
    schedule: bool = False,
    env: dict[str, str] | None = None,
    restart_s: float | None = None,
    graceful_s: float | None = None,
    shape: Callable[[Service], None] | None = None,
) -> Iterator[Running]:
    """``restart_s``: after how long a stopped webhook thread is started again; ``graceful_s``: uvicorn's wait for
    open connections at shutdown (``serve`` uses 2 s); ``shape``: changes the service before it starts."""
    port = free_port()
    options = service_options({**w.env, **(env or {})}, host="127.0.0.1", port=port, schedule=schedule)
    if restart_s is not None:
        options = replace(options, webhooks=replace(options.webhooks, restart_s=restart_s))
    service = Service(w.settings, options)
    if shape is not None:
        shape(service)
    config = uvicorn.Config(build_app(service), host="127.0.0.1", port=port, log_level="warning", lifespan="on",
                            timeout_graceful_shutdown=graceful_s)  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="test-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise AssertionError("the service did not start")
        time.sleep(0.05)
    reader = connect_reader(w.settings.clickhouse)
    base = f"http://127.0.0.1:{port}"
    try:
        yield Running(service, base, base + options.webhooks.path, reader, server, thread)
    finally:
        reader.close()
        server.should_exit = True
        thread.join(timeout=30)


def post(url: str, body: bytes, *, signature: str | None, event_type: str = "payed") -> httpx.Response:
    headers = {"Content-Type": "application/json", "X-Event-Type": event_type, "X-Model-Name": "Order",
               "User-Agent": "Qtickets-Webhooks/2.0"}  # fmt: skip
    if signature is not None:
        headers["X-Signature"] = signature
    return httpx.post(url, content=body, headers=headers, timeout=30)


# --- a store session that holds or kills the writer ------------------------------------------------------


Killed = ThreadKilled


class HeldSession(KillableSession):
    """The store's real session, except that an insert waits while ``hold`` is clear (``entered`` says one
    does) and raises ``Killed`` once when ``kill`` is set."""

    def __init__(self, inner: Storage) -> None:
        super().__init__(inner)
        self.hold = threading.Event()
        self.hold.set()
        self.entered = threading.Event()

    def _gate(self) -> None:
        self.entered.set()
        super()._gate()
        self.hold.wait()


# --- the facts against the truth -------------------------------------------------------------------------


def promo_codes(sim: Any, token: str) -> dict[int, str]:
    answer = httpx.request(
        "GET", f"{sim.base_url}/promo-codes", json={"perPage": 1000}, headers={"Authorization": f"Bearer {token}"}
    )
    return {item["id"]: item["code"] for item in answer.json()["data"]}


def facts_differences(run: Running, w: World) -> list[str]:
    """What differs between the facts and the truth, one line per table ([] when they are equal)."""
    dims = fact_truth.Dimensions(w.sim.events())
    orders = fact_truth.well_formed(w.sim)
    daily_want = {k: (v[4], v[5], v[6]) for k, v in fact_truth.sales_daily(orders, dims).items()}
    daily_got = {
        (r[0], r[1], int(r[2]), r[3], int(r[4])): (int(r[5]), Decimal(r[6]), int(r[7]))
        for r in run.rows(
            "SELECT sales_date, city, event_id, event_name, show_id, tickets_sold, revenue, orders "
            "FROM zakaz.fact_qtickets_sales_daily"
        )
    }
    detail_want = fact_truth.sales_detail(orders, dims, promo_codes(w.sim, w.token))
    detail_got = {
        (r[0], int(r[1]), r[2], int(r[3]), int(r[4]), r[5], r[6], r[7], r[8], r[9]): (
            int(r[10]), int(r[11]), Decimal(r[12]), Decimal(r[13]), int(r[14]), int(r[15]),
        )
        for r in run.rows(
            "SELECT sales_date, sale_hour, city, event_id, show_id, zone, promo_code, utm_source, utm_medium, "
            "utm_campaign, sum(tickets), sum(free_tickets), sum(revenue), sum(original_revenue), "
            "sum(tickets_scanned), uniqExactMerge(orders_state) FROM zakaz.fact_qtickets_sales_detail "
            "GROUP BY sales_date, sale_hour, city, event_id, show_id, zone, promo_code, utm_source, utm_medium, "
            "utm_campaign"
        )
    }  # fmt: skip
    refunds_want = fact_truth.refunds_daily(orders, dims)
    refunds_got = {
        (r[0], r[1], int(r[2]), int(r[3]), r[4]): (int(r[5]), Decimal(r[6]))
        for r in run.rows(
            "SELECT refund_date, city, event_id, show_id, zone, sum(refunds), sum(refund_amount) "
            "FROM zakaz.fact_qtickets_refunds_daily GROUP BY refund_date, city, event_id, show_id, zone"
        )
    }
    out = []
    for name, got, want in (("daily", daily_got, daily_want), ("detail", detail_got, detail_want),
                            ("refunds", refunds_got, refunds_want)):  # fmt: skip
        wrong = [(k, got.get(k), v) for k, v in want.items() if got.get(k) != v]
        extra = [k for k in got if k not in want]
        if wrong or extra:
            out.append(f"{name}: {len(wrong)} wrong {wrong[:2]}, {len(extra)} extra {extra[:2]}")
    return out


def truth_versions(sim: Any) -> dict[int, int]:
    """order id -> the version of the order as the simulator serves it now (well-formed orders only)."""
    out = {}
    for order in fact_truth.well_formed(sim):
        out[int(order["id"])] = decode_order(msgspec.json.encode(order)).version
    return out


def staged_versions(run: Running) -> dict[int, int]:
    """order id -> its latest stored version."""
    return {int(r[0]): int(r[1]) for r in run.rows(
        "SELECT order_id, max(version) FROM zakaz.stg_qtickets_api_orders_raw GROUP BY order_id")}  # fmt: skip


def staging_counts(run: Running) -> tuple[int, int, int]:
    raw = run.rows("SELECT count() FROM zakaz.stg_qtickets_api_orders_raw")[0][0]
    baskets = run.rows("SELECT count() FROM zakaz.stg_qtickets_api_baskets")[0][0]
    rejects = run.rows("SELECT count() FROM zakaz.stg_qtickets_api_rejects")[0][0]
    return int(raw), int(baskets), int(rejects)
