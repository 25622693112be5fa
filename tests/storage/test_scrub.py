"""Stored payloads keep an allowlist of members: credentials, payment data and a company buyer's details that
real orders carry never reach the warehouse, and a migration scrubs what earlier versions stored."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from integrations.qtickets_api.domain import BASKET_KEEP, ORDER_KEEP, UTM_KEEP, allowlisted_order
from integrations.qtickets_api.ingest import transform_orders
from integrations.qtickets_api.storage import Target, connect, migrations

SECRETS = {
    "cancel_url": "https://qtickets.example/cancel/9f8e7d6c5b4a",
    "payment_url": "https://qtickets.example/pay/abcdef",
    "payment_card_number": "427600******1234",
    "uniqid": "QX7-PUBLIC-CODE",
    "payment_id": 99887766,
    "basket_user_id": 5544,
    "custom": "",
    "fields": [],
    "integrations": [],
}
BASKET_SECRETS = {
    "barcode": "200012345678",
    "pdf_url": "https://qtickets.example/t/secret.pdf",
    "passbook_url": "https://qtickets.example/t/secret.pkpass",
    "organization_name": "ООО Ромашка",
    "legal_name": "ООО «Ромашка»",
    "work_position": "бухгалтер",
    "inn": "7700000000",
    "kpp": "770001001",
    "comment": "счёт 15",
    "client_name": "Иван",
    "client_phone": "+79990000000",
    "series": "000123",
}


def real_order(order_id: int = 1) -> dict[str, Any]:
    return {
        "id": order_id, "event_id": 5, "payed": True, "payed_at": "2026-01-05T10:00:00+03:00",
        "created_at": "2026-01-05T09:59:00+03:00", "updated_at": "2026-01-05T10:00:00+03:00", "deleted_at": None,
        "price": 390, "currency_id": "RUB", "payment_type_id": "card", "client_id": 42,
        "client": {"id": 42, "email": "buyer@example.com", "details": {"name": "Иван", "phone": "+7999"}},
        "utm": {"utm_source": "vk", "utm_medium": "cpc", "utm_campaign": "winter", "fbclid": "x-person-id"},
        "new_member_nobody_documented": {"anything": "at all"},
        **SECRETS,
        "baskets": [{"id": 7, "show_id": 3, "seat_id": "PARTERRE-1;1", "seat_name": "Партер", "price": 390,
                     "original_price": 390, "quantity": 1, **BASKET_SECRETS}],
    }  # fmt: skip


def test_the_loader_stores_only_allowlisted_members_and_counts_the_rest() -> None:
    batch = transform_orders([real_order()], run_id="r", loaded_at=datetime.now(UTC))
    payload = msgspec.json.decode(bytes(batch.raw_rows[0][15]))
    assert set(payload) <= ORDER_KEEP and set(payload["baskets"][0]) <= BASKET_KEEP
    assert set(payload["utm"]) == {"utm_source", "utm_medium", "utm_campaign"}
    text = json.dumps(payload, ensure_ascii=False)
    for value in [*SECRETS.values(), *BASKET_SECRETS.values(), "buyer@example.com", "x-person-id"]:
        if value not in ("", [], 5544):
            assert str(value) not in text, value
    assert payload["baskets"][0]["seat_name"] == "Партер" and payload["client_id"] == 42
    # every member not on the allowlist is counted: the order's, the basket's and the UTM tag's
    assert batch.fields_dropped == len(SECRETS) + 2 + len(BASKET_SECRETS) + 1


def sql_lists(sql: str) -> list[set[str]]:
    arrays = re.findall(r"has\(\[(.*?)\]", sql, flags=re.S)
    return [set(re.findall(r"'([a-z_]+)'", body)) for body in arrays]


def test_the_scrub_migration_keeps_the_same_lists_as_the_loader() -> None:
    found = sql_lists(next(m for m in migrations.available() if m.name == "scrub_payloads").sql)
    assert found == [BASKET_KEEP, UTM_KEEP, ORDER_KEEP] * 2


def test_the_migration_scrubs_payloads_stored_by_earlier_versions(tmp_path: Path) -> None:
    with connect(Target(db="zakaz", data_dir=tmp_path / "ch")) as storage:
        storage.command("CREATE DATABASE zakaz")
        storage.command(
            "CREATE TABLE zakaz.meta_schema_migrations (version UInt32, name String, checksum String, "
            "applied_at DateTime64(3, 'UTC')) ENGINE = MergeTree ORDER BY version"
        )
        for migration in migrations.available():
            if migration.name == "scrub_payloads":
                break
            for statement in migration.statements("zakaz", "Europe/Moscow"):
                storage.command(statement)
            storage.command(f"INSERT INTO zakaz.meta_schema_migrations VALUES ({migration.version}, '', '', now())")
        old = [real_order(1), {**real_order(2), "utm": [], "baskets": []}]
        for item in old:
            storage.command(
                "INSERT INTO zakaz.stg_qtickets_api_orders_raw (order_id, version, payload) VALUES ({i:UInt64}, 1, {p:String})",
                {"i": item["id"], "p": json.dumps(item, ensure_ascii=False)},
            )
        storage.command(
            "INSERT INTO zakaz.stg_qtickets_api_rejects (entity, entity_id, payload) VALUES ('order', '1', {p:String})",
            {"p": json.dumps(real_order(1), ensure_ascii=False)},
        )
        migrations.apply(storage, "Europe/Moscow")
        stored = [
            json.loads(r[0])
            for r in storage.rows("SELECT payload FROM zakaz.stg_qtickets_api_orders_raw ORDER BY order_id")
        ]
        reject = json.loads(storage.rows("SELECT payload FROM zakaz.stg_qtickets_api_rejects")[0][0])
    assert stored == [allowlisted_order(item) for item in old]
    assert reject == allowlisted_order(real_order(1))
