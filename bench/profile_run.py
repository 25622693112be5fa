"""One backfill in-process under pyinstrument, every cost on one thread, and its time split into categories.

    python bench/profile_run.py --envfile ENV --report OUT.txt [--since 2021-01-01] [--skip-inventory]

The loader normally fetches pages on a background thread, transforms on the main thread and inserts on a third,
and pyinstrument samples only the thread that started it. So that one profile shows every cost, this run swaps
page prefetching for a plain serial chain of the same page sources and the write-behind for inline writes
(``variants.switch_off``; nothing else changes): its wall time is the *sum* of the parts, while the real run
overlaps fetching, transforming and inserting. Prints one JSON line:
seconds per category (imports, start-up, network, parsing, transforming, inserting, facts, inventory, other)
and the run's own phase timings.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from pyinstrument import Profiler

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import click
from bench_cli import parse
from variants import switch_off

# (file suffix, function or None for any) -> category; the first match of a frame wins.
PHASES: list[tuple[str, str | None, str]] = [
    ("qtickets_api/ingest/run.py", "open_storage", "start-up (engine, migrations)"),
    ("qtickets_api/ingest/run.py", "fetch_events", "events"),
    ("qtickets_api/ingest/run.py", "fetch_orders", "orders loop (pipeline)"),
    ("qtickets_api/ingest/run.py", "build_sales_facts", "facts rebuild"),
    ("qtickets_api/ingest/run.py", "snapshot_inventory", "inventory"),
    ("qtickets_api/ingest/run.py", "write_dimensions", "other"),
    ("qtickets_api/ingest/run.py", "fetch_missing_events", "other"),
    ("qtickets_api/ingest/run.py", "record_run", "other"),
    ("qtickets_api/ingest/run.py", "close", "other"),
]
# refinements inside the orders loop
ORDERS: list[tuple[str, str | None, str]] = [
    ("/httpx/", None, "network (HTTP client + wait)"),
    ("/httpcore/", None, "network (HTTP client + wait)"),
    ("qtickets_api/api/", None, "parsing (page split, ids, checks)"),
    ("qtickets_api/ingest/encode.py", None, "transforming (msgspec, scrub, rows)"),
    ("qtickets_api/ingest/rows.py", None, "transforming (msgspec, scrub, rows)"),
    ("qtickets_api/domain/records.py", None, "transforming (msgspec, scrub, rows)"),
    ("qtickets_api/domain/redaction.py", None, "transforming (msgspec, scrub, rows)"),
    ("qtickets_api/storage/", None, "inserting (dedup query + insert)"),
]
NETWORK = "network (HTTP client + wait)"


def _match(frame: Any, rules: list[tuple[str, str | None, str]]) -> str | None:
    path = (frame.file_path or "").replace("\\", "/")
    for suffix, function, category in rules:
        if suffix in path and (function is None or frame.function == function):
            return category
    return None


def categorise(root: Any) -> dict[str, float]:
    totals: dict[str, float] = {}

    def walk(frame: Any, category: str) -> None:
        phase = _match(frame, PHASES)
        if phase is not None:
            category = phase
        elif category == "orders loop (pipeline)" or category in {c for _, _, c in ORDERS}:
            refined = _match(frame, ORDERS)
            # once inside the HTTP client, stay there (its frames call into many modules)
            if refined is not None and category != NETWORK:
                category = refined
        children = frame.children
        self_time = frame.time - sum(child.time for child in children)
        totals[category] = totals.get(category, 0.0) + max(0.0, self_time)
        for child in children:
            walk(child, category)

    walk(root, "imports and other start-up")
    return totals


def main() -> int:
    args = parse(
        "python bench/profile_run.py",
        [
            click.Option(["--envfile"], type=click.Path(path_type=Path), required=True, show_default=True),
            click.Option(["--report"], type=click.Path(path_type=Path), required=True, show_default=True),
            click.Option(["--since"], default="2021-01-01", show_default=True),
            click.Option(["--skip-inventory"], is_flag=True, show_default=True),
        ],
    )

    profiler = Profiler(interval=0.001)
    started = time.perf_counter()
    profiler.start()
    from datetime import UTC, datetime

    from integrations.qtickets_api import RunOptions, load_settings, run_loader
    from integrations.qtickets_api.loader import parse_when

    switch_off({"prefetch"})
    settings = load_settings(args.envfile)
    options = RunOptions(
        since=parse_when(args.since, settings.tz, end=False),
        until=datetime.now(UTC).replace(microsecond=0),
        skip_inventory=args.skip_inventory,
    )
    result = run_loader(settings, options)
    profiler.stop()
    wall = time.perf_counter() - started

    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(profiler.output_text(unicode=True, color=False, show_all=False), encoding="utf-8")
    session = profiler.last_session
    root = session.root_frame(trim_stem=False) if session else None
    categories = categorise(root) if root is not None else {}
    print(
        json.dumps(
            {
                "wall_s": round(wall, 3),
                "categories_s": {k: round(v, 3) for k, v in sorted(categories.items(), key=lambda kv: -kv[1])},
                "timings_s": {k: round(v, 3) for k, v in result.timings.items()},
                "orders_fetched": result.record.rows.get("orders_fetched", 0),
                "api_requests": result.record.api_requests,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
