from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import msgspec

from integrations.qtickets_api.domain import fingerprint, inventory, sales_rows, scrub_personal_data
from integrations.qtickets_api.ingest import transform_orders

AT = datetime(2026, 1, 1, tzinfo=UTC)


def order(**kw):  # type: ignore[no-untyped-def]
    base = {
        "id": 10, "event_id": 5, "payed": True, "payed_at": "2025-11-01T00:30:00+03:00",
        "created_at": "2025-10-31T23:00:00+03:00", "updated_at": "2025-11-01T00:30:00+03:00", "deleted_at": None,
        "price": 3000, "client": {"id": 77, "email": "a@example.com", "details": {"name": "Ivan", "phone": "+7999"}},
        "baskets": [
            {"id": 1, "show_id": 9, "seat_id": "PARTERRE-1;1", "price": 1000, "quantity": 1,
             "client_name": "Ivan", "client_email": "a@example.com", "barcode": "123456"},
            {"id": 2, "show_id": 9, "seat_id": "DANCE", "price": 2000, "quantity": 2},
        ],
    }  # fmt: skip
    base.update(kw)
    return base


def test_sales_date_is_the_payment_date_in_the_report_zone() -> None:
    batch = transform_orders([order()], run_id="r", loaded_at=AT)
    (msk,) = sales_rows(batch.orders, ZoneInfo("Europe/Moscow"))
    assert str(msk.sales_date) == "2025-11-01" and msk.tickets_sold == 3 and msk.revenue == Decimal(3000)
    (utc,) = sales_rows(batch.orders, ZoneInfo("UTC"))
    assert str(utc.sales_date) == "2025-10-31"


def test_cancelled_unpaid_and_refunded_do_not_count() -> None:
    orders = [
        order(id=1, deleted_at="2025-11-02T00:00:00+03:00"),
        order(id=2, payed=False, payed_at=None),
        order(id=3, baskets=[{"id": 5, "show_id": 9, "price": 100, "refunded_at": "2025-11-03T00:00:00+03:00"},
                             {"id": 6, "show_id": 9, "price": 50, "deleted_at": "2025-11-03T00:00:00+03:00"},
                             {"id": 7, "show_id": 9, "price": 70}]),
    ]  # fmt: skip
    batch = transform_orders(orders, run_id="r", loaded_at=AT)
    (row,) = sales_rows(batch.orders, ZoneInfo("Europe/Moscow"))
    assert (row.tickets_sold, row.revenue) == (1, Decimal(70))


def test_a_basket_refund_bumps_the_order_version() -> None:
    plain = transform_orders([order()], run_id="r", loaded_at=AT).orders[0]
    refunded = order()
    refunded["baskets"][0]["refunded_at"] = "2025-12-01T10:00:00+03:00"
    assert transform_orders([refunded], run_id="r", loaded_at=AT).orders[0].version > plain.version


def test_malformed_orders_are_rejected_with_a_reason_and_the_rest_loads() -> None:
    bad = [order(id="x"), order(id=11, price="lots"), {"event_id": 1}, order(id=12, baskets="none")]
    batch = transform_orders([*bad, order(id=13)], run_id="r", loaded_at=AT)
    assert [o.id for o in batch.orders] == [13]
    assert len(batch.rejects) == 4
    assert all(r[4] for r in batch.rejects)
    assert "a@example.com" not in str(batch.rejects)


def test_raw_payload_keeps_no_personal_data() -> None:
    batch = transform_orders([order()], run_id="r", loaded_at=AT)
    payload = bytes(batch.raw_rows[0][-3]).decode()
    assert msgspec.json.decode(payload)["id"] == batch.orders[0].id
    for secret in ("a@example.com", "Ivan", "+7999", "123456"):
        assert secret not in payload
    assert scrub_personal_data({"client_id": 1, "client": {"id": 1}})["client_id"] == 1


