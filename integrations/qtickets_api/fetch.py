"""Fetching every order of a window: keyset pages, optionally over disjoint id ranges in parallel.

Parallel fetching splits ``(0, newest id]`` into ranges, each paged by ``id > last`` on its own
thread; pages reach the caller through a small bounded queue, so memory stays flat however many
orders there are. Orders created after we looked up the newest id are fetched at the end.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .api_client import QTicketsClient, Where

_DONE = object()


def iter_pages(
    client: QTicketsClient, resource: str, where: Where, *, per_page: int, concurrency: int = 1
) -> Iterator[list[dict[str, Any]]]:
    if concurrency <= 1:
        yield from client.iter_by_id(resource, where, per_page=per_page)
        return
    newest, total = client.newest_id(resource, where)
    if newest is None:
        return
    if total is not None and total <= per_page * concurrency:
        yield from client.iter_by_id(resource, where, per_page=per_page)
        return
    parts = concurrency * 4
    step = max(1, -(-newest // parts))
    ranges = [(lo, min(lo + step, newest)) for lo in range(0, newest, step)]
    pages: queue.Queue[object] = queue.Queue(maxsize=concurrency * 2)
    stop = threading.Event()

    def _put(item: object) -> bool:
        while not stop.is_set():
            try:
                pages.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def worker(lo: int, hi: int) -> None:
        for page in client.iter_by_id(resource, where, per_page=per_page, after_id=lo, up_to_id=hi):
            if not _put(page):
                return

    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="qtickets-fetch") as pool:
        futures = [pool.submit(worker, lo, hi) for lo, hi in ranges]

        def closer() -> None:
            for f in futures:
                with contextlib.suppress(BaseException):  # surfaced below through f.result()
                    f.result()
            _put(_DONE)

        threading.Thread(target=closer, daemon=True).start()
        try:
            while True:
                item = pages.get()
                if item is _DONE:
                    break
                yield item  # type: ignore[misc]
        finally:
            stop.set()
        for f in futures:
            f.result()
    yield from client.iter_by_id(resource, where, per_page=per_page, after_id=newest)
