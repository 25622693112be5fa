"""The dashboard's tables, rebuilt from staging so they always equal the latest state of every order.

Monthly facts (sales detail, refunds by refund date; the seed's ``fact_qtickets_sales_daily`` is a view summing the
detail): every month touched by a change since the last build is recomputed from the latest order versions and
swapped in with ``REPLACE PARTITION`` — atomic per month and table, so the dashboard never sees duplicates or half a
month, and a run killed mid-way is finished by the next one (the watermark only moves after the swap). Every swap
and the watermark's move are fenced by the run lease (``fence``): a run that lost it publishes nothing more, and
what it staged is rebuilt by the next rebuild (:mod:`.repair`). A change is a
new order version, or a change of a dimension the facts carry: an event's name or city, a show's dates, a promo
code's text. The months of a change are the sale and refund months of every stored version of the orders it touches.

Each rebuild writes into a stage table of its own (named for the run), so two rebuilds that ever overlap cannot mix
their rows; stage tables a killed run left behind are dropped by a later one.

Inventory: the seat snapshots of this run, plus the previous snapshot of any live show whose seats could not be read
this time, replace the whole table at once (shows and their zones).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from ..domain import sold
from . import repair, schema
from .connection import Storage
from .lease import Fence
from .schema import Table
from .state import get_state, stamp_state

log = logging.getLogger("integrations.qtickets_api")

RAW, BASKETS, EVENTS, SHOWS, PROMO = schema.ORDERS_RAW, schema.BASKETS, schema.EVENTS, schema.SHOWS, schema.PROMO_CODES
WATERMARK = "sales_fact_built_upto"
EPOCH = "1970-01-01 00:00:00.000000"
STAGE_MARK = "__stage_"
ORPHAN_AGE_S = 6 * 3600  # a stage table older than any run can live was left by a killed one

_CHANGED = "_loaded_at > toDateTime64({since:String}, 6, 'UTC') AND _loaded_at <= toDateTime64({upto:String}, 6, 'UTC')"

# The latest version of every order and basket; {months} restricts orders to the months being rebuilt.
_ORDERS = f"SELECT order_id, version, event_id, assumeNotNull(payed_at) AS payed_at, utm_source, utm_medium, utm_campaign FROM {{db}}.{RAW} FINAL WHERE {sold.ORDER_SQL}"  # noqa: E501
_DIMENSIONS = f"""
    LEFT JOIN (SELECT event_id, name, city_name FROM {{db}}.{EVENTS} FINAL) AS e ON e.event_id = o.event_id
    LEFT JOIN (SELECT show_id, start_date, start_local, timezone FROM {{db}}.{SHOWS} FINAL) AS s ON s.show_id = b.show_id
