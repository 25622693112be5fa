"""What a 15-minute run's fact rebuild costs, fact by fact, and what making the daily fact a view saved.

An account of the real size is backfilled into a fresh embedded data directory; then the current month (what a
15-minute run rebuilds) is rebuilt ``--rounds`` times per way, the two ways interleaved so that the machine's load
falls on both alike:

- **before**: the detail, the refunds and ``fact_qtickets_sales_daily`` joined from staging, as every run rebuilt
  it until 2026-12-06 (its SQL is kept here, ``JOINED_DAILY``, into a table of the bench's own);
- **after**: the detail and the refunds; ``fact_qtickets_sales_daily`` is a view summing the detail (migration
  0010), timed here as the seed's check reads it.

The view must give the joined table's rows (checked here); the figures are medians in milliseconds.
"""

from __future__ import annotations

import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_cli import parse
from dashboard import prepare, write_env
from simproc import SimProcess

from integrations.qtickets_api import connect, load_settings
from integrations.qtickets_api.domain import sold
from integrations.qtickets_api.storage import facts, schema

RAW, BASKETS, EVENTS, SHOWS = schema.ORDERS_RAW, schema.BASKETS, schema.EVENTS, schema.SHOWS
_ORDERS = (
    f"SELECT order_id, version, event_id, assumeNotNull(payed_at) AS payed_at FROM {{db}}.{RAW} FINAL "
    f"WHERE {sold.ORDER_SQL}"
)
JOINED = schema.Table("bench_sales_daily_joined", schema.SALES_DAILY.columns)
JOINED_DAILY = facts.MonthlyFact(  # the daily fact as it was built before: a table joined over staging of its own
    JOINED,
    f"""
    SELECT
        {sold.sale_date_sql("o.payed_at", "tz")} AS sales_date,
        max(o.payed_at), ifNull(e.city_name, '') AS city, o.event_id AS event_id, ifNull(e.name, '') AS event_name,
        b.show_id AS show_id, any(s.start_date), any(s.start_local), ifNull(any(s.timezone), ''),
        sum(b.quantity), sum(b.price), uniqExact(o.order_id), now64(3)
    FROM ({_ORDERS} AND toYYYYMM({sold.sale_date_sql("assumeNotNull(payed_at)", "tz")}) IN {{months:Array(UInt32)}})
        AS o
    INNER JOIN (SELECT order_id, version, show_id, quantity, price FROM {{db}}.{BASKETS} FINAL WHERE {sold.BASKET_SQL})
        AS b ON b.order_id = o.order_id AND b.version = o.version
    LEFT JOIN (SELECT event_id, name, city_name FROM {{db}}.{EVENTS} FINAL) AS e ON e.event_id = o.event_id
    LEFT JOIN (SELECT show_id, start_date, start_local, timezone FROM {{db}}.{SHOWS} FINAL) AS s
        ON s.show_id = b.show_id
    GROUP BY sales_date, city, event_id, event_name, show_id
    SETTINGS join_use_nulls = 1
    """,
)
DAILY_KEY = "sales_date, city, event_id, show_id, tickets_sold, revenue, orders, sale_ts"


def timed(storage: Any, fact: facts.MonthlyFact, params: dict[str, Any]) -> float:
    started = time.perf_counter()
    facts._rebuild(storage, fact, params["months"], params)  # the step itself is what is timed
    return (time.perf_counter() - started) * 1000


def measure(envfile: Path, rounds: int) -> dict[str, Any]:
    settings = load_settings(envfile)
    with connect(settings) as storage:
        db = storage.db
        month = int(storage.rows(f"SELECT toYYYYMM(max(sales_date)) FROM {db}.{schema.SALES_DETAIL}")[0][0])
        params = {"months": [month], "tz": settings.tz}
        storage.command(  # the table the daily fact was, to rebuild as before
            f"CREATE TABLE {db}.{JOINED} ENGINE = MergeTree PARTITION BY toYYYYMM(sales_date) "
            f"ORDER BY (sales_date, city, event_id, show_id) AS SELECT * FROM {db}.{schema.SALES_DAILY} LIMIT 0"
        )
        samples: dict[str, list[float]] = {"detail": [], "refunds": [], "daily_joined": [], "daily_view_read": []}
        for _ in range(rounds):
            samples["detail"].append(timed(storage, facts.SALES_DETAIL, params))
            samples["refunds"].append(timed(storage, facts.REFUNDS_DAILY, params))
            samples["daily_joined"].append(timed(storage, JOINED_DAILY, params))
            started = time.perf_counter()
            storage.rows(f"SELECT count(), max(sale_ts) FROM {db}.{schema.SALES_DAILY}")  # the seed's check
            samples["daily_view_read"].append((time.perf_counter() - started) * 1000)
        where = "WHERE toYYYYMM(sales_date) = {m:UInt32}"
        view, table = (
            storage.rows(f"SELECT {DAILY_KEY} FROM {db}.{name} {where} ORDER BY {DAILY_KEY}", {"m": month})
            for name in (schema.SALES_DAILY.name, JOINED.name)
        )
        if view != table or not view:
            raise SystemExit("the view and the joined table differ (or are empty): the bench proves nothing")
    med = {name: round(statistics.median(values), 1) for name, values in samples.items()}
    before = med["detail"] + med["daily_joined"] + med["refunds"]
    after = med["detail"] + med["refunds"]
    return {"month": month, "rounds": rounds, "median_ms": med, "before_ms": round(before, 1),
            "after_ms": round(after, 1), "saved_share": round(1 - after / before, 3)}  # fmt: skip


def main() -> None:
    args = parse(
        "python bench/facts_rebuild.py",
        [
            click.Option(["--orders"], type=int, default=126_000, show_default=True),
            click.Option(["--rounds"], type=click.IntRange(3, 200), default=15, show_default=True),
        ],
        help=__doc__,
    )
    with tempfile.TemporaryDirectory(prefix="zakaz-facts-bench-") as tmp_dir:
        tmp = Path(tmp_dir)
        token = secrets.token_urlsafe(16)
        now = datetime.now(UTC).replace(microsecond=0).isoformat()
        sim = SimProcess(orders=args.orders, now=now, token=token, log_path=tmp / "sim.log")
        try:
            envfile = write_env(tmp / "bench.env", sim, token, tmp / "clickhouse")
            loaded = prepare(envfile)
            result = measure(envfile, args.rounds)
        finally:
            sim.stop()
    med = result["median_ms"]
    print(f"fact rebuild of the current month ({result['month']}) at {args.orders} orders "
          f"({loaded['sales_detail_rows']} detail rows), medians of {args.rounds} interleaved rounds:")  # fmt: skip
    print(f"  detail {med['detail']} ms, refunds {med['refunds']} ms")
    print(f"  the daily fact joined from staging, as every run rebuilt it before: {med['daily_joined']} ms; "
          f"now a view, its seed check reads in {med['daily_view_read']} ms")  # fmt: skip
    print(f"  the whole rebuild: {result['before_ms']} ms -> {result['after_ms']} ms "
          f"({result['saved_share']:.0%} less); the view's rows equal the joined table's")  # fmt: skip


if __name__ == "__main__":
    main()
