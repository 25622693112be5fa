"""The full-size account: 126k orders page completely by keyset. (Its speed and memory are figures of
`make bench`, not assertions: a timed test fails on a loaded machine, not on a slow simulator.)"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from qtickets_sim import Simulator


def test_126k_orders(fresh: Callable[..., Simulator]) -> None:
    sim = fresh(orders=126_000, seed=42)
    assert len(sim.events()) == 223  # as many as the real account at this size
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
        assert sim.stats()["requests"]["GET /orders"] == pages + 2
