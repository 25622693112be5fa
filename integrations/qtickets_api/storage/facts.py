"""The dashboard's tables, rebuilt from staging so they always equal the latest state of every order.

Sales: every month touched by a change since the last build (an order version or an event's name or
city) is recomputed from the latest order versions into a stage table and swapped in with
``REPLACE PARTITION`` — atomic per month, so the dashboard never sees duplicates or half a month,
and a run killed mid-way is finished by the next one (the watermark only moves after the swap).

Inventory: the seat snapshots of this run, plus the previous snapshot of any live show whose seats
could not be read this time, replace the whole table at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..domain import sold
from . import schema
from .connection import Storage
from .state import get_state, set_state

log = logging.getLogger("integrations.qtickets_api")

RAW, BASKETS, EVENTS, SHOWS = schema.ORDERS_RAW, schema.BASKETS, schema.EVENTS, schema.SHOWS
FACT, FACT_STAGE = schema.SALES_DAILY, schema.SALES_DAILY_STAGE
INVENTORY, INVENTORY_STAGE, SNAPSHOTS = schema.INVENTORY, schema.INVENTORY_STAGE, schema.INVENTORY_SNAPSHOTS
WATERMARK = "sales_fact_built_upto"
EPOCH = "1970-01-01 00:00:00.000000"


@dataclass(frozen=True)
class SalesBuild:
    months: list[int]
    rows: int


def rebuild_sales(storage: Storage, tz: str) -> SalesBuild:
    db = storage.db
    since = get_state(storage, WATERMARK) or EPOCH
    upto_rows = storage.rows(
        f"SELECT toString(greatest((SELECT max(_loaded_at) FROM {db}.{RAW}), "
        f"(SELECT max(_loaded_at) FROM {db}.{EVENTS})))"
    )
    upto = str(upto_rows[0][0])
    params: dict[str, Any] = {"since": since, "upto": upto, "tz": tz}
    months = sorted(
        int(r[0])
        for r in storage.rows(
            f"""
            SELECT DISTINCT toYYYYMM({sold.sale_date_sql("assumeNotNull(payed_at)", "tz")})
            FROM {db}.{RAW}
            WHERE payed_at IS NOT NULL AND (
                order_id IN (SELECT order_id FROM {db}.{RAW}
                             WHERE _loaded_at > toDateTime64({{since:String}}, 6, 'UTC')
                               AND _loaded_at <= toDateTime64({{upto:String}}, 6, 'UTC'))
                OR event_id IN (SELECT event_id FROM {db}.{EVENTS}
                                WHERE _loaded_at > toDateTime64({{since:String}}, 6, 'UTC')
                                  AND _loaded_at <= toDateTime64({{upto:String}}, 6, 'UTC')))
            """,
            params,
        )
    )
    if not months:
        set_state(storage, WATERMARK, upto, _now())
        return SalesBuild([], 0)

    storage.command(f"TRUNCATE TABLE {db}.{FACT_STAGE}")
    storage.command(
        f"""
        INSERT INTO {db}.{FACT_STAGE}
        SELECT
            {sold.sale_date_sql("o.payed_at", "tz")}  AS sales_date,
            max(o.payed_at)                    AS sale_ts,
            ifNull(e.city_name, '')            AS city,
            o.event_id                         AS event_id,
            ifNull(e.name, '')                 AS event_name,
            b.show_id                          AS show_id,
            any(s.start_date)                  AS show_start,
            sum(b.quantity)                    AS tickets_sold,
            sum(b.price)                       AS revenue,
            uniqExact(o.order_id)              AS orders,
            now64(3)                           AS refreshed_at
        FROM
        (
            SELECT order_id, version, event_id, assumeNotNull(payed_at) AS payed_at
            FROM {db}.{RAW} FINAL
            WHERE {sold.ORDER_SQL}
              AND toYYYYMM({sold.sale_date_sql("assumeNotNull(payed_at)", "tz")}) IN {{months:Array(UInt32)}}
        ) AS o
        INNER JOIN
        (
            SELECT order_id, version, show_id, quantity, price
            FROM {db}.{BASKETS} FINAL
            WHERE {sold.BASKET_SQL}
        ) AS b ON b.order_id = o.order_id AND b.version = o.version
        LEFT JOIN (SELECT event_id, name, city_name FROM {db}.{EVENTS} FINAL) AS e ON e.event_id = o.event_id
        LEFT JOIN (SELECT show_id, start_date FROM {db}.{SHOWS} FINAL) AS s ON s.show_id = b.show_id
        GROUP BY sales_date, city, event_id, event_name, show_id
        SETTINGS join_use_nulls = 1
        """,
        {**params, "months": months},
    )
    filled: dict[int, int] = {
        int(r[0]): int(r[1])
        for r in storage.rows(f"SELECT toYYYYMM(sales_date) AS m, count() FROM {db}.{FACT_STAGE} GROUP BY m")
    }
    for month in months:
        if filled.get(month):
            storage.command(f"ALTER TABLE {db}.{FACT} REPLACE PARTITION {int(month)} FROM {db}.{FACT_STAGE}")
        else:
            storage.command(f"ALTER TABLE {db}.{FACT} DROP PARTITION {int(month)}")
    storage.command(f"TRUNCATE TABLE {db}.{FACT_STAGE}")
    set_state(storage, WATERMARK, upto, _now())
    return SalesBuild(months, int(sum(filled.values())))


def replace_inventory(storage: Storage, rows: list[list[Any]], keep_show_ids: list[int]) -> int:
    """Swap in the new inventory: ``rows`` plus the stored rows of ``keep_show_ids``."""
    db = storage.db
    storage.command(f"TRUNCATE TABLE {db}.{INVENTORY_STAGE}")
    if rows:
        storage.insert(INVENTORY_STAGE.name, rows, INVENTORY_STAGE.columns)
        storage.insert(SNAPSHOTS.name, rows, SNAPSHOTS.columns)
    if keep_show_ids:
        storage.command(
            f"INSERT INTO {db}.{INVENTORY_STAGE} SELECT * FROM {db}.{INVENTORY} WHERE show_id IN {{ids:Array(UInt64)}}",
            {"ids": keep_show_ids},
        )
    count = int(storage.rows(f"SELECT count() FROM {db}.{INVENTORY_STAGE}")[0][0])
    if count:
        storage.command(f"ALTER TABLE {db}.{INVENTORY} REPLACE PARTITION tuple() FROM {db}.{INVENTORY_STAGE}")
    else:
        storage.command(f"TRUNCATE TABLE {db}.{INVENTORY}")
    storage.command(f"TRUNCATE TABLE {db}.{INVENTORY_STAGE}")
    return count


def _now() -> datetime:
    return datetime.now(UTC)
