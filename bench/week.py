"""A week of the service's 15-minute runs in one process, without growing (issue «Nothing lost, nothing silent»).

672 scheduled loader runs (``LoaderSchedule.run_once``, the code the service's timer calls) in one asyncio loop
and one ClickHouse session, against an in-process simulator whose clock moves 15 minutes a run (no sleeping).
Threads, open file descriptors and RSS at the start, after a day (96 runs) and after the week. The target:
flat within ±5 threads, ±20 descriptors and +50 MB. Results: ``bench/results/week-<stamp>.json``.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench_cli import parse  # noqa: E402

from integrations.qtickets_api import load_settings  # noqa: E402
from integrations.qtickets_api.service import LoaderSchedule  # noqa: E402
from integrations.qtickets_api.storage import Storage, connect, migrations  # noqa: E402
from qtickets_sim import FaultConfig, Simulator, SimulatorConfig  # noqa: E402

RESULTS = REPO / "bench" / "results"
DAY = 96
GLOBAL_POOL = "SELECT metric, value FROM system.metrics WHERE metric IN ('GlobalThread', 'GlobalThreadActive')"


def snapshot(process: psutil.Process, storage: Storage, run: int, started: float) -> dict[str, Any]:
    pool = dict(storage.rows(GLOBAL_POOL))
    return {
        "run": run,
        "threads": process.num_threads(),  # the OS's count: the embedded engine's threads are not Python's
        "python_threads": threading.active_count(),
        "engine_pool_threads": int(pool.get("GlobalThread", 0)),
        "engine_pool_busy": int(pool.get("GlobalThreadActive", 0)),
        "fds": process.num_fds(),
        "rss_mb": round(process.memory_info().rss / 2**20, 1),
        "elapsed_s": round(time.perf_counter() - started, 1),
    }


async def week(schedule: LoaderSchedule, storage: Storage, sim: Simulator, runs: int) -> list[dict[str, Any]]:
    process, started = psutil.Process(), time.perf_counter()
    await schedule.run_once()  # the first run loads the history; the measure starts after it
    points = [snapshot(process, storage, 0, started)]
    for run in range(1, runs + 1):
        sim.advance(timedelta(minutes=15))
        await schedule.run_once()
        if run in (DAY, runs) or run % DAY == 0:
            points.append(snapshot(process, storage, run, started))
            print(f"  run {run}: {points[-1]}", flush=True)
    return points


def main() -> int:
    args = parse(
        "python bench/week.py",
        [
            click.Option(
                ["--runs"], type=int, default=7 * DAY, help="15-minute runs (672 = a week)", show_default=True
            ),
            click.Option(["--orders"], type=int, default=20_000, help="orders in the history", show_default=True),
        ],
        help=__doc__.splitlines()[0] if __doc__ else None,
    )
    token = secrets.token_urlsafe(16)
    config = SimulatorConfig(
        seed=11, orders=args.orders, token=token, now=datetime(2026, 11, 20, 6, tzinfo=UTC), clock="manual"
    )
    sim = Simulator(config, faults=FaultConfig())
    with tempfile.TemporaryDirectory(prefix="zakaz-week-") as tmp, sim.serve(host="127.0.0.1", port=0) as server:
        envfile = Path(tmp) / ".env.qtickets_api"
        envfile.write_text(
            f"QTICKETS_API_BASE_URL={server.base_url}\nQTICKETS_API_TOKEN={token}\n"
            f"CLICKHOUSE_DATA_DIR={tmp}/clickhouse\nTZ=Europe/Moscow\nORG_NAME=bench\n",
            encoding="utf-8",
        )
        envfile.chmod(0o600)
        settings = load_settings(envfile)
        with connect(settings) as storage:
            migrations.migrate(storage, settings.tz)
            schedule = LoaderSchedule(settings, storage)
            points = asyncio.run(week(schedule, storage, sim, args.runs))
            failures = schedule.status.failures
    first, last = points[0], points[-1]
    day = next((p for p in points if p["run"] == DAY), last)
    growth = {k: round(last[k] - first[k], 1) for k in ("threads", "fds", "rss_mb")}
    within = abs(growth["threads"]) <= 5 and abs(growth["fds"]) <= 20 and growth["rss_mb"] <= 50
    result = {"runs": args.runs, "orders": args.orders, "failures": failures, "points": points, "growth": growth,
              "within_target": within}  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"week-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"\n{args.runs} runs in one process ({failures} failed), {last['elapsed_s']} s")
    print(f"{'':14}{'threads':>8}{'fds':>6}{'RSS MB':>8}{'engine pool (busy)':>20}")
    for label, p in (("start", first), (f"after {day['run']}", day), (f"after {last['run']}", last)):
        pool = f"{p['engine_pool_threads']} ({p['engine_pool_busy']})"
        print(f"{label:14}{p['threads']:>8}{p['fds']:>6}{p['rss_mb']:>8}{pool:>20}")
    print(f"growth {growth} -> {'within' if within else 'OUTSIDE'} ±5 threads, ±20 fds, +50 MB; {out.name}")
    return 1 if failures else 0  # the figures are the result; a failed run is an error


if __name__ == "__main__":
    raise SystemExit(main())