"""  # noqa: E501
_IN_MONTHS = "IN {months:Array(UInt32)}"
# The readable name of a basket's tariff or zone, from its seat_name in the stored payload: an exhibition's tariff
# ("Детский билет (в будни)") as it is, a numbered seat ("Партер, ряд 21, место 12") without its row and place;
# '' where the API gave none. A fact row keeps a name only when every basket of it agrees (else the code shows),
# so a seat name that still varies by seat ("Место 7") never splits a zone.
_SEAT_ZONE = (
    r"trim(BOTH ' ,;' FROM replaceRegexpOne(JSONExtractString(basket, 'seat_name'), '[,;]?\\s*[Рр]яд\\s*\\d.*$', ''))"
)
ZONE_NAME_SQL = f"if(match({_SEAT_ZONE}, '[А-Яа-яЁёA-Za-z]'), {_SEAT_ZONE}, '')"  # a name has a letter, "3" is not one
_ZONE_NAMES = f"""
    SELECT order_id, JSONExtractUInt(basket, 'id') AS basket_id, {ZONE_NAME_SQL} AS zone_name
    FROM {{db}}.{RAW} FINAL ARRAY JOIN JSONExtractArrayRaw(payload, 'baskets') AS basket
    WHERE {sold.ORDER_SQL}"""


@dataclass(frozen=True)
class MonthlyFact:
    table: Table
    select: str  # the rows of the months {months:Array(UInt32)} in the table's column order; {db} substituted


SALES_DETAIL = MonthlyFact(
    schema.SALES_DETAIL,
    f"""
    SELECT
        {sold.sale_date_sql("o.payed_at", "tz")} AS sales_date, toHour(o.payed_at, {{tz:String}}) AS sale_hour,
        max(o.payed_at), ifNull(e.city_name, '') AS city, o.event_id AS event_id, ifNull(e.name, '') AS event_name,
        b.show_id AS show_id, any(s.start_date), any(s.start_local), ifNull(any(s.timezone), ''), b.zone AS zone,
        if(b.promo_code_id = 0, '', ifNull(p.code, concat('#', toString(b.promo_code_id)))) AS promo_code,
        o.utm_source AS utm_source, o.utm_medium AS utm_medium, o.utm_campaign AS utm_campaign,
        sum(b.quantity), sumIf(b.quantity, b.price = 0), sum(b.price), sum(b.original_price),
        sumIf(b.quantity, b.checked_at IS NOT NULL), uniqExactState(o.order_id), now64(3),
        if(length(groupUniqArray(ifNull(n.zone_name, ''))) = 1, any(ifNull(n.zone_name, '')), '')
    FROM ({_ORDERS} AND toYYYYMM({sold.sale_date_sql("assumeNotNull(payed_at)", "tz")}) {_IN_MONTHS}) AS o
    INNER JOIN (
        SELECT order_id, basket_id, version, show_id, zone, quantity, price, original_price, promo_code_id, checked_at
        FROM {{db}}.{BASKETS} FINAL WHERE {sold.BASKET_SQL}
    ) AS b ON b.order_id = o.order_id AND b.version = o.version
    LEFT JOIN ({_ZONE_NAMES} AND toYYYYMM({sold.sale_date_sql("assumeNotNull(payed_at)", "tz")}) {_IN_MONTHS}) AS n
        ON n.order_id = b.order_id AND n.basket_id = b.basket_id
    {_DIMENSIONS}
    LEFT JOIN (SELECT promo_code_id, code FROM {{db}}.{PROMO} FINAL) AS p ON p.promo_code_id = b.promo_code_id
    GROUP BY sales_date, sale_hour, city, event_id, event_name, show_id, zone, promo_code, utm_source, utm_medium,
             utm_campaign
    SETTINGS join_use_nulls = 1
    """,
)

REFUNDS_DAILY = MonthlyFact(
    schema.REFUNDS_DAILY,
    f"""
    SELECT
        {sold.sale_date_sql("b.refunded_at", "tz")} AS refund_date, ifNull(e.city_name, '') AS city,
        o.event_id AS event_id, ifNull(e.name, '') AS event_name, b.show_id AS show_id, b.zone AS zone,
        sum(b.quantity), sum(b.amount), now64(3), {sold.sale_date_sql("o.payed_at", "tz")} AS sales_date,
        sum(b.price)
    FROM (
        SELECT order_id, version, event_id, assumeNotNull(payed_at) AS payed_at
        FROM {{db}}.{RAW} FINAL WHERE {sold.REFUND_ORDER_SQL}
    ) AS o
    INNER JOIN (
        SELECT order_id, version, show_id, zone, quantity, price, assumeNotNull(refunded_at) AS refunded_at,
               {sold.REFUND_AMOUNT_SQL} AS amount
        FROM {{db}}.{BASKETS} FINAL
        WHERE {sold.REFUND_BASKET_SQL}
          AND toYYYYMM({sold.sale_date_sql("assumeNotNull(refunded_at)", "tz")}) {_IN_MONTHS}
    ) AS b ON b.order_id = o.order_id AND b.version = o.version
    LEFT JOIN (SELECT event_id, name, city_name FROM {{db}}.{EVENTS} FINAL) AS e ON e.event_id = o.event_id
    GROUP BY refund_date, city, event_id, event_name, show_id, zone, sales_date
    SETTINGS join_use_nulls = 1
    """,
)

MONTHLY_FACTS = (SALES_DETAIL, REFUNDS_DAILY)  # fact_qtickets_sales_daily is a view over the detail (0010)

_AFFECTED_ORDERS = f"""
    SELECT order_id FROM {{db}}.{RAW} WHERE {_CHANGED}
    UNION DISTINCT
    SELECT order_id FROM {{db}}.{RAW} WHERE event_id IN (SELECT event_id FROM {{db}}.{EVENTS} WHERE {_CHANGED})
    UNION DISTINCT
    SELECT order_id FROM {{db}}.{BASKETS} WHERE show_id IN (SELECT show_id FROM {{db}}.{SHOWS} WHERE {_CHANGED})
    UNION DISTINCT
    SELECT order_id FROM {{db}}.{BASKETS}
    WHERE promo_code_id IN (SELECT promo_code_id FROM {{db}}.{PROMO} WHERE {_CHANGED})
