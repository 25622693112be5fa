"""From API records to the rows of the staging and dimension tables (``storage.schema``, in its column order).

Pure functions, no I/O. What counts as sold is ``domain.sold``; what a buyer's data is, ``domain.redaction``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import msgspec

from ..domain.records import Event, Order, PromoCode, convert, decode_order, flag
from ..domain.redaction import allowlisted_order, scrub_order_json, scrub_personal_data
from ..errors import InvalidRecordError


@dataclass
class OrderBatch:
    """One page of orders, turned into rows; ``rejects`` keep what could not be parsed, with why."""

    orders: list[Order] = field(default_factory=list)
    raw_rows: list[list[Any]] = field(default_factory=list)
    basket_rows: list[list[Any]] = field(default_factory=list)
    rejects: list[list[Any]] = field(default_factory=list)
    fields_dropped: int = 0  # payload members left out of the stored payloads (not on the allowlist)


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
        except InvalidRecordError as exc:
            batch.rejects.append(reject_row("order", _DECODER.decode(text), str(exc), run_id=run_id, at=loaded_at))
            continue
        batch.orders.append(order)
        version = order.version
        scrubbed, dropped = scrub_order_json(text)
        payload = msgspec.Raw(scrubbed)
        batch.fields_dropped += dropped
        batch.raw_rows.append([
            order.id, version, order.created_at, order.updated_at, int(order.payed), order.payed_at,
            order.deleted_at, order.event_id, order.price, order.currency_id, len(order.baskets),
            sum(b.quantity for b in order.baskets), order.utm_tag("utm_source"), order.utm_tag("utm_medium"),
            order.utm_tag("utm_campaign"), payload, run_id, loaded_at,
        ])  # fmt: skip
        for b in order.baskets:
            batch.basket_rows.append([
                order.id, b.id, version, order.event_id, b.show_id, b.seat_id or "", b.zone, b.price,
                b.original_price if b.original_price is not None else b.price, b.quantity,
                int(b.deleted_at is not None), int(b.refunded_at is not None),
                b.refunded_amount or Decimal(0), b.promo_code_id or order.promo_code_id or 0, b.discount_id or 0,
                b.refunded_at, b.checked_at, loaded_at,
            ])  # fmt: skip
    return batch


_ENCODER = msgspec.json.Encoder(decimal_format="number")
_DECODER = msgspec.json.Decoder()


def reject_row(entity: str, item: Any, reason: str, *, run_id: str, at: datetime) -> list[Any]:
    """A reject row; ``record_key`` (the record's content) lets the writer store each distinct record once."""
    raw_id = item.get("id") if isinstance(item, dict) else None
    entity_id = str(raw_id) if isinstance(raw_id, (int, str)) and not isinstance(raw_id, bool) else ""
    canonical = msgspec.json.encode(item, enc_hook=str, order="sorted")
    key = hashlib.sha1(canonical, usedforsecurity=False).hexdigest()
    kept = allowlisted_order(item) if entity == "order" else item
    payload = msgspec.json.encode(scrub_personal_data(kept), enc_hook=str).decode()
    return [run_id, at, entity, entity_id[:64], reason[:1000], key, payload]


# --- events and shows ---------------------------------------------------------------------------------


@dataclass
class EventBatch:
    events: dict[int, Event] = field(default_factory=dict)
    rejects: list[list[Any]] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)  # every field the records carried, as dotted paths

    def within(self, select: list[str]) -> bool:
        """Whether the records carried only the fields of ``select`` (the API honoured it); a relation that came
        empty (``shows: []``, ``city: null``) is within it when ``select`` names fields of it."""
        wanted = set(select)
        return all(key in wanted or any(name.startswith(key + ".") for name in wanted) for key in self.keys)


def transform_events(
    items: Iterable[msgspec.Raw | bytes | dict[str, Any]], *, run_id: str, loaded_at: datetime
) -> EventBatch:
    batch = EventBatch()
    for record in items:
        item = record if isinstance(record, dict) else _DECODER.decode(record)
        batch.keys |= _paths(item)
        try:
            event = convert(item, Event)
        except InvalidRecordError as exc:
            batch.rejects.append(reject_row("event", item, str(exc), run_id=run_id, at=loaded_at))
            continue
        batch.events[event.id] = event
    return batch


def _paths(item: Any) -> set[str]:
    """The fields of an event as ``select`` names them: ``city.name``, ``shows.start_date``."""
    if not isinstance(item, dict):
        return set()
    found = set()
    for key, value in item.items():
        children = value if isinstance(value, list) else [value]
        nested = [child for child in children if isinstance(child, dict)]
        if nested:
            found |= {f"{key}.{sub}" for child in nested for sub in child}
        else:
            found.add(key)
    return found


def event_rows(events: Iterable[Event], *, version: int, loaded_at: datetime) -> list[list[Any]]:
    rows = []
    for e in events:
        values = [e.id, e.name, e.city_id or (e.city.id if e.city else None) or 0, e.city_name, e.timezone,
                  e.place_name or "", int(flag(e.is_active)), e.deleted_at]  # fmt: skip
        rows.append([*values, _hash(values), version, loaded_at])
    return rows


def show_rows(events: Iterable[Event], *, version: int, loaded_at: datetime) -> list[list[Any]]:
    rows = []
    for e in events:
        for s in e.shows:
            values = [s.id, e.id, s.start_date, s.finish_date, e.local(s.start_date), e.timezone,
                      int(flag(s.is_active)), s.deleted_at]  # fmt: skip
            rows.append([*values, _hash(values), version, loaded_at])
    return rows


@dataclass
class PromoCodeBatch:
    codes: list[PromoCode] = field(default_factory=list)
    rejects: list[list[Any]] = field(default_factory=list)


def transform_promo_codes(
    items: Iterable[msgspec.Raw | bytes | dict[str, Any]], *, run_id: str, loaded_at: datetime
) -> PromoCodeBatch:
    batch = PromoCodeBatch()
    for record in items:
        item = record if isinstance(record, dict) else _DECODER.decode(record)
        try:
            batch.codes.append(convert(item, PromoCode))
        except InvalidRecordError as exc:
            batch.rejects.append(reject_row("promo_code", item, str(exc), run_id=run_id, at=loaded_at))
    return batch


def promo_code_rows(codes: Iterable[PromoCode], *, version: int, loaded_at: datetime) -> list[list[Any]]:
    rows = []
    for code in codes:
        values = [code.id, code.code[:200], int(flag(code.is_active))]
        rows.append([*values, _hash(values), version, loaded_at])
    return rows


def _hash(values: list[Any]) -> str:
    return hashlib.sha1(msgspec.json.encode(values, enc_hook=str), usedforsecurity=False).hexdigest()
