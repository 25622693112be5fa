"""Fetching every order of a window: keyset pages, prefetched, optionally over disjoint id ranges.

Pages are fetched on background threads and handed over through a small bounded queue, so the next
page is on its way while the caller transforms and writes the current one, and memory stays flat
however many orders there are. With ``concurrency > 1`` the id space ``(0, newest]`` is split into
ranges, each paged by ``id > last`` on its own thread; orders created after we looked up the newest
id are fetched at the end.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import ThreadPoolExecutor

from .client import QTicketsClient, Record, Where

Page = list[Record]
_DONE = object()


def iter_pages(
    client: QTicketsClient,
    resource: str,
    where: Where,
    *,
    per_page: int,
    concurrency: int = 1,
    select: list[str] | None = None,
) -> Generator[Page, None, None]:
    """Close it (``contextlib.closing``) when stopping early: that stops and joins its fetching threads.

    ``select`` asks for those fields only (dotted paths into relations); the caller checks that it was honoured."""
    if concurrency <= 1 or select:
        yield from prefetched([lambda: client.iter_by_id(resource, where, per_page=per_page, select=select)], workers=1)
        return
    newest, total = client.newest_id(resource, where)
    if newest is None:
        return
    if total is not None and total <= per_page * concurrency:
        yield from prefetched([lambda: client.iter_by_id(resource, where, per_page=per_page)], workers=1)
        return
    parts = concurrency * 4
    step = max(1, -(-newest // parts))

    def source(lo: int) -> Callable[[], Iterator[Page]]:
        hi = min(lo + step, newest)
        return lambda: client.iter_by_id(resource, where, per_page=per_page, after_id=lo, up_to_id=hi)

    sources = [source(lo) for lo in range(0, newest, step)]
    yield from prefetched(sources, workers=concurrency)
    yield from client.iter_by_id(resource, where, per_page=per_page, after_id=newest)


def prefetched(sources: list[Callable[[], Iterator[Page]]], *, workers: int) -> Generator[Page, None, None]:
    """Pages of every source, produced by ``workers`` threads; errors surface in the caller."""
    pages: queue.Queue[object] = queue.Queue(maxsize=workers + 1)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                pages.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def drain(source: Callable[[], Iterator[Page]]) -> None:
        # The end of a source (or its error) is queued by its own thread. Never from a done-callback:
        # a callback added to a future that has already finished runs in the caller's thread, which would
        # then wait on a full queue that only it can empty.
        try:
            for page in source():
                if not put(page):
                    return
        except BaseException as exc:  # handed to the caller, which raises it
            put(exc)
        else:
            put(_DONE)

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="qtickets-fetch") as pool:
        for source in sources:
            pool.submit(drain, source)
        remaining = len(sources)
        try:
            while remaining:
                item = pages.get()
                if item is _DONE:
                    remaining -= 1
                    continue
                if isinstance(item, BaseException):
                    raise item
                yield item  # type: ignore[misc]
        finally:
            stop.set()
