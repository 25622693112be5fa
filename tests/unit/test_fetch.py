"""Prefetching pages on threads: every page of every source arrives, errors reach the caller, nothing hangs."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from integrations.qtickets_api.api import prefetched


def source(n: int, pages: int) -> Callable[[], Iterator[list[Any]]]:
    return lambda: iter([[f"s{n}p{p}"] for p in range(pages)])


def consume(sources: list[Callable[[], Iterator[list[Any]]]], workers: int) -> list[Any]:
    """All pages, or the error; fails instead of hanging if the consumer never finishes."""
    out: list[Any] = []

    def run() -> None:
        try:
            out.extend(page[0] for page in prefetched(sources, workers=workers))
        except Exception as exc:  # the caller's side of a source's error
            out.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=20)
    assert not thread.is_alive(), "the consumer hung"
    return out


@pytest.mark.parametrize("workers", [1, 2, 4])
def test_sources_that_finish_before_the_caller_reads_do_not_hang_it(workers: int) -> None:
    # a source done before the caller starts reading, with the queue full of its pages: the case in which
    # a done-callback would have run in the caller's thread and waited on a queue only it empties
    for _ in range(20):
        sources = [source(n, workers + 1) for n in range(30)]
        got = consume(sources, workers)
        assert sorted(got) == sorted(f"s{n}p{p}" for n in range(30) for p in range(workers + 1))


def test_an_error_in_a_source_reaches_the_caller() -> None:
    def failing() -> Iterator[list[Any]]:
        yield ["ok"]
        raise RuntimeError("page 2 failed")

    got = consume([failing], workers=1)
    assert got[0] == "ok" and isinstance(got[-1], RuntimeError)
