"""Encoding pages in worker processes gives what encoding them in process gives; a dead worker fails the run
with one clear error."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import msgspec
import pytest

from integrations.qtickets_api.encoded_orders import EncodedOrders, encode_orders
from integrations.qtickets_api.errors import WorkerFailed
from integrations.qtickets_api.page_workers import INLINE_PAGES, PageEncoder
from tests.support.processes import HAS_PROC, children, command_line, live_parents
from tests.unit.test_transform import order

AT = datetime(2025, 11, 3, tzinfo=UTC)


def pages(n: int, per_page: int = 5) -> list[list[msgspec.Raw]]:
    out = []
    for p in range(n):
        items = [order(id=p * per_page + i + 1, event_id=1 + i % 3) for i in range(per_page)]
        if p == 3:
            items.append({"id": "not-a-number"})  # a reject travels back from a worker too
        out.append([msgspec.Raw(msgspec.json.encode(item)) for item in items])
    return out


def flat(batches: Iterator[EncodedOrders]) -> EncodedOrders:
    total = EncodedOrders()
    for batch in batches:
        total.extend(batch)
    return total


def test_worker_encoding_equals_in_process_encoding() -> None:
    source = pages(INLINE_PAGES + 12)
    encoder = PageEncoder(run_id="r", loaded_at=AT, sales_tz="Europe/Moscow", workers=2)
    got = flat(encoder.encode_all(source))
    assert encoder.pages_in_workers == 12
    want = flat(encode_orders(p, run_id="r", loaded_at=AT, sales_tz="Europe/Moscow") for p in source)
    assert got == want
    assert len(got) == 5 * len(source) and len(got.rejects) == 1 and got.records == len(got) + 1
    # the lines are what ClickHouse reads: one JSON array per row, personal data already gone
    row = msgspec.json.decode(got.raw_lines[0])
    assert row[0] == 1 and "a@example.com" not in got.raw_lines[0].decode()
    assert got.basket_counts[0] == 2 and got.basket_lines[0].count(b"\n") == 2


def test_small_windows_never_start_a_worker() -> None:
    encoder = PageEncoder(run_id="r", loaded_at=AT, sales_tz=None, workers=2)
    assert len(flat(encoder.encode_all(pages(INLINE_PAGES)))) == 5 * INLINE_PAGES
    assert encoder.pages_in_workers == 0


def worker_pids() -> set[int]:
    """Children of this process's fork server: the encoding workers."""
    parents = live_parents()
    servers = {pid for pid in children({os.getpid()}, parents) if b"multiprocessing.forkserver" in command_line(pid)}
    return children(servers, parents)


@pytest.mark.skipif(not HAS_PROC, reason="reads /proc")
def test_a_killed_worker_fails_the_run_with_one_clear_error() -> None:
    source = pages(INLINE_PAGES + 40)

    def killing() -> Iterator[list[msgspec.Raw]]:
        for n, page in enumerate(source):
            if n == INLINE_PAGES + 4:
                for pid in worker_pids():
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
            yield page

    encoder = PageEncoder(run_id="r", loaded_at=AT, sales_tz=None, workers=2)
    with pytest.raises(WorkerFailed, match="worker process encoding orders died") as caught:
        flat(encoder.encode_all(killing()))
    assert "--workers 0" in caught.value.one_line()


def test_without_worker_processes_every_page_is_encoded_in_process(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def unavailable(method: str) -> None:
        raise ValueError(f"cannot find context for {method!r}")

    monkeypatch.setattr("integrations.qtickets_api.page_workers.multiprocessing.get_context", unavailable)
    source = pages(INLINE_PAGES + 5)
    encoder = PageEncoder(run_id="r", loaded_at=AT, sales_tz=None, workers=2)
    got = flat(encoder.encode_all(source))
    assert encoder.pages_in_workers == 0
    assert got == flat(encode_orders(p, run_id="r", loaded_at=AT) for p in source)
    assert "Cannot start worker processes" in caplog.text


@pytest.mark.skipif(not HAS_PROC, reason="reads /proc")
def test_a_worker_that_does_not_answer_fails_the_run_and_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("integrations.qtickets_api.page_workers.PAGE_TIMEOUT_S", 1e-6)
    encoder = PageEncoder(run_id="r", loaded_at=AT, sales_tz=None, workers=2)
    with pytest.raises(WorkerFailed, match="did not return its page"):
        flat(encoder.encode_all(pages(INLINE_PAGES + 10)))
    deadline = time.time() + 10
    while worker_pids() and time.time() < deadline:
        time.sleep(0.1)
    assert not worker_pids()
