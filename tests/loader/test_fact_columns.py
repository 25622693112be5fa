"""Every column of every fact table equals the truth computed independently from the simulator's orders
(``tests/support/fact_truth.py``), after a backfill and after live activity and incremental runs."""

from __future__ import annotations

from datetime import UTC, timedelta
from decimal import Decimal
from typing import Any

import httpx

from integrations.qtickets_api import Settings
from tests.conftest import query
from tests.loader.test_end_to_end import backfill, incremental
from tests.support import fact_truth


def ms(value: Any) -> int | None:
    """A timestamp as epoch milliseconds, whatever zone the driver attached (naive = UTC)."""
    if value is None:
        return None
    moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def promo_codes(sim: Any, token: str) -> dict[int, str]:
    answer = httpx.request(
        "GET", f"{sim.base_url}/promo-codes", json={"perPage": 1000}, headers={"Authorization": f"Bearer {token}"}
    )
    return {item["id"]: item["code"] for item in answer.json()["data"]}


def stored_daily(settings: Settings) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    rows = query(
        settings,
        "SELECT sales_date, city, event_id, event_name, show_id, sale_ts, show_start, show_start_local, "
        "show_timezone, tickets_sold, revenue, orders FROM zakaz.fact_qtickets_sales_daily",
    )
    out = {}
    for r in rows:
        key = (r[0], r[1], int(r[2]), r[3], int(r[4]))
        assert key not in out, f"a key twice in the daily facts: {key}"
        out[key] = (ms(r[5]), ms(r[6]), ms(r[7]), r[8], int(r[9]), Decimal(r[10]), int(r[11]))
    return out


def stored_detail(settings: Settings) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    rows = query(
        settings,
        "SELECT sales_date, sale_hour, city, event_id, show_id, zone, promo_code, utm_source, utm_medium, "
        "utm_campaign, sum(tickets), sum(free_tickets), sum(revenue), sum(original_revenue), sum(tickets_scanned), "
        "uniqExactMerge(orders_state) FROM zakaz.fact_qtickets_sales_detail "
        "GROUP BY sales_date, sale_hour, city, event_id, show_id, zone, promo_code, utm_source, utm_medium, "
        "utm_campaign",
    )
    return {
        (r[0], int(r[1]), r[2], int(r[3]), int(r[4]), r[5], r[6], r[7], r[8], r[9]): (
            int(r[10]), int(r[11]), Decimal(r[12]), Decimal(r[13]), int(r[14]), int(r[15]),
        )
        for r in rows
    }  # fmt: skip


def stored_refunds(settings: Settings) -> dict[tuple[Any, ...], tuple[int, Decimal]]:
    rows = query(
        settings,
        "SELECT refund_date, city, event_id, show_id, zone, sum(refunds), sum(refund_amount) "
        "FROM zakaz.fact_qtickets_refunds_daily GROUP BY refund_date, city, event_id, show_id, zone",
    )
    return {(r[0], r[1], int(r[2]), int(r[3]), r[4]): (int(r[5]), Decimal(r[6])) for r in rows}


def want_daily(sim: Any) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    dims = fact_truth.Dimensions(sim.events())
    truth = fact_truth.sales_daily(fact_truth.well_formed(sim), dims)
    return {k: (ms(v[0]), ms(v[1]), ms(v[2]), v[3], v[4], v[5], v[6]) for k, v in truth.items()}


def assert_equal(got: dict[Any, Any], want: dict[Any, Any], what: str) -> None:
    wrong = {k: (got.get(k), v) for k, v in want.items() if got.get(k) != v}
    extra = {k: v for k, v in got.items() if k not in want}
    assert want, f"no {what} in the truth: the test proves nothing"
    assert not wrong and not extra, f"{what} differ: wrong {list(wrong.items())[:3]}, extra {list(extra.items())[:3]}"


def assert_all_facts_equal_truth(settings: Settings, sim: Any, token: str) -> None:
    dims = fact_truth.Dimensions(sim.events())
    orders = fact_truth.well_formed(sim)
    assert_equal(stored_daily(settings), want_daily(sim), "daily sales")
    detail = fact_truth.sales_detail(orders, dims, promo_codes(sim, token))
    assert any(k[6] for k in detail) and any(k[7] for k in detail), "no promo code or UTM tag: proves too little"
    assert_equal(stored_detail(settings), detail, "details")
    assert_equal(stored_refunds(settings), fact_truth.refunds_daily(orders, dims), "refunds")


def test_every_fact_column_equals_the_truth_after_backfill_and_activity(
    settings: Settings, sim: Any, token: str
) -> None:
    backfill(settings, sim)
    assert_all_facts_equal_truth(settings, sim, token)
    for _ in range(4):
        sim.advance(timedelta(hours=6))
        incremental(settings, sim)
    sim.refund_old_paid_order(min_age=timedelta(days=40))
    sim.advance(timedelta(minutes=15))
    incremental(settings, sim)
    assert_all_facts_equal_truth(settings, sim, token)


def test_the_detail_adds_up_to_the_daily_facts(settings: Settings, sim: Any) -> None:
    backfill(settings, sim)
    daily = query(
        settings,
        "SELECT sales_date, event_id, show_id, sum(tickets_sold), sum(revenue), sum(orders) "
        "FROM zakaz.fact_qtickets_sales_daily GROUP BY sales_date, event_id, show_id ORDER BY 1, 2, 3",
    )
    detail = query(
        settings,
        "SELECT sales_date, event_id, show_id, sum(tickets), sum(revenue), uniqExactMerge(orders_state) "
        "FROM zakaz.fact_qtickets_sales_detail GROUP BY sales_date, event_id, show_id ORDER BY 1, 2, 3",
    )
    assert daily and daily == detail
