"""The dashboard's speed at the real account's size and at ten times it (not run by the tests).

    python bench/dashboard.py [--orders 126000] [--big-orders 1260000] [--requests 50] [--page-loads 5]
                              [--service-runs 100] [--no-backfill-load]

For each size: a simulator process with that many orders (its clock at the wall clock, so that the default
30 days hold sales), a backfill by the loader's command line into a fresh embedded data directory, then:

- every panel's p50/p95 over ``--requests`` HTTP requests to ``serve --no-schedule`` (default filters);
- the whole page in Debian's Chromium until every panel is drawn (``body[data-state=ready]``), ``--page-loads`` times;
  and as a first visit on a mid-range phone profile (390 px, CPU 4× slower, 10 Mbit/s, 40 ms RTT, no cache);
- the same numbers the naive way: straight from staging with ``FINAL`` (KPI, revenue per day, cities), in process;
- (first size only) panels while a backfill runs inside the same service, and 15-minute runs inside one process
  (``LoaderSchedule.run_once``, no process or engine start-up), with the RSS after ``--service-runs`` runs.

Targets (issue 12): each panel p95 <= 50 ms at 126k and <= 100 ms at 1.26M; the page <= 1.5 s (on the phone profile
<= 3 s, issue 18); at 1.26M at least 10x faster than the naive way; panels p95 <= 1 s during a backfill; a 15-minute
run in the service <= 1 s; 100 runs leave RSS within 50 MB of the start.
Results: ``bench/results/dashboard-<stamp>.json`` and printed as a table.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import click
import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_cli import parse
from measure import REPO, child_env, machine_info
from simproc import SimProcess

from integrations.qtickets_api import connect, load_settings
from integrations.qtickets_api.bi import panels
from integrations.qtickets_api.domain import MOSCOW
from integrations.qtickets_api.service import LoaderSchedule, ReaderPool
from integrations.qtickets_api.storage.bi_views import install

RESULTS = REPO / "bench" / "results"
PY = sys.executable
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]  # fmt: skip

# The naive way: the same numbers as the panels (current and previous 30 days, refunds by refund date), straight
# from staging with FINAL, as one would without the facts.
NAIVE_FROM = """
FROM (SELECT order_id, version, event_id, assumeNotNull(payed_at) AS payed_at
      FROM {db}.stg_qtickets_api_orders_raw FINAL WHERE payed = 1 AND deleted_at IS NULL AND payed_at IS NOT NULL) AS o
INNER JOIN (SELECT order_id, version, show_id, quantity, price FROM {db}.stg_qtickets_api_baskets FINAL
            WHERE basket_deleted = 0 AND refunded = 0) AS b ON b.order_id = o.order_id AND b.version = o.version
