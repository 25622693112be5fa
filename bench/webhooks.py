"""Sales in seconds: how long a sale takes to reach the dashboard's data API with webhooks, beside polling alone.

    python bench/webhooks.py [--orders 20000] [--sales 1000] [--rate 10] [--burst-rate 200] [--burst-s 30]

A simulator in this process (manual clock kept at the wall clock, no other activity than the sales it is told to
make and the payments and expiries its history left due), its history loaded by the loader's command line into
a fresh embedded data directory, then ``serve`` as a separate process with webhooks on and the loader scheduled
every 15 minutes (polling and webhooks together, as in production). Then:

- **latency**: ``--sales`` sales at ``--rate`` per second (``Simulator.sell_now``: a new order of one ticket, paid
  at once), each sent as QTickets sends it (``created`` and ``payed``); a poller reads
  ``/api/panels/kpi.json?from=D&to=D&compare=none`` every 50 ms. A sale has appeared when the tickets of the day
  reach what they are once it and every change before it are counted (the truth, from the bodies sent); its
  latency is that moment less the moment the simulator made it. p50 / p95 / max.
- **polling alone**: the same sales, had only the 15-minute schedule run: a sale waits for the next run to start
  (the schedule's phase drawn uniformly, 2,000 draws) and then for that run to finish (the duration of this service's
  own scheduled run, from ``meta_job_runs``). p50 / p95.
- **burst**: ``--burst-rate`` deliveries per second for ``--burst-s`` seconds (sales at half the rate: two
  deliveries each); every delivery must be answered 200 and every sale's latest version stored: lost = versions
  missing from staging after the burst, read once the service has stopped.

Targets (issue 13): p95 <= 2 s; zero lost. Results: ``bench/results/webhooks-<stamp>.json`` and a table. The
machine's load is printed beside them: on a busy 2-core machine every figure is worse.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
import httpx
import msgspec

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench_cli import parse  # noqa: E402

from integrations.qtickets_api.domain import decode_order  # noqa: E402
from qtickets_sim import FaultConfig, Simulator, SimulatorConfig  # noqa: E402
from qtickets_sim.webhooks import WebhookConfig, WebhookSender  # noqa: E402

RESULTS = REPO / "bench" / "results"
MOSCOW = ZoneInfo("Europe/Moscow")
POLL_S = 0.05
INTERVAL_S = 15 * 60.0
READ = """
import sys, msgspec
from pathlib import Path
from integrations.qtickets_api import connect, load_settings
with connect(load_settings(Path(sys.argv[1]))) as s:
    pairs = s.rows("SELECT order_id, version FROM zakaz.stg_qtickets_api_orders_raw")
    runs = s.rows("SELECT toFloat64(finished_at - started_at), status, toString(rows) FROM zakaz.meta_job_runs "
                  "ORDER BY started_at")
print(msgspec.json.encode({"pairs": [[int(a), int(b)] for a, b in pairs],
                    "runs": [[float(d), str(st), str(r)] for d, st, r in runs]}).decode())