"""
_MONTHS = f"""
    SELECT DISTINCT m FROM (
        SELECT toYYYYMM({sold.sale_date_sql("assumeNotNull(payed_at)", "tz")}) AS m FROM {{db}}.{RAW}
        WHERE payed_at IS NOT NULL AND order_id IN ({_AFFECTED_ORDERS})
        UNION ALL
        SELECT toYYYYMM({sold.sale_date_sql("assumeNotNull(refunded_at)", "tz")}) AS m FROM {{db}}.{BASKETS}
        WHERE refunded_at IS NOT NULL AND order_id IN ({_AFFECTED_ORDERS})
    )
"""


@dataclass(frozen=True)
class SalesBuild:
    months: list[int]
    rows: int  # rows of the sales detail in the months rebuilt
    rows_by_table: dict[str, int]


def rebuild_sales(
    storage: Storage, tz: str, facts: Sequence[MonthlyFact] = MONTHLY_FACTS, *, fence: Fence | None = None
) -> SalesBuild:
    """Rebuild the months changed since the watermark (or since a lost run's stamp, :mod:`.repair`), then move
    the watermark. ``fence`` (the run lease's check) is called before every swap and before the watermark moves."""
    db = storage.db
    check = fence or _unfenced
    since = get_state(storage, WATERMARK) or EPOCH
    repairs = repair.pending(storage)
    since = min([since, *repairs.values()])
    newest = ", ".join(f"(SELECT max(_loaded_at) FROM {db}.{table})" for table in (RAW, EVENTS, SHOWS, PROMO))
    upto = str(storage.rows(f"SELECT toString(greatest({newest}))")[0][0])
    params: dict[str, Any] = {"since": since, "upto": upto, "tz": tz}
    months = sorted(int(r[0]) for r in storage.rows(_MONTHS.replace("{db}", db), params))
    by_table: dict[str, int] = {}
    if months:
        _drop_orphan_stages(storage)
        for fact in facts:
            by_table[fact.table.name] = _rebuild(storage, fact, months, {**params, "months": months}, check)
    check()
    stamp_state(storage, WATERMARK, upto)
    repair.settle(storage, repairs)
    return SalesBuild(months, by_table.get(schema.SALES_DETAIL.name, 0), by_table)


def _rebuild(storage: Storage, fact: MonthlyFact, months: list[int], params: dict[str, Any], fence: Fence) -> int:
    db = storage.db
    with _stage_of(storage, fact.table) as stage:
        columns = ", ".join(fact.table.columns)
        storage.command(f"INSERT INTO {db}.{stage} ({columns}) {fact.select.replace('{db}', db)}", params)
        key = fact.table.columns[0]  # the fact's date column: its month is the partition
        filled = {
            int(r[0]): int(r[1])
            for r in storage.rows(f"SELECT toYYYYMM({key}) AS m, count() FROM {db}.{stage} GROUP BY m")
        }
        # one ALTER for every month (its commands apply one after another, each month swapped whole): a 15-minute
        # run that touches a dozen months pays for one statement per table, not one per month
        swaps = [
            f"REPLACE PARTITION {int(month)} FROM {db}.{stage}" if filled.get(month) else f"DROP PARTITION {int(month)}"
            for month in months
        ]
        fence()
        storage.command(f"ALTER TABLE {db}.{fact.table} {', '.join(swaps)}")
    return sum(filled.values())


@contextmanager
def _stage_of(storage: Storage, table: Table) -> Iterator[str]:
    """A fresh, empty copy of ``table`` that only this caller writes, dropped on every way out."""
    stage = f"{table}{STAGE_MARK}{uuid.uuid4().hex[:12]}"
    storage.command(f"CREATE TABLE {storage.db}.{stage} AS {storage.db}.{table}")
    try:
        yield stage
    finally:
        try:
            storage.command(f"DROP TABLE IF EXISTS {storage.db}.{stage} SYNC")
        except Exception as exc:  # the error already propagating wins; a later run drops it as an orphan
            log.warning("Could not drop the stage table %s: %s", stage, exc)


_STAGE_NAME = re.compile(r"^[a-z_]+__stage_[0-9a-f]{12}$")


def _drop_orphan_stages(storage: Storage) -> None:
    rows = storage.rows(
        "SELECT name FROM system.tables WHERE database = {db:String} AND name LIKE '%stage%' "
        "AND metadata_modification_time < now() - toIntervalSecond({age:UInt32})",
        {"db": storage.db, "age": ORPHAN_AGE_S},
    )
    for (name,) in rows:
        if _STAGE_NAME.match(str(name)):
            log.info("Dropping the stage table %s left by an earlier run that was stopped", name)
            storage.command(f"DROP TABLE IF EXISTS {storage.db}.{name} SYNC")


@dataclass(frozen=True)
class ShowSnapshot:
    """One live show's seats this run: the show row, and a row per zone (``schema.INVENTORY_ZONES``)."""

    row: list[Any]
    zones: list[list[Any]]


def replace_inventory(
    storage: Storage, shows: list[ShowSnapshot], keep_show_ids: list[int], *, fence: Fence | None = None
) -> int:
    """Swap in the new inventory: ``shows`` plus the stored rows of ``keep_show_ids``; returns the show rows.
    Both tables are staged first, then ``fence`` (the run lease's check) is called once before anything is
    published: the snapshot history and the two swaps."""
    db = storage.db
    check = fence or _unfenced
    rows = [s.row for s in shows]
    zones = [z for s in shows for z in s.zones]
    with ExitStack() as stages:
        staged: list[tuple[Table, str, int]] = []
        for table, new in ((schema.INVENTORY, rows), (schema.INVENTORY_ZONES, zones)):
            stage = stages.enter_context(_stage_of(storage, table))
            if new:
                storage.insert(stage, new, table.columns)
            n = len(new)
            if keep_show_ids:
                storage.command(
                    f"INSERT INTO {db}.{stage} SELECT * FROM {db}.{table} WHERE show_id IN {{ids:Array(UInt64)}}",
                    {"ids": keep_show_ids},
                )
                n = int(storage.rows(f"SELECT count() FROM {db}.{stage}")[0][0])
            staged.append((table, stage, n))
        check()
        if rows:
            storage.insert(schema.INVENTORY_SNAPSHOTS.name, rows, schema.INVENTORY_SNAPSHOTS.columns)
        for table, stage, n in staged:
            if n:
                storage.command(f"ALTER TABLE {db}.{table} REPLACE PARTITION tuple() FROM {db}.{stage}")
            else:
                storage.command(f"TRUNCATE TABLE {db}.{table}")
    return staged[0][2]


def _unfenced() -> None:
    """A caller that holds no lease (a test, the bench): nothing to check."""