LEFT JOIN (SELECT event_id, city_name FROM {db}.dim_qtickets_api_events FINAL) AS e ON e.event_id = o.event_id
"""
DAY = "toDate(o.payed_at, 'Europe/Moscow')"
CUR = f"{DAY} >= {{date_from:Date}}"
NAIVE = {
    "kpi": [
        f"SELECT sumIf(b.quantity, {CUR}), sumIf(b.price, {CUR}), uniqExactIf(o.order_id, {CUR}), "
        f"sumIf(b.quantity, NOT {CUR}), sumIf(b.price, NOT {CUR}), uniqExactIf(o.order_id, NOT {CUR}) "
        f"{{from}} WHERE {DAY} BETWEEN {{prev_from:Date}} AND {{date_to:Date}}",
        "SELECT count(), sum(b.refunded_amount) FROM (SELECT order_id, version FROM {db}.stg_qtickets_api_orders_raw "
        "FINAL WHERE payed = 1 AND payed_at IS NOT NULL) AS o INNER JOIN (SELECT order_id, version, refunded_amount, "
        "refunded_at FROM {db}.stg_qtickets_api_baskets FINAL WHERE refunded = 1) AS b "
        "ON b.order_id = o.order_id AND b.version = o.version "
        "WHERE toDate(b.refunded_at, 'Europe/Moscow') BETWEEN {prev_from:Date} AND {date_to:Date}",
    ],
    "sales_daily": [
        f"SELECT {DAY} AS d, sum(b.quantity), sum(b.price), uniqExact(o.order_id) {{from}} "
        f"WHERE {DAY} BETWEEN {{date_from:Date}} AND {{date_to:Date}} GROUP BY d ORDER BY d"
    ],
    "cities": [
        f"SELECT e.city_name AS c, sum(b.quantity), sum(b.price), uniqExact(o.order_id) {{from}} "
        f"WHERE {DAY} BETWEEN {{date_from:Date}} AND {{date_to:Date}} GROUP BY c ORDER BY 3 DESC"
    ],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 1), "p95_ms": round(p95 * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1)}  # fmt: skip


def write_env(path: Path, sim: SimProcess, token: str, data_dir: Path, **extra: str) -> Path:
    values = {
        "QTICKETS_API_BASE_URL": sim.base_url, "QTICKETS_API_TOKEN": token, "CLICKHOUSE_DATA_DIR": str(data_dir),
        "CLICKHOUSE_DB": "zakaz", "TZ": "Europe/Moscow", "ORG_NAME": "bench", **extra,
    }  # fmt: skip
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()), encoding="utf-8")
    path.chmod(0o600)
    return path


class Served:
    def __init__(self, envfile: Path, *flags: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = envfile.with_suffix(f".serve-{self.port}.log")
        self._out = self.log.open("w")
        self.proc = subprocess.Popen(
            [PY, "-m", "integrations.qtickets_api.serve", "--envfile", str(envfile), "--port", str(self.port), *flags],
            cwd=REPO, env=child_env(), stdout=self._out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError(f"serve did not start: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)
        self._out.close()


def panel_latencies(base: str, requests: int) -> dict[str, dict[str, float]]:
    with httpx.Client(base_url=base, timeout=60) as client:
        names = [p["name"] for p in client.get("/api/panels").json()["panels"]]
        out = {}
        for name in names:
            client.get(f"/api/panels/{name}.json").raise_for_status()  # warm
            samples = []
            for _ in range(requests):
                started = time.perf_counter()
                client.get(f"/api/panels/{name}.json").raise_for_status()
                samples.append(time.perf_counter() - started)
            out[name] = percentiles(samples)
    return out


def page_times(base: str, loads: int) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    samples = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(
            locale="ru-RU", timezone_id="Europe/Moscow", viewport={"width": 1400, "height": 900}
        )
        page = context.new_page()
        page.goto(f"{base}/")
        page.wait_for_selector("body[data-state=ready]", timeout=60_000)  # warm: static files cached
        for _ in range(loads):
            started = time.perf_counter()
            page.goto(f"{base}/")
            page.wait_for_selector("body[data-state=ready]", timeout=60_000)
            samples.append(time.perf_counter() - started)
        browser.close()
    return {"median_s": round(statistics.median(samples), 3), "max_s": round(max(samples), 3)}


def phone_page_times(base: str, loads: int) -> dict[str, float]:
    """The page on a phone profile (``bench/phone.py``: 390×844, CPU 4× slower, 10 Mbit/s, 40 ms RTT), each load a
    first visit (no cache): from navigation until every panel is drawn, and the bytes that came over the network."""
    from phone import ARGS, once
    from playwright.sync_api import sync_playwright

    samples, sizes = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            for _ in range(loads):
                seconds, size = once(browser, f"{base}/", 4.0)
                samples.append(seconds)
                sizes.append(size)
        finally:
            browser.close()
    return {
        "median_s": round(statistics.median(samples), 3),
        "max_s": round(max(samples), 3),
        "kb_transferred": round(statistics.median(sizes) / 1024, 1),
    }


def naive_times(envfile: Path, repeat: int = 10) -> dict[str, dict[str, float]]:
    """The naive statements against the panels' own queries, both in this process (no HTTP on either side)."""
    settings = load_settings(envfile)
    today = datetime.now(MOSCOW).date()
    params = {
        "date_from": today - timedelta(days=29),
        "date_to": today,
        "prev_from": today - timedelta(days=59),
    }

    def median_ms(call: Any) -> float:
        call()
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            call()
            samples.append(time.perf_counter() - started)
        return round(statistics.median(samples) * 1000, 1)

    out = {}
    with connect(settings) as storage:
        pool = ReaderPool(settings.clickhouse, size=1)
        try:
            for name, statements in NAIVE.items():
                texts = [sql.replace("{from}", NAIVE_FROM).replace("{db}", storage.db) for sql in statements]
                naive = median_ms(lambda texts=texts: [storage.rows(text, params) for text in texts])
                panel = median_ms(lambda name=name: panels.run(name, pool, {}, today=today))
                out[name] = {"naive_ms": naive, "panel_ms": panel, "ratio": round(naive / panel, 1)}
        finally:
            pool.close()
    return out


