"""A warehouse built before migrations 0008 and 0009 gets the refunds' sale day and the zones' names: the migrations
move the fact watermark back, and the next rebuild recomputes every month from staging (names from the stored
payloads' seat_name)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec

from integrations.qtickets_api.ingest import transform_orders
from integrations.qtickets_api.storage import Target, connect, facts, get_state, migrations, schema, set_state


def _order(order_id: int, seat_id: str, seat_name: str, refunded_at: str | None) -> dict[str, Any]:
    return {
        "id": order_id, "event_id": 5, "payed": True, "payed_at": "2026-01-05T10:00:00+03:00",
        "created_at": "2026-01-05T09:59:00+03:00", "updated_at": "2026-02-10T12:00:00+03:00", "deleted_at": None,
        "price": 390, "currency_id": "RUB", "client_id": 42, "utm": [],
        "baskets": [
            {"id": order_id * 10, "show_id": 3, "seat_id": seat_id, "seat_name": seat_name, "price": 390,
             "original_price": 390, "quantity": 1, "deleted_at": None, "refunded_at": refunded_at,
             "refunded_amount": 351 if refunded_at else None},
            {"id": order_id * 10 + 1, "show_id": 3, "seat_id": seat_id, "seat_name": seat_name, "price": 390,
             "original_price": 390, "quantity": 1, "deleted_at": None, "refunded_at": None, "refunded_amount": None},
        ],
    }  # fmt: skip


def test_an_old_warehouse_is_rebuilt_with_sale_days_and_names(tmp_path: Path) -> None:
    with connect(Target(db="zakaz", data_dir=tmp_path / "ch")) as storage:
        storage.command("CREATE DATABASE IF NOT EXISTS zakaz")
        storage.command(
            "CREATE TABLE zakaz.meta_schema_migrations (version UInt32, name String, checksum String, "
            "applied_at DateTime64(3, 'UTC')) ENGINE = MergeTree ORDER BY version"
        )
        for migration in migrations.available():
            if migration.version >= 8:
                continue
            for statement in migration.statements("zakaz", "Europe/Moscow"):
                storage.command(statement)
            storage.command(f"INSERT INTO zakaz.meta_schema_migrations VALUES ({migration.version}, 'x', '', now())")
        loaded = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)
        batch = transform_orders(
            [
                _order(1, "PARTERRE-3;7", "Партер, ряд 3, место 7", "2026-02-10T12:00:00+03:00"),
                _order(2, "detskij-bilet-v-budni-1;1", "Детский билет (в будни)", None),
            ],
            run_id="r",
            loaded_at=loaded,
        )
        raw = [[bytes(v).decode() if isinstance(v, msgspec.Raw) else v for v in row] for row in batch.raw_rows]
        storage.insert(schema.ORDERS_RAW.name, raw, schema.ORDERS_RAW.columns)
        storage.insert(schema.BASKETS.name, batch.basket_rows, schema.BASKETS.columns)
        # as the earlier loader left it: the facts built up to now (here: nothing new to build)
        set_state(storage, facts.WATERMARK, "2100-01-01 00:00:00.000000", loaded)

        migrations.apply(storage, "Europe/Moscow")
        assert get_state(storage, facts.WATERMARK) == facts.EPOCH
        facts.rebuild_sales(storage, "Europe/Moscow")

        refunds = storage.rows(
            "SELECT refund_date, sales_date, refunds, refund_amount, refunded_revenue FROM zakaz.fact_qtickets_refunds_daily"
        )
        assert refunds == [(date(2026, 2, 10), date(2026, 1, 5), 1, Decimal(351), Decimal(390))]
        zones = storage.rows(
            "SELECT zone, zone_name, sum(tickets) FROM zakaz.fact_qtickets_sales_detail GROUP BY zone, zone_name "
            "ORDER BY zone"
        )
        assert zones == [("PARTERRE", "Партер", 1), ("detskij-bilet-v-budni", "Детский билет (в будни)", 2)]


def test_a_seat_name_that_varies_by_seat_leaves_the_code(tmp_path: Path) -> None:
    orders = [
        _order(3, "BALCONY-1;7", "Место 7", None),
        _order(4, "BALCONY-1;8", "Место 8", None),
        _order(5, "LODGE-2;1", "3 ряд 1 место", None),
    ]
    with connect(Target(db="zakaz", data_dir=tmp_path / "ch")) as storage:
        migrations.apply(storage, "Europe/Moscow")
        batch = transform_orders(orders, run_id="r", loaded_at=datetime(2026, 2, 10, 9, 0, tzinfo=UTC))
        raw = [[bytes(v).decode() if isinstance(v, msgspec.Raw) else v for v in row] for row in batch.raw_rows]
        storage.insert(schema.ORDERS_RAW.name, raw, schema.ORDERS_RAW.columns)
        storage.insert(schema.BASKETS.name, batch.basket_rows, schema.BASKETS.columns)
        facts.rebuild_sales(storage, "Europe/Moscow")
        names = storage.rows(
            "SELECT zone, groupUniqArray(zone_name) FROM zakaz.fact_qtickets_sales_detail GROUP BY zone ORDER BY zone"
        )
    # BALCONY: the baskets disagree (one name per seat), LODGE: what is left of the seat name has no letter
    assert names == [("BALCONY", [""]), ("LODGE", [""])]
