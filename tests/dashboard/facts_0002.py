"""Migration 0002's facts, built from staging for the dashboard's tests until the loader builds them itself.

The loader (the lead's lane) will fill ``fact_qtickets_sales_detail``, ``fact_qtickets_refunds_daily`` and
``fact_qtickets_inventory_zones``; until its migration lands on main, this module creates those tables from the
contract's column list and fills them from what the real loader staged, by the contract's rules. When the loader
has created them already, ``ensure_0002_facts`` does nothing. The truth the tests compare with never comes from
here: it is computed in Python from the simulator's own orders.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from integrations.qtickets_api import Storage

DDL = Path(__file__).with_name("contract_0002.sql")

SALES_DETAIL = """
INSERT INTO {db}.fact_qtickets_sales_detail
SELECT
    toDate(o.payed_at, 'Europe/Moscow')                       AS sales_date,
    toHour(toTimeZone(o.payed_at, 'Europe/Moscow'))           AS sale_hour,
    e.city_name                                               AS city,
    o.event_id                                                AS event_id,
    e.name                                                    AS event_name,
    b.show_id                                                 AS show_id,
    any(toTimeZone(s.start_date, 'Europe/Moscow'))            AS show_start,
    any(sl.start_local)                                       AS show_start_local,
    any(sl.timezone)                                          AS show_timezone,
    b.zone                                                    AS zone,
    ifNull(pc.code, '')                                       AS promo_code,
    o.utm_source, o.utm_medium, o.utm_campaign,
    sum(b.quantity)                                           AS tickets,
    sumIf(b.quantity, b.price = 0)                            AS free_tickets,
    sum(b.price)                                              AS revenue,
    sum(b.original_price)                                     AS original_revenue,
    sumIf(b.quantity, c.checked)                              AS tickets_scanned,
    uniqExactState(o.order_id)                                AS orders_state
FROM
(
    SELECT order_id, version, event_id, assumeNotNull(payed_at) AS payed_at,
           JSONExtractUInt(payload, 'promo_code_id') AS promo_code_id,
           JSONExtractString(payload, 'utm', 'utm_source') AS utm_source,
           JSONExtractString(payload, 'utm', 'utm_medium') AS utm_medium,
           JSONExtractString(payload, 'utm', 'utm_campaign') AS utm_campaign
    FROM {db}.stg_qtickets_api_orders_raw FINAL
    WHERE payed = 1 AND deleted_at IS NULL AND payed_at IS NOT NULL
) AS o
INNER JOIN
(
    SELECT order_id, basket_id, version, show_id, zone, price, original_price, quantity
    FROM {db}.stg_qtickets_api_baskets FINAL
    WHERE basket_deleted = 0 AND refunded = 0
) AS b ON b.order_id = o.order_id AND b.version = o.version
LEFT JOIN
(
    SELECT order_id, tupleElement(x, 1) AS basket_id, isNotNull(tupleElement(x, 2)) AS checked
    FROM {db}.stg_qtickets_api_orders_raw FINAL
    ARRAY JOIN JSONExtract(payload, 'baskets', 'Array(Tuple(id UInt64, checked_at Nullable(String)))') AS x
) AS c ON c.order_id = b.order_id AND c.basket_id = b.basket_id
LEFT JOIN (SELECT event_id, name, city_name FROM {db}.dim_qtickets_api_events FINAL) AS e ON e.event_id = o.event_id
LEFT JOIN (SELECT show_id, start_date FROM {db}.dim_qtickets_api_shows FINAL) AS s ON s.show_id = b.show_id
LEFT JOIN {db}.fixture_show_local AS sl ON sl.show_id = b.show_id
LEFT JOIN {db}.fixture_promo_codes AS pc ON pc.id = o.promo_code_id
GROUP BY sales_date, sale_hour, city, event_id, event_name, show_id, zone, promo_code,
         o.utm_source, o.utm_medium, o.utm_campaign
"""

SHOWS_LOCAL = """
INSERT INTO {db}.dim_qtickets_api_shows
    (show_id, event_id, start_date, finish_date, is_active, deleted_at, row_hash, version, _loaded_at, start_local,
     timezone)
SELECT s.show_id, s.event_id, s.start_date, s.finish_date, s.is_active, s.deleted_at, s.row_hash, s.version + 1,
       s._loaded_at, sl.start_local, sl.timezone
FROM {db}.dim_qtickets_api_shows AS s FINAL
INNER JOIN {db}.fixture_show_local AS sl ON sl.show_id = s.show_id
"""

REFUNDS = """
INSERT INTO {db}.fact_qtickets_refunds_daily
SELECT
    toDate(parseDateTime64BestEffort(r.refunded_at, 3), 'Europe/Moscow') AS refund_date,
    e.city_name, o.event_id, e.name, b.show_id, b.zone,
    sum(b.quantity) AS refunds, sum(b.refunded_amount) AS refund_amount
FROM (SELECT order_id, version, event_id, payload FROM {db}.stg_qtickets_api_orders_raw FINAL
      WHERE payed = 1 AND payed_at IS NOT NULL) AS o
