"""The peer: the same simulator and window loaded by dlt's ``rest_api`` source into DuckDB.

Run as its own process by ``bench/run.py`` (so its wall time and peak RSS are its own)::

    QTICKETS_API_TOKEN=… python bench/peer_dlt.py --base-url URL --workdir DIR [--per-page 500] \
        [--since "2021-01-01 00:00:00"]

Configured for this API as its documentation says: GET list calls with a JSON body (``endpoint.json``), the page
number in that body (``page_number`` paginator, ``page_body_path: page``, 1-based), ``perPage`` in the body, the
records under ``data``, bearer auth. QTickets' ``paging.total`` counts records, not pages, so dlt's ``total_path``
(pages) cannot use it: the paginator stops on the first empty page (``stop_after_empty_page``), one request more
than the loader's stop on a short page would need only when the last page is full. Orders keep their nested
``baskets`` (dlt normalises them into the child table ``orders__baskets``). Everything else is dlt's default:
destination ``duckdb`` (file in ``--workdir``), default loader file format, default normalize/load workers,
``dev_mode`` off. Prints one JSON line with the row counts of the loaded tables.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import click
from bench_cli import parse


def main() -> int:
    args = parse(
        "python bench/peer_dlt.py",
        [
            click.Option(["--base-url"], required=True, show_default=True),
            click.Option(["--workdir"], type=click.Path(path_type=Path), required=True, show_default=True),
            click.Option(["--per-page"], type=int, default=500, show_default=True),
            click.Option(
                ["--since"], default="2021-01-01 00:00:00", help="updated_at >= this (Moscow time)", show_default=True
            ),
            click.Option(
                ["--file-format"],
                default=None,
                help="dlt loader_file_format (default: the destination's, insert_values)",
                show_default=True,
            ),
        ],
    )

    args.workdir.mkdir(parents=True, exist_ok=True)
    # keep dlt's state and config lookups inside the bench's temp dir; no telemetry (there is no network anyway)
    os.environ.setdefault("DLT_DATA_DIR", str(args.workdir / "dlt_data"))
    os.environ.setdefault("DLT_PROJECT_DIR", str(args.workdir))
    os.environ["RUNTIME__DLTHUB_TELEMETRY"] = "false"

    started = time.perf_counter()
    import dlt
    from dlt.sources.rest_api import rest_api_source

    imported = time.perf_counter()
    where = [{"column": "updated_at", "operator": ">=", "value": args.since}]
    source = rest_api_source(
        {
            "client": {
                "base_url": args.base_url.rstrip("/") + "/",
                "auth": {"type": "bearer", "token": os.environ["QTICKETS_API_TOKEN"]},
                "headers": {"Accept": "application/json", "Cache-Control": "no-cache"},
                "paginator": {
                    "type": "page_number",
                    "page_body_path": "page",
                    "base_page": 1,
                    "total_path": None,
                    "stop_after_empty_page": True,
                },
            },
            "resource_defaults": {"write_disposition": "replace", "primary_key": "id"},
            "resources": [
                {
                    "name": "orders",
                    "endpoint": {
                        "path": "orders",
                        "method": "GET",
                        "json": {"where": where, "orderBy": {"id": "asc"}, "perPage": args.per_page},
                        "data_selector": "data",
                    },
                },
                {
                    "name": "events",
                    "endpoint": {
                        "path": "events",
                        "method": "GET",
                        "json": {"orderBy": {"id": "asc"}, "perPage": args.per_page},
                        "data_selector": "data",
                    },
                },
            ],
        }
    )
    pipeline = dlt.pipeline(
        pipeline_name="qtickets_bench",
        destination=dlt.destinations.duckdb(str(args.workdir / "peer.duckdb")),
        dataset_name="qtickets",
        pipelines_dir=str(args.workdir / "pipelines"),
        dev_mode=False,
    )
    phases: dict[str, float] = {"import": imported - started}
    t0 = time.perf_counter()
    pipeline.extract(source, loader_file_format=args.file_format)
    phases["extract"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    pipeline.normalize()
    phases["normalize"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    info = pipeline.load()
    phases["load"] = time.perf_counter() - t0
    info.raise_on_failed_jobs()

    import duckdb

    con = duckdb.connect(str(args.workdir / "peer.duckdb"), read_only=True)
    listing = con.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'qtickets' AND table_name NOT LIKE '_dlt%'"
    )
    tables = [r[0] for r in listing.fetchall()]
    rows = {t: con.execute(f'SELECT count(*) FROM qtickets."{t}"').fetchone()[0] for t in sorted(tables)}
    con.close()
    print(json.dumps({"rows": rows, "phases": {k: round(v, 3) for k, v in phases.items()}, "dlt": dlt.__version__}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
