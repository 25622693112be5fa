"""Property-based: for any set of orders and any sequence of versions, the facts the SQL rebuild
produces equal the truth written independently in the simulator package, and the dry run's Python
preview (the same sold-ticket rule, ``domain.sold``, applied in Python) agrees with both."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.qtickets_api import Settings
from integrations.qtickets_api.domain import Order, convert, sales_rows
from integrations.qtickets_api.ingest import encode_orders
from integrations.qtickets_api.storage import StagingWriter, Storage, connect, facts, migrations
from qtickets_sim.truth import expected_sales

BASE = datetime(2025, 12, 31, 20, 0, tzinfo=UTC)  # near midnight in Moscow and a month boundary


def iso(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


@st.composite
def order_versions(draw: st.DrawFn, order_id: int) -> list[dict[str, Any]]:
    """One order as it looks at successive moments (each later version strictly newer)."""
    created = BASE + timedelta(minutes=draw(st.integers(0, 60 * 24 * 3)))
    baskets = [
        {"id": order_id * 10 + i, "show_id": draw(st.integers(1, 3)),
         "price": str(draw(st.decimals(0, 5000, places=2))), "quantity": draw(st.integers(1, 4))}
        for i in range(draw(st.integers(0, 4)))
    ]  # fmt: skip
    state: dict[str, Any] = {
        "id": order_id, "event_id": draw(st.integers(1, 2)), "payed": False, "payed_at": None,
        "created_at": iso(created), "updated_at": iso(created), "deleted_at": None, "price": "0", "baskets": baskets,
    }  # fmt: skip
    versions = [_copy(state)]
    clock = created
    for action in draw(st.lists(st.sampled_from(["pay", "cancel", "refund", "drop_basket"]), max_size=4)):
        clock += timedelta(minutes=draw(st.integers(1, 60 * 24 * 40)))
        if action == "pay" and not state["payed"]:
            state["payed"], state["payed_at"] = True, iso(clock)
        elif action == "cancel":
            state["deleted_at"] = iso(clock)
        elif action == "refund" and state["baskets"]:
            state["baskets"][draw(st.integers(0, len(state["baskets"]) - 1))]["refunded_at"] = iso(clock)
        elif action == "drop_basket" and state["baskets"]:
            state["baskets"][draw(st.integers(0, len(state["baskets"]) - 1))]["deleted_at"] = iso(clock)
        state["updated_at"] = iso(clock)
        versions.append(_copy(state))
    return versions


def _copy(order: dict[str, Any]) -> dict[str, Any]:
    return {**order, "baskets": [dict(b) for b in order["baskets"]]}


@pytest.fixture(scope="module")
def storage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Storage]:
    path: Path = tmp_path_factory.mktemp("prop") / "ch"
    s = Settings(api_base_url="http://x", api_token="t", clickhouse_data_dir=path, clickhouse_db="prop")
    with connect(s) as st_:
        migrations.apply(st_, "Europe/Moscow")
        yield st_


def reset(storage: Storage) -> None:
    tables = storage.rows(  # not the views (fact_qtickets_sales_daily is one)
        "SELECT name FROM system.tables WHERE database = {db:String} AND engine != 'View'", {"db": storage.db}
    )
    for (table,) in tables:
        if table != "meta_schema_migrations":
            storage.command(f"TRUNCATE TABLE {storage.db}.{table}")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), n_orders=st.integers(1, 8), tz=st.sampled_from(["Europe/Moscow", "Asia/Novosibirsk"]))
def test_sql_facts_equal_truth_for_any_history(storage: Storage, data: st.DataObject, n_orders: int, tz: str) -> None:
    reset(storage)
    histories = [data.draw(order_versions(i + 1)) for i in range(n_orders)]
    writer = StagingWriter(storage)
    # deliver versions in any interleaving, with repeats (re-run windows), over several "runs"
    deliveries = data.draw(st.permutations([v for h in histories for v in h] + [h[0] for h in histories]))
    runs = data.draw(st.integers(1, 3))
    chunk = max(1, len(deliveries) // runs)
    for start in range(0, len(deliveries), chunk):
        loaded = datetime.now(UTC)
        writer.write_orders(encode_orders(deliveries[start : start + chunk], run_id="p", loaded_at=loaded).lines)
        facts.rebuild_sales(storage, tz)
    latest = [h[-1] for h in histories]
    # the loader keeps the newest version it ever saw of each order
    want = {k: (int(v[0]), Decimal(v[1])) for k, v in expected_sales(latest, tz=tz).items()}
    rows = storage.query(
        f"SELECT sales_date, event_id, show_id, sum(tickets_sold), sum(revenue) FROM {storage.db}.fact_qtickets_sales_daily "
        "GROUP BY sales_date, event_id, show_id"
    ).result_rows
    got = {(r[0], int(r[1]), int(r[2])): (int(r[3]), Decimal(r[4])) for r in rows}
    assert got == want
    preview = sales_rows([convert(order, Order) for order in latest], ZoneInfo(tz))
    assert {(r.sales_date, r.event_id, r.show_id): (r.tickets_sold, r.revenue) for r in preview} == got


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(min_size=1, max_size=40))
def test_api_values_never_become_sql_text(storage: Storage, text: str) -> None:
    """Quotes, backslashes, braces or SQL in any field are stored verbatim (typed inserts and parameters only)."""
    reset(storage)
    hostile = f"'); DROP TABLE {storage.db}.stg_qtickets_api_orders_raw; -- {{db}} \\ {text}"
    item = {
        "id": 1, "event_id": 1, "payed": True, "payed_at": "2026-01-05T10:00:00+03:00",
        "created_at": "2026-01-05T09:00:00+03:00", "updated_at": "2026-01-05T10:00:00+03:00", "currency_id": "RUB",
        "utm": {"source": hostile}, "baskets": [{"id": 1, "show_id": 1, "seat_id": hostile, "price": 10}],
    }  # fmt: skip
    StagingWriter(storage).write_orders(encode_orders([item], run_id=hostile, loaded_at=datetime.now(UTC)).lines)
    facts.rebuild_sales(storage, "Europe/Moscow")
    seat = storage.query(f"SELECT seat_id FROM {storage.db}.stg_qtickets_api_baskets").result_rows
    assert seat == [(hostile,)]
    assert storage.query(f"SELECT sum(tickets_sold) FROM {storage.db}.fact_qtickets_sales_daily").result_rows == [(1,)]
