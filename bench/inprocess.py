"""Many 15-minute runs in one process, as the service makes them: time per run and what the process holds.

    python bench/inprocess.py --envfile ENV --admin-url URL [--runs 50]

The embedded engine is opened once; before each run the simulator's clock moves 15 minutes (its admin API), then
``run_loader`` loads the last 24 hours. Prints one JSON line: each run's wall time, and the process's RSS, thread
count and open descriptors after the first run and after the last.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import httpx
import psutil
from bench_cli import parse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def held() -> dict[str, float]:
    me = psutil.Process()
    return {
        "rss_mb": round(me.memory_info().rss / 2**20, 1),
        "threads_os": me.num_threads(),
        "threads_python": threading.active_count(),
        "fds": len(os.listdir("/proc/self/fd")) if Path("/proc/self/fd").exists() else -1,
    }


ENGINE_METRICS = (
    "SELECT metric, value FROM system.metrics WHERE metric IN ('MemoryTracking', 'GlobalThread', 'GlobalThreadActive', "
    "'MarkCacheBytes', 'PrimaryIndexCacheBytes', 'IndexMarkCacheBytes', 'QueryConditionCacheBytes', "
    "'CompiledExpressionCacheBytes', 'UncompressedCacheBytes', 'PartsActive', 'PartsOutdated')"
)


def engine(storage: object) -> dict[str, float]:
    """What the embedded engine reports holding: tracked memory, caches, threads, parts."""
    return {str(name): float(value) for name, value in storage.rows(ENGINE_METRICS)}  # type: ignore[attr-defined]


def main() -> int:
    args = parse(
        "python bench/inprocess.py",
        [
            click.Option(["--envfile"], type=click.Path(path_type=Path), required=True, show_default=True),
            click.Option(["--admin-url"], required=True, show_default=True),
            click.Option(["--runs"], type=int, default=50, show_default=True),
        ],
    )
    from integrations.qtickets_api import RunOptions, connect, load_settings, run_loader

    settings = load_settings(args.envfile)
    walls: list[float] = []
    series: list[dict[str, float]] = []
    after_first: dict[str, float] = {}
    with connect(settings) as storage, httpx.Client(timeout=60) as admin:
        for n in range(args.runs + 1):
            admin.post(f"{args.admin_url}/advance", json={"minutes": 15}).raise_for_status()
            now = datetime.fromisoformat(admin.get(f"{args.admin_url}/now").json()["now"])
            until = now.astimezone(UTC).replace(microsecond=0) + timedelta(seconds=1)
            started = time.perf_counter()
            run_loader(settings, RunOptions(since=until - timedelta(hours=24), until=until), storage=storage)
            walls.append(round(time.perf_counter() - started, 3))
            series.append(held())
            if n == 0:  # the first run opens the engine's pools and caches: measure growth after it
                after_first = held()
                engine_first = engine(storage)
        after_last = held()
        engine_last = engine(storage)
    print(
        json.dumps(
            {
                "runs": args.runs,
                "walls_s": walls[1:],
                "after_first": after_first,
                "after_last": after_last,
                "engine_first": engine_first,
                "engine_last": engine_last,
                "series": series,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
