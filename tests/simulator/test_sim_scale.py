"""The full-size account: 126k orders generate fast, fit in memory, and page quickly by keyset."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

import httpx
import psutil

from integrations.qtickets_api.simulator import Simulator


def test_126k_orders(fresh: Callable[..., Simulator]) -> None:
    gc.collect()
    started = time.perf_counter()
    sim = fresh(orders=126_000, seed=42)
    assert time.perf_counter() - started < 15
    assert psutil.Process().memory_info().rss < 1.5 * 2**30
    assert len(sim.events()) == 280
    with sim.serve() as server, httpx.Client(base_url=server.base_url, timeout=30) as http:
        http.headers["Authorization"] = f"Bearer {sim.config.token}"
        last, seen, pages = 0, 0, 0
        while True:
            keyset = [{"column": "id", "operator": ">", "value": last}]
            body = {"where": keyset, "orderBy": {"id": "asc"}, "perPage": 500}
            data = http.request("GET", "/orders", json=body).json()
            if pages == 0:
                assert data["paging"]["total"] == 126_000
            if not data["data"]:
                break
            seen += len(data["data"])
            pages += 1
            last = data["data"][-1]["id"]
        assert (seen, pages) == (126_000, 252)
        window = [
            {"column": "updated_at", "operator": ">=", "value": "2026-11-01 00:00:00"},
            {"column": "id", "operator": ">", "value": 0},
        ]
        first = http.request("GET", "/orders", json={"where": window, "perPage": 500}).json()
        assert 0 < first["paging"]["total"] < 126_000
        timing = sim.stats()["server_ms"]["GET /orders"]
    assert timing["mean"] < 20
    assert psutil.Process().memory_info().rss < 1.5 * 2**30