def prepare(envfile: Path) -> dict[str, Any]:
    started = time.perf_counter()
    subprocess.run(
        [PY, "-m", "integrations.qtickets_api.loader", "--envfile", str(envfile), "--since", "2021-01-01"],
        cwd=REPO, env=child_env(), check=True, capture_output=True,
    )  # fmt: skip
    backfill_s = time.perf_counter() - started
    settings = load_settings(envfile)
    with connect(settings) as storage:
        install(storage)
        rows = storage.rows("SELECT count() FROM zakaz.fact_qtickets_sales_detail")[0][0]
    return {"backfill_s": round(backfill_s, 1), "sales_detail_rows": int(rows)}


def during_backfill(envfile: Path, requests: int) -> dict[str, Any]:
    """Panels while the service itself backfills: staging emptied, the look-back set to the whole history."""
    settings = load_settings(envfile)
    with connect(settings) as storage:
        for table in ("stg_qtickets_api_orders_raw", "stg_qtickets_api_baskets", "meta_loader_state"):
            storage.command(f"TRUNCATE TABLE zakaz.{table}")
    text = envfile.read_text() + "QTICKETS_SINCE_HOURS=60000\n"
    backfill_env = envfile.with_name("backfill.env")
    backfill_env.write_text(text)
    backfill_env.chmod(0o600)
    served = Served(backfill_env)
    samples: list[float] = []
    try:
        with httpx.Client(base_url=served.base, timeout=60) as client:
            deadline = time.monotonic() + 600
            while (
                not served.log.read_text().count("Finished QTickets API ingestion run") and time.monotonic() < deadline
            ):
                for name in ("kpi", "sales_daily", "cities", "sell_through"):
                    started = time.perf_counter()
                    client.get(f"/api/panels/{name}.json")
                    samples.append(time.perf_counter() - started)
                    time.sleep(0.05)
    finally:
        served.stop()
    return {"requests": len(samples), **(percentiles(samples) if samples else {})}


def service_runs(sim: SimProcess, envfile: Path, runs: int) -> dict[str, Any]:
    settings = load_settings(envfile)
    process = psutil.Process()
    durations = []
    with connect(settings) as storage:
        schedule = LoaderSchedule(settings, storage)
        asyncio.run(schedule.run_once())
        rss_start = process.memory_info().rss / 2**20
        for _ in range(runs):
            sim.advance(15)
            started = time.perf_counter()
            asyncio.run(schedule.run_once())
            durations.append(time.perf_counter() - started)
        rss_end = process.memory_info().rss / 2**20
    return {
        "runs": runs,
        "failures": schedule.status.failures,
        "median_s": round(statistics.median(durations), 3),
        "p95_s": round(sorted(durations)[int(0.95 * (len(durations) - 1))], 3),
        "rss_start_mb": round(rss_start, 1),
        "rss_end_mb": round(rss_end, 1),
        "threads_end": threading.active_count(),
    }


