"""The loader with pieces of its speed machinery switched off, for measuring what each piece is worth.

    python bench/variants.py --without prefetch -- LOADER ARGS...

Runs the loader's own command line in this process after replacing the named pieces with the plain
thing they speed up (nothing else changes), so ``bench/run.py`` can time the same backfill with and
without each one in the same run:

- ``prefetch``: pages are fetched when the loop asks for them instead of ahead, on a thread;
- ``seats_parallel``: seat maps are read one at a time instead of 4 at a time (measured at the API's latency).

(The cyclic-GC pause and the write-behind thread measured +0 % and -1 % here on 2026-12-05, below the bench's
10 % rule, and were removed.)
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
from bench_cli import parse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PIECES = ("prefetch", "seats_parallel")


def switch_off(pieces: set[str]) -> None:
    from integrations.qtickets_api.api import paging

    if "prefetch" in pieces:

        def serial(sources: list[Callable[[], Iterator[Any]]], *, workers: int) -> Iterator[Any]:
            for source in sources:
                yield from source()

        paging.prefetched = serial  # type: ignore[assignment]
    if "seats_parallel" in pieces:
        from integrations.qtickets_api.ingest import run as ingest_run

        ingest_run.SEATS_CONCURRENCY = 1


def main() -> None:
    args = parse(
        "python bench/variants.py",
        [
            click.Option(["--without"], default="", help=f"comma-separated: {', '.join(PIECES)}", show_default=True),
        ],
        rest=True,
    )
    pieces = {p for p in args.without.split(",") if p}
    unknown = pieces - set(PIECES)
    if unknown:
        print(f"error: unknown pieces: {', '.join(sorted(unknown))} (known: {', '.join(PIECES)})", file=sys.stderr)
        sys.exit(2)
    switch_off(pieces)
    from integrations.qtickets_api.loader import main as loader_main

    sys.argv = ["python -m integrations.qtickets_api.loader", *[a for a in args.rest if a != "--"]]
    loader_main()


if __name__ == "__main__":
    main()
