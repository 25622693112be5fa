"""From API records to table rows: orders (raw + baskets), rejects, events/shows, seat inventory.

Pure functions, no I/O: every decision about what counts as a sale or a seat lives here or in the
SQL of ``storage/facts.py``, and the tests check both against an independently written truth.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import orjson

from .models import Event, InvalidRecord, Order, convert, decode_order
from .redaction import scrub_order_json, scrub_personal_data

RAW_COLUMNS = (
    "order_id", "version", "order_ts", "updated_at", "payed", "payed_at", "deleted_at", "event_id",
    "price", "currency_id", "baskets_count", "tickets", "payload", "run_id", "_loaded_at",
)  # fmt: skip
BASKET_COLUMNS = (
    "order_id", "basket_id", "version", "event_id", "show_id", "seat_id", "zone", "price",
    "original_price", "quantity", "basket_deleted", "refunded", "refunded_amount", "_loaded_at",
)  # fmt: skip
REJECT_COLUMNS = ("run_id", "rejected_at", "entity", "entity_id", "reason", "payload")
EVENT_COLUMNS = (
    "event_id", "name", "city_id", "city_name", "place_name", "is_active", "deleted_at", "row_hash",
    "version", "_loaded_at",
)  # fmt: skip
SHOW_COLUMNS = (
    "show_id", "event_id", "start_date", "finish_date", "is_active", "deleted_at", "row_hash",
    "version", "_loaded_at",
)  # fmt: skip
INVENTORY_COLUMNS = (
    "snapshot_at", "city", "event_id", "event_name", "show_id", "show_start", "tickets_total",
    "tickets_left", "tickets_paid", "tickets_reserved", "seats_records", "run_id",
)  # fmt: skip


@dataclass
class OrderBatch:
    """One page of orders, turned into rows; ``rejects`` keep what could not be parsed, with why."""

    orders: list[Order] = field(default_factory=list)
    raw_rows: list[list[Any]] = field(default_factory=list)
    basket_rows: list[list[Any]] = field(default_factory=list)
    rejects: list[list[Any]] = field(default_factory=list)


def transform_orders(
    items: Iterable[msgspec.Raw | bytes | dict[str, Any]], *, run_id: str, loaded_at: datetime
) -> OrderBatch:
    """Orders as the API sent them (each order's JSON text; a dict is encoded first) into rows.

    The ``payload`` column holds the order's JSON minus personal data as ``msgspec.Raw``: the writer
    embeds it in the insert unchanged.
    """
    batch = OrderBatch()
    for item in items:
        text = _ENCODER.encode(item) if isinstance(item, dict) else item
        try:
            order = decode_order(text)
        except InvalidRecord as exc:
            batch.rejects.append(reject_row("order", _DECODER.decode(text), str(exc), run_id=run_id, at=loaded_at))
            continue
        batch.orders.append(order)
        version = order.version
        payload = msgspec.Raw(scrub_order_json(text))
        batch.raw_rows.append([
            order.id, version, order.created_at, order.updated_at, int(order.payed), order.payed_at,
            order.deleted_at, order.event_id, order.price, order.currency_id, len(order.baskets),
            sum(b.quantity for b in order.baskets), payload, run_id, loaded_at,
        ])  # fmt: skip
        for b in order.baskets:
            batch.basket_rows.append([
                order.id, b.id, version, order.event_id, b.show_id, b.seat_id or "", b.zone, b.price,
                b.original_price if b.original_price is not None else b.price, b.quantity,
                int(b.deleted_at is not None), int(b.refunded_at is not None),
                b.refunded_amount or Decimal(0), loaded_at,
            ])  # fmt: skip
    return batch


_ENCODER = msgspec.json.Encoder(decimal_format="number")
_DECODER = msgspec.json.Decoder()


def reject_row(entity: str, item: Any, reason: str, *, run_id: str, at: datetime) -> list[Any]:
    raw_id = item.get("id") if isinstance(item, dict) else None
    entity_id = str(raw_id) if isinstance(raw_id, (int, str)) and not isinstance(raw_id, bool) else ""
    payload = orjson.dumps(scrub_personal_data(item), default=str).decode()
    return [run_id, at, entity, entity_id[:64], reason[:1000], payload]


@dataclass
class SalesRow:
    sales_date: date
    event_id: int
    show_id: int
    tickets_sold: int = 0
    revenue: Decimal = Decimal(0)
    sale_ts: datetime | None = None


def sales_rows(orders: Iterable[Order], tz: ZoneInfo) -> list[SalesRow]:
    """What these orders contribute to the daily facts (dry-run preview; the SQL rebuild is the truth)."""
    acc: dict[tuple[date, int, int], SalesRow] = {}
    for order in orders:
        if not order.is_paid or order.payed_at is None:
            continue
        local = order.payed_at.astimezone(tz)
        for b in order.baskets:
            if not b.is_live:
                continue
            key = (local.date(), order.event_id, b.show_id)
            row = acc.setdefault(key, SalesRow(*key))
            row.tickets_sold += b.quantity
            row.revenue += b.price
            row.sale_ts = max(row.sale_ts or local, local)
    return sorted(acc.values(), key=lambda r: (r.sales_date, r.event_id, r.show_id))


# --- events and shows ---------------------------------------------------------------------------------


@dataclass
class EventBatch:
    events: dict[int, Event] = field(default_factory=dict)
    rejects: list[list[Any]] = field(default_factory=list)


def transform_events(
    items: Iterable[msgspec.Raw | bytes | dict[str, Any]], *, run_id: str, loaded_at: datetime
) -> EventBatch:
    batch = EventBatch()
    for record in items:
        item = record if isinstance(record, dict) else _DECODER.decode(record)
        try:
            event = convert(item, Event)
        except InvalidRecord as exc:
            batch.rejects.append(reject_row("event", item, str(exc), run_id=run_id, at=loaded_at))
            continue
        batch.events[event.id] = event
    return batch


def event_rows(events: Iterable[Event], *, version: int, loaded_at: datetime) -> list[list[Any]]:
    rows = []
    for e in events:
        values = [e.id, e.name, e.city_id or (e.city.id if e.city else None) or 0, e.city_name,
                  e.place_name or "", int(_truthy(e.is_active)), e.deleted_at]  # fmt: skip
        rows.append([*values, _hash(values), version, loaded_at])
    return rows


def show_rows(events: Iterable[Event], *, version: int, loaded_at: datetime) -> list[list[Any]]:
    rows = []
    for e in events:
        for s in e.shows:
            values = [s.id, e.id, s.start_date, s.finish_date, int(_truthy(s.is_active)), s.deleted_at]
            rows.append([*values, _hash(values), version, loaded_at])
    return rows


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in ("", "0", "false", "no")
    return bool(value)


def _hash(values: list[Any]) -> str:
    return hashlib.sha1(orjson.dumps(values, default=str), usedforsecurity=False).hexdigest()


# --- seat inventory -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Inventory:
    tickets_total: int
    tickets_left: int
    tickets_paid: int
    tickets_reserved: int
    records: int


def seat_records(data: Any) -> list[dict[str, Any]]:
    """Seat records from either answer form: flat (keyed by seat id) or a tree of zones holding seats."""
    out: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "max_quantity" in node or "free_quantity" in node:
                out.append(node)
                return
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(data)
    return out


class _Seat(msgspec.Struct):
    """The fields of a seat record that inventory counts (the flat form's values)."""

    id: Any = None
    root_id: Any = None
    disabled: Any = False
    max_quantity: Any = None
    free_quantity: Any = None
    payed_quantity: Any = None
    ordered_quantity: Any = None
    in_basket_quantity: Any = None


_FLAT_SEATS = msgspec.json.Decoder(dict[str, _Seat])


def inventory(data: Any) -> Inventory:
    """Each physical seat once (``root_id``: tariffs repeat a seat), general admission by quantity.

    ``data`` is the ``data`` of a seats answer, parsed or as JSON text. The flat form as text is read
    straight into the few fields counted (a big hall's answer is a megabyte of records); anything
    else takes the generic walk over both answer forms.
    """
    if isinstance(data, (bytes, msgspec.Raw)):
        try:
            flat = _FLAT_SEATS.decode(data)
        except msgspec.ValidationError:
            flat = None
        if flat is not None and all(s.max_quantity is not None or s.free_quantity is not None for s in flat.values()):
            return _count_seats(list(flat.values()))
        data = _DECODER.decode(data)
    return _count_seats([msgspec.convert(record, _Seat) for record in seat_records(data)])


def _count_seats(records: list[_Seat]) -> Inventory:
    by_root: dict[str, _Seat] = {}
    for seat in records:
        root = seat.root_id or seat.id
        if root is None:
            continue
        by_root.setdefault(str(root), seat)
    total = left = paid = reserved = 0
    for seat in by_root.values():
        if _truthy(seat.disabled):
            continue
        total += _qty(seat.max_quantity)
        left += _qty(seat.free_quantity)
        paid += _qty(seat.payed_quantity)
        reserved += _qty(seat.ordered_quantity) + _qty(seat.in_basket_quantity)
    return Inventory(total, min(left, total) if total else left, paid, reserved, len(records))


def _qty(value: Any) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0