def one_size(orders: int, args: SimpleNamespace, tmp: Path, first: bool) -> dict[str, Any]:
    token = secrets.token_urlsafe(16)
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    sim = SimProcess(orders=orders, now=now, token=token, log_path=tmp / f"sim-{orders}.log")
    try:
        envfile = write_env(tmp / f"{orders}.env", sim, token, tmp / f"ch-{orders}")
        result: dict[str, Any] = {"orders": orders, **prepare(envfile)}
        print(f"{orders}: loaded ({result})", flush=True)
        served = Served(envfile, "--no-schedule")
        try:
            result["panels"] = panel_latencies(served.base, args.requests)
            result["page"] = page_times(served.base, args.page_loads)
            result["phone_page"] = phone_page_times(served.base, args.page_loads)
        finally:
            served.stop()
        result["naive_ms"] = naive_times(envfile)
        print(f"{orders}: panels and page measured", flush=True)
        if first and args.service_runs:
            result["service_runs"] = service_runs(sim, envfile, args.service_runs)
        if first and args.backfill_load:
            result["during_backfill"] = during_backfill(envfile, args.requests)
        return result
    finally:
        sim.stop()


def print_table(results: list[dict[str, Any]]) -> None:
    for r in results:
        limit = 50 if r["orders"] < 500_000 else 100
        print(f"\n== {r['orders']:,} orders (backfill {r['backfill_s']} s, {r['sales_detail_rows']:,} detail rows)")
        for name, p in r["panels"].items():
            naive = r["naive_ms"].get(name)
            ratio = (
                f"  in process: panel {naive['panel_ms']} ms, naive {naive['naive_ms']} ms = {naive['ratio']}x"
                if naive
                else ""
            )
            mark = "met" if p["p95_ms"] <= limit else "MISSED"
            print(f"  {name:20s} p50 {p['p50_ms']:7.1f} ms  p95 {p['p95_ms']:7.1f} ms  (<= {limit} ms: {mark}){ratio}")
        page = r["page"]
        met = "met" if page["max_s"] <= 1.5 else "MISSED"
        print(f"  page drawn: median {page['median_s']} s, max {page['max_s']} s (<= 1.5 s: {met})")
        phone = r["phone_page"]
        met = "met" if phone["max_s"] <= 3.0 else "MISSED"
        print(f"  page drawn on a phone profile (4x CPU, 10 Mbit/s, 40 ms, no cache): median {phone['median_s']} s, "
              f"max {phone['max_s']} s, {phone['kb_transferred']} KB (<= 3 s: {met})")  # fmt: skip
        if "service_runs" in r:
            s = r["service_runs"]
            print(f"  15-minute runs in the service: median {s['median_s']} s, p95 {s['p95_s']} s (<= 1 s), "
                  f"RSS {s['rss_start_mb']} -> {s['rss_end_mb']} MB over {s['runs']} runs (<= +50 MB)")  # fmt: skip
        if "during_backfill" in r:
            b = r["during_backfill"]
            print(f"  panels during a backfill in the service: {b}")


def main() -> int:
    args = parse(
        "python bench/dashboard.py",
        [
            click.Option(["--orders"], type=int, default=126_000, show_default=True),
            click.Option(
                ["--big-orders"], type=int, default=1_260_000, help="0 skips the large size", show_default=True
            ),
            click.Option(["--requests"], type=int, default=50, show_default=True),
            click.Option(["--page-loads"], type=int, default=5, show_default=True),
            click.Option(["--service-runs"], type=int, default=100, show_default=True),
            click.Option(
                ["--backfill-load/--no-backfill-load"],
                default=True,
                help="time the panels during a backfill",
                show_default=True,
            ),
        ],
        help=__doc__.splitlines()[0],
    )
    load_before = os.getloadavg()
    results = []
    with tempfile.TemporaryDirectory(prefix="zakaz-dashboard-bench-") as tmp:
        for position, orders in enumerate(o for o in (args.orders, args.big_orders) if o):
            results.append(one_size(orders, args, Path(tmp), first=position == 0))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    RESULTS.mkdir(parents=True, exist_ok=True)
    doc = {
        "stamp": stamp,
        "machine": machine_info(),
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "results": results,
    }
    (RESULTS / f"dashboard-{stamp}.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=str))
    print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