"""


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QTICKETS", "CLICKHOUSE", "DASHBOARD"))}
    env["PYTHONPATH"] = str(REPO)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Poller(threading.Thread):
    """Reads the day's tickets from the dashboard's data API every ``POLL_S``: (monotonic time, tickets)."""

    def __init__(self, base: str, day: str) -> None:
        super().__init__(name="bench-poller", daemon=True)
        self.url = f"{base}/api/panels/kpi.json"
        self.params = {"from": day, "to": day, "compare": "none"}
        self.samples: list[tuple[float, int]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        with httpx.Client(timeout=10) as client:
            while not self.stop.is_set():
                try:
                    answer = client.get(self.url, params=self.params)
                    if answer.status_code == 200:
                        rows = answer.json()["rows"]
                        self.samples.append((time.monotonic(), int(rows[0]["tickets"]) if rows else 0))
                except httpx.HTTPError:
                    pass
                self.stop.wait(POLL_S)

    def first_reaching(self, tickets: int, after: float) -> float | None:
        for at, seen in self.samples:
            if at >= after and seen >= tickets:
                return at
        return None


def day_tickets(body: dict[str, Any], day: str) -> int:
    """Tickets the order counts on ``day`` (Moscow) when paid, not cancelled, by its live baskets."""
    if body.get("payed") is not True or not body.get("payed_at") or body.get("deleted_at"):
        return 0
    if datetime.fromisoformat(body["payed_at"]).astimezone(MOSCOW).date().isoformat() != day:
        return 0
    return sum(
        int(b.get("quantity") or 1)
        for b in body.get("baskets") or []
        if not b.get("deleted_at") and not b.get("refunded_at")
    )


class Truth:
    """The day's tickets after each delivery, in the order the changes happened (the sender's records)."""

    def __init__(self, day: str, start: int) -> None:
        self.day = day
        self.total = start
        self.counted: dict[int, int] = {}
        self.seen = 0

    def catch_up(self, sender: WebhookSender) -> list[tuple[int, float, int, str]]:
        """(order id, created at, day's tickets once counted, event type) of the records not seen yet."""
        out = []
        records = sender.records[self.seen :]
        self.seen += len(records)
        for record in records:
            body = msgspec.json.decode(record.body)
            now = day_tickets(body, self.day)
            self.total += now - self.counted.get(record.order_id, 0)
            self.counted[record.order_id] = now
            out.append((record.order_id, record.created_at, self.total, record.event_type))
        return out


def start_service(envfile: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "integrations.qtickets_api.serve", "--envfile", str(envfile), "--port", str(port)],
        env=child_env(), stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip


def wait_up(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 300
    while True:
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the service did not start")
        time.sleep(0.2)


def kpi_tickets(base: str, day: str) -> int:
    rows = httpx.get(f"{base}/api/panels/kpi.json", params={"from": day, "to": day, "compare": "none"}).json()
    return int(rows["rows"][0]["tickets"]) if rows["rows"] else 0


def sell(sim: Simulator, start_wall: float, start_sim: datetime) -> None:
    """Keep the simulator's clock at the wall clock, then sell one ticket now."""
    target = start_sim + timedelta(seconds=time.monotonic() - start_wall)
    if target > sim.now():
        sim.advance(target - sim.now())
    sim.sell_now()


def paced_sales(sim: Simulator, count: int, rate: float, start_wall: float, start_sim: datetime) -> float:
    began = time.monotonic()
    for n in range(count):
        due = began + n / rate
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        sell(sim, start_wall, start_sim)
    return time.monotonic() - began


def settle_latencies(
    poller: Poller, truth: Truth, sender: WebhookSender, timeout: float
) -> tuple[list[float], list[tuple[int, float, int, str]]]:
    marks = truth.catch_up(sender)
    sales = [m for m in marks if m[3] == "payed"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and (not poller.samples or poller.samples[-1][1] < truth.total):
        time.sleep(0.1)
    time.sleep(0.2)
    latencies = []
    for _, created_at, tickets, _ in sales:
        seen = poller.first_reaching(tickets, created_at)
        latencies.append((seen - created_at) if seen is not None else float("inf"))
    return latencies, sales


def polling_only(sale_times: list[float], run_s: float, rng: random.Random, draws: int = 2000) -> list[float]:
    out = []
    for _ in range(draws):
        phase = rng.uniform(0, INTERVAL_S)
        for t in sale_times:
            out.append(INTERVAL_S - ((t - phase) % INTERVAL_S) + run_s)
    return out


def main() -> int:
    args = parse(
        "python bench/webhooks.py",
        [
            click.Option(["--orders"], type=int, default=20_000, show_default=True),
            click.Option(["--sales"], type=int, default=1000, show_default=True),
            click.Option(["--rate"], type=float, default=10.0, show_default=True),
            click.Option(["--burst-rate"], type=float, default=200.0, help="deliveries per second", show_default=True),
            click.Option(["--burst-s"], type=float, default=30.0, show_default=True),
            click.Option(
                ["--workers"], type=int, default=16, help="the sender's parallel connections", show_default=True
            ),
            click.Option(["--keep"], is_flag=True, help="keep the data directory", show_default=True),
        ],
        help=__doc__.splitlines()[0] if __doc__ else None,
    )

    load = os.getloadavg()
    tmp = Path(tempfile.mkdtemp(prefix="zakaz-bench-hooks-"))
    token = "bench-" + secrets.token_hex(12)
    secret = "whsec-bench-" + secrets.token_hex(16)
    now = datetime.now(UTC).replace(microsecond=0)
    print(f"simulator: {args.orders} orders; load average {load[0]:.2f} on {os.cpu_count()} cores", flush=True)
    sim = Simulator(
        SimulatorConfig(seed=42, orders=args.orders, token=token, now=now, clock="manual", activity_per_hour=0.0),
        faults=FaultConfig(),
    )
    results: dict[str, Any] = {"orders": args.orders, "load_average": load, "cores": os.cpu_count()}
    with sim.serve() as server:
        envfile = tmp / "secrets" / ".env.qtickets_api"
        envfile.parent.mkdir(parents=True)
        envfile.write_text(
            f"QTICKETS_API_BASE_URL={server.base_url}\nQTICKETS_API_TOKEN={token}\n"
            f"CLICKHOUSE_DATA_DIR={tmp / 'ch'}\nTZ=Europe/Moscow\nQTICKETS_WEBHOOK_SECRET={secret}\n"
        )
        envfile.chmod(0o600)
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "integrations.qtickets_api.loader", "--envfile", str(envfile), "--since",
             "2021-01-01"],
            env=child_env(), check=True, capture_output=True,
        )  # fmt: skip
        results["backfill_s"] = round(time.monotonic() - started, 1)
        print(f"backfill: {results['backfill_s']} s", flush=True)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        service = start_service(envfile, port, tmp / "serve.log")
        try:
            wait_up(base, service)
            time.sleep(8)  # the schedule's first run starts 3 s after start-up: let it pass
            day = datetime.now(MOSCOW).date().isoformat()
            truth = Truth(day, kpi_tickets(base, day))
            poller = Poller(base, day)
            poller.start()
            sender = sim.send_webhooks(WebhookConfig(url=base + "/webhooks/qtickets", secret=secret,
                                                     workers=args.workers))  # fmt: skip
            start_wall, start_sim = time.monotonic(), sim.now()

            print(f"latency: {args.sales} sales at {args.rate}/s", flush=True)
            took = paced_sales(sim, args.sales, args.rate, start_wall, start_sim)
            assert sender.flush(120), "deliveries still pending"
            latencies, sales = settle_latencies(poller, truth, sender, 60)
            results["latency"] = {
                "sales": len(sales), "rate_per_s": round(len(sales) / took, 2),
                "p50_s": round(pct(latencies, 0.5), 3), "p95_s": round(pct(latencies, 0.95), 3),
                "max_s": round(max(latencies), 3), "not_seen": sum(1 for x in latencies if x == float("inf")),
            }  # fmt: skip
            print(json.dumps(results["latency"]), flush=True)

            per_s = args.burst_rate / 2
            count = int(per_s * args.burst_s)
            print(f"burst: {count * 2} deliveries at {args.burst_rate}/s", flush=True)
            first = len(sender.records)
            took = paced_sales(sim, count, per_s, start_wall, start_sim)
            flushed = sender.flush(600)
            burst = sender.records[first:]
            burst_latencies, _ = settle_latencies(poller, truth, sender, 120)
            results["burst"] = {
                "deliveries": len(burst), "seconds": round(took, 1),
                "deliveries_per_s": round(len(burst) / took, 1), "flushed": flushed,
                "answered_200": sum(1 for r in burst if r.ok_at is not None),
                "given_up": sum(1 for r in burst if r.given_up),
                "retries": sum(max(0, r.attempts - 1) for r in burst),
                "answer_p95_s": round(pct([r.ok_at - r.created_at for r in burst if r.ok_at], 0.95), 3),
                "dashboard_p50_s": round(pct(burst_latencies, 0.5), 3),
                "dashboard_p95_s": round(pct(burst_latencies, 0.95), 3),
            }  # fmt: skip
            poller.stop.set()
            sim.stop_webhooks()
        finally:
            service.send_signal(signal.SIGTERM)
            try:
                service.wait(60)
            except subprocess.TimeoutExpired:
                service.kill()
        found = msgspec.json.decode(
            subprocess.run(
                [sys.executable, "-c", READ, str(envfile)], env=child_env(), check=True, capture_output=True
            ).stdout.splitlines()[-1]
        )
        stored = {(a, b) for a, b in found["pairs"]}
        want = {(r.order_id, decode_order(r.body).version) for r in sender.records}
        latest: dict[int, int] = {}
        for order_id, version in want:
            latest[order_id] = max(version, latest.get(order_id, 0))
        results["burst"]["lost"] = sum(1 for pair in latest.items() if pair not in stored)
        results["latency"]["lost"] = results["burst"]["lost"]
        service_runs = [d for d, status, rows in found["runs"] if status == "success" and "orders_fetched" in rows]
        run_s = service_runs[-1] if service_runs else float("nan")
        sale_times = [created for _, created, _, _ in sales]
        polled = polling_only(sale_times, run_s, random.Random(13))
        results["polling_only"] = {
            "interval_s": INTERVAL_S, "run_s": round(run_s, 2),
            "p50_s": round(pct(polled, 0.5), 1), "p95_s": round(pct(polled, 0.95), 1),
        }  # fmt: skip
    results["targets"] = {
        "p95_le_2s": results["latency"]["p95_s"] <= 2.0,
        "zero_lost": results["burst"]["lost"] == 0 and results["burst"]["given_up"] == 0,
        "burst_rate_met": results["burst"]["deliveries_per_s"] >= 0.95 * args.burst_rate,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"webhooks-{stamp}.json"
    out.write_text(json.dumps({"args": vars(args), **results}, indent=2, default=str) + "\n")
    print(json.dumps(results, indent=2, default=str))
    print(f"results: {out}")
    if not args.keep:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if all(results["targets"].values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
