"""Test data the simulator does not make yet, put into what the real loader built.

The simulator has no exhibition sold by tariff (QTickets gives no ``max_quantity`` there, so capacity is unknown);
``mark_capacity_unknown`` turns one live show into one, as the loader would have stored it. ``promo_codes`` reads
the simulator's promo codes the way the truth needs them.
"""

from __future__ import annotations

from typing import Any

import httpx

from integrations.qtickets_api import Storage


def mark_capacity_unknown(storage: Storage, show_id: int) -> None:
    updates = {
        "fact_qtickets_inventory_latest": "tickets_total = NULL, tickets_left = NULL, capacity_known = 0",
        "stg_qtickets_api_inventory_snapshots": "tickets_total = NULL, tickets_left = NULL, capacity_known = 0",
        "fact_qtickets_inventory_zones": "capacity = NULL, tickets_left = NULL",
    }
    for table, columns in updates.items():
        storage.command(
            f"ALTER TABLE {storage.db}.{table} UPDATE {columns} WHERE show_id = {{id:UInt64}} "
            "SETTINGS mutations_sync = 2",
            {"id": show_id},
        )


def promo_codes(sim: Any) -> dict[int, str]:
    reply = httpx.request(
        "GET",
        f"{sim.base_url}/promo-codes",
        headers={"Authorization": f"Bearer {sim.config.token}"},
        json={"perPage": 500},
    )
    reply.raise_for_status()
    return {int(p["id"]): str(p["code"]) for p in reply.json()["data"]}


__all__ = ["mark_capacity_unknown", "promo_codes"]
