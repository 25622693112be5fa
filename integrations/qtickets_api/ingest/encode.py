"""A page of orders made ready to insert: one ``JSONCompactEachRow`` line per order row and its baskets.

This is the CPU-heavy part of a backfill (decoding, scrubbing personal data, shaping and encoding rows),
pure Python with no I/O. Lines are kept per order (``storage.staging.OrderLines``) so that the writer can
drop the order versions it already stored without decoding anything again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from ..domain.sales import SalesRow, sales_rows
from ..storage.staging import OrderLines
from .rows import transform_orders

_LINES = msgspec.json.Encoder()


@dataclass
class EncodedOrders:
    lines: OrderLines = field(default_factory=OrderLines)
    rejects: list[list[Any]] = field(default_factory=list)
    event_ids: set[int] = field(default_factory=set)
    paid_tickets: int = 0  # tickets of paid, live baskets among these orders
    records: int = 0  # records received, rejected ones included
    fields_dropped: int = 0  # payload members not on the allowlist, left out
    sales: list[SalesRow] = field(default_factory=list)  # what they add to the daily facts, when asked

    def __len__(self) -> int:
        return len(self.lines)

    def extend(self, other: EncodedOrders) -> None:
        self.lines.extend(other.lines)
        self.rejects += other.rejects
        self.event_ids |= other.event_ids
        self.paid_tickets += other.paid_tickets
        self.records += other.records
        self.fields_dropped += other.fields_dropped
        self.sales += other.sales


def encode_orders(
    items: Sequence[msgspec.Raw | bytes | dict[str, Any]],
    *,
    run_id: str,
    loaded_at: datetime,
    sales_tz: str | None = None,
) -> EncodedOrders:
    """Orders as the API sent them into insert lines; ``sales_tz`` also previews their sales (dry run)."""
    batch = transform_orders(items, run_id=run_id, loaded_at=loaded_at)
    out = EncodedOrders(rejects=batch.rejects, records=len(items), fields_dropped=batch.fields_dropped)
    lines = out.lines
    baskets = iter(batch.basket_rows)
    for order, raw in zip(batch.orders, batch.raw_rows, strict=True):
        own: Iterable[list[Any]] = islice(baskets, len(order.baskets))
        lines.keys.append((order.id, raw[1]))
        lines.raw_lines.append(_LINES.encode_lines((raw,)))
        lines.basket_lines.append(_LINES.encode_lines(list(own)))
        lines.basket_counts.append(len(order.baskets))
        out.event_ids.add(order.event_id)
        if order.is_paid:
            out.paid_tickets += sum(b.quantity for b in order.baskets if b.is_live)
    if sales_tz is not None:
        out.sales = sales_rows(batch.orders, ZoneInfo(sales_tz))
    return out