INNER JOIN (SELECT order_id, basket_id, version, show_id, zone, quantity, refunded_amount
            FROM {db}.stg_qtickets_api_baskets FINAL WHERE refunded = 1 AND basket_deleted = 0) AS b
    ON b.order_id = o.order_id AND b.version = o.version
INNER JOIN
(
    SELECT order_id, tupleElement(x, 1) AS basket_id, assumeNotNull(tupleElement(x, 2)) AS refunded_at
    FROM {db}.stg_qtickets_api_orders_raw FINAL
    ARRAY JOIN JSONExtract(payload, 'baskets', 'Array(Tuple(id UInt64, refunded_at Nullable(String)))') AS x
    WHERE tupleElement(x, 2) IS NOT NULL
) AS r ON r.order_id = b.order_id AND r.basket_id = b.basket_id
LEFT JOIN (SELECT event_id, name, city_name FROM {db}.dim_qtickets_api_events FINAL) AS e ON e.event_id = o.event_id
GROUP BY refund_date, e.city_name, o.event_id, e.name, b.show_id, b.zone
"""


def ensure_0002_facts(storage: Storage, sim: Any, *, unknown_capacity_show: int | None = None) -> bool:
    """Create and fill the 0002 facts unless the loader did; returns True when this module built them."""
    db = storage.db
    exists = storage.rows(
        "SELECT count() FROM system.tables WHERE database = {db:String} AND name = 'fact_qtickets_sales_detail'",
        {"db": db},
    )[0][0]
    if exists:
        return False
    for statement in DDL.read_text(encoding="utf-8").replace("{db}", db).split(";"):
        lines = [line for line in statement.splitlines() if not line.strip().startswith("--")]
        if "".join(lines).strip():
            storage.command("\n".join(lines))
    storage.command(
        f"CREATE TABLE {db}.fixture_show_local (show_id UInt64, start_local DateTime64(3, 'UTC'), timezone String) "
        "ENGINE = Memory"
    )
    storage.insert("fixture_show_local", show_local_rows(sim), ["show_id", "start_local", "timezone"])
    storage.command(f"CREATE TABLE {db}.fixture_promo_codes (id UInt64, code String) ENGINE = Memory")
    codes = promo_codes(sim)
    storage.insert("fixture_promo_codes", [[k, v] for k, v in codes.items()], ["id", "code"])
    storage.command(SALES_DETAIL.replace("{db}", db))
    storage.command(SHOWS_LOCAL.replace("{db}", db))
    storage.command(REFUNDS.replace("{db}", db))
    zones = []
    for show_id in [int(r[0]) for r in storage.rows(f"SELECT show_id FROM {db}.fact_qtickets_inventory_latest")]:
        zones += zone_rows(show_id, sim.seats(show_id))
    if zones:
        storage.insert(
            "fact_qtickets_inventory_zones", zones, ["show_id", "zone", "capacity", "left", "sold", "reserved"]
        )
    if unknown_capacity_show is not None:
        # an exhibition sold by tariff: QTickets gives no max_quantity, so capacity is unknown
        for table in (
            "fact_qtickets_inventory_latest",
            "stg_qtickets_api_inventory_snapshots",
            "fact_qtickets_inventory_zones",
        ):
            cols = (
                "tickets_total = NULL, tickets_left = NULL, capacity_known = 0"
                if "zones" not in table
                else ("capacity = NULL, left = NULL")
            )
            storage.command(
                f"ALTER TABLE {db}.{table} UPDATE {cols} WHERE show_id = {{id:UInt64}} SETTINGS mutations_sync = 2",
                {"id": unknown_capacity_show},
            )
    storage.command(f"DROP TABLE {db}.fixture_show_local")
    storage.command(f"DROP TABLE {db}.fixture_promo_codes")
    return True


def show_local_rows(sim: Any) -> list[list[Any]]:
    """The venue's wall-clock start of every show (the API writes it with the venue's offset), as naive UTC."""
    rows = []
    for event in sim.events():
        for show in event["shows"]:
            local = datetime.fromisoformat(show["start_date"]).replace(tzinfo=UTC)
            rows.append([show["id"], local, event["city"]["timezone"]])
    return rows


def promo_codes(sim: Any) -> dict[int, str]:
    reply = httpx.request(
        "GET",
        f"{sim.base_url}/promo-codes",
        headers={"Authorization": f"Bearer {sim.config.token}"},
        json={"perPage": 500},
    )
    reply.raise_for_status()
    return {int(p["id"]): str(p["code"]) for p in reply.json()["data"]}


def zone_rows(show_id: int, seats: dict[str, Any]) -> list[list[Any]]:
    seen: set[str] = set()
    zones: dict[str, list[int]] = {}
    for seat in seats.values():
        if seat["root_id"] in seen or seat.get("disabled"):
            continue
        seen.add(seat["root_id"])
        acc = zones.setdefault(seat["zone_root_id"], [0, 0, 0, 0])
        acc[0] += int(seat["max_quantity"])
        acc[1] += int(seat["free_quantity"])
        acc[2] += int(seat["payed_quantity"])
        acc[3] += int(seat["ordered_quantity"])
    return [[show_id, zone, *values] for zone, values in sorted(zones.items())]


__all__ = ["ensure_0002_facts", "promo_codes", "show_local_rows", "zone_rows"]