def test_inventory_counts_each_physical_seat_once_and_zones_by_quantity() -> None:
    seats = {
        "full_P-1;1": {"id": "full_P-1;1", "root_id": "P-1;1", "max_quantity": 1, "free_quantity": 1},
        "child_P-1;1": {"id": "child_P-1;1", "root_id": "P-1;1", "max_quantity": 1, "free_quantity": 1},
        "full_P-1;2": {"id": "full_P-1;2", "root_id": "P-1;2", "max_quantity": 1, "free_quantity": 0,
                       "payed_quantity": 1},
        "full_P-1;3": {"id": "full_P-1;3", "root_id": "P-1;3", "max_quantity": 1, "free_quantity": 1,
                       "disabled": True},
        "DANCE": {"id": "DANCE", "root_id": "DANCE", "admission": True, "max_quantity": 500, "free_quantity": 480,
                  "payed_quantity": 15, "ordered_quantity": 5},
    }  # fmt: skip
    inv = inventory(seats)
    assert (inv.tickets_total, inv.tickets_left, inv.tickets_paid, inv.tickets_reserved) == (502, 481, 16, 5)
    tree = {
        "P": {"id": "P", "seats": {k: v for k, v in seats.items() if k != "DANCE"}},
        "D": {"seats": {"DANCE": seats["DANCE"]}},
    }
    assert inventory(tree) == inv
    # as the client hands them over: JSON text, read by the fast flat path or (tree form) the generic walk
    assert inventory(msgspec.json.encode(seats)) == inv
    assert inventory(msgspec.json.encode(tree)) == inv
    as_strings = {k: {f: str(v) for f, v in seat.items()} for k, seat in seats.items()}
    assert inventory(msgspec.json.encode(as_strings)) == inventory(as_strings) == inv


def test_fingerprint_reveals_no_part_of_the_token() -> None:
    token = "abcdef123456SECRET"
    fp = fingerprint(token)
    assert fp == "sha256:" + hashlib.sha256(token.encode()).hexdigest()[:12]
    assert token[:6] not in fp and token[-6:] not in fp
    assert fingerprint(token) == fp and fingerprint(token + "x") != fp


def test_stored_payloads_keep_only_the_allowlist_whatever_else_an_order_carries() -> None:
    from integrations.qtickets_api.domain import BASKET_KEEP, ORDER_KEEP, scrub_order_json

    o = order(fields={"ФИО": "x"}, custom={"note": "y"}, new_field={"email": "b@example.com", "ok": 1},
              refunds=[{"id": 1, "client_email": "c@example.com"}], utm={"utm_source": "x"},
              site={"host": "a", "manager": {"name": "N", "phone": "+7000"}},
              baskets=[{"id": 1, "show_id": 2, "barcode": "99", "client_name": "I", "extra": {"email": "d@x"}},
                       "odd", {"id": 2, "show_id": 2, "seat": {"row": 1}}])  # fmt: skip
    text, dropped = scrub_order_json(msgspec.json.encode(o))
    scrubbed = msgspec.json.decode(text)
    assert set(scrubbed) <= ORDER_KEEP and scrubbed["utm"] == {"utm_source": "x"}
    assert scrubbed["baskets"] == [{"id": 1, "show_id": 2}, "odd", {"id": 2, "show_id": 2}]
    assert all(set(b) <= BASKET_KEEP for b in scrubbed["baskets"] if isinstance(b, dict))
    assert dropped == len(set(o) - ORDER_KEEP) + 3 + 1


def test_inventory_of_mixed_quantity_forms_matches_a_count_made_by_hand() -> None:
    """Plain ints take a fast path, anything else the general rules: strings count as their number, negatives
    and junk as 0, a disabled seat (true, "1") nowhere; the truth is counted here, seat by seat."""
    rng = random.Random(7)
    forms = [lambda n: n, str, lambda n: -n, lambda n: "x", lambda n: None, lambda n: float(n)]
    seats, left, paid, reserved = {}, 0, 0, 0
    for n in range(400):
        free, payed, ordered = rng.randrange(3), rng.randrange(3), rng.randrange(2)
        form = rng.choice(forms)
        disabled = rng.choice([False, False, False, True, "1", 0])
        seats[f"S-{n}"] = {"id": f"S-{n}", "root_id": f"Z{n % 4}-{n}", "max_quantity": 2, "disabled": disabled,
                           "free_quantity": form(free), "payed_quantity": payed, "ordered_quantity": ordered}  # fmt: skip
        if disabled in (True, "1"):
            continue
        shown = form(free)
        left += free if shown in (free, str(free), float(free)) and not isinstance(shown, bool) else 0
        paid, reserved = paid + payed, reserved + ordered
    counted = inventory(msgspec.json.encode(seats))
    assert (counted.tickets_left, counted.tickets_paid, counted.tickets_reserved) == (left, paid, reserved)
    assert counted == inventory(seats)
