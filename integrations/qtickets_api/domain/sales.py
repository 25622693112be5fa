"""What orders add to the daily sales facts, computed in Python: the dry run's preview.

The facts themselves are rebuilt in SQL (``storage/facts.py``); both follow ``sold``, and a test checks that
they agree on generated orders.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal

from . import sold
from .records import Order


@dataclass
class SalesRow:
    sales_date: date
    event_id: int
    show_id: int
    tickets_sold: int = 0
    revenue: Decimal = Decimal(0)
    sale_ts: datetime | None = None


def sales_rows(orders: Iterable[Order], tz: tzinfo) -> list[SalesRow]:
    """What these orders contribute to the daily facts (dry-run preview; the SQL rebuild is the truth)."""
    acc: dict[tuple[date, int, int], SalesRow] = {}
    for order in orders:
        if not order.is_paid or order.payed_at is None:
            continue
        local = order.payed_at.astimezone(tz)
        day = sold.sale_date(order.payed_at, tz)
        for b in order.baskets:
            if not b.is_live:
                continue
            key = (day, order.event_id, b.show_id)
            row = acc.setdefault(key, SalesRow(*key))
            row.tickets_sold += b.quantity
            row.revenue += b.price
            row.sale_ts = max(row.sale_ts or local, local)
    return sorted(acc.values(), key=lambda r: (r.sales_date, r.event_id, r.show_id))
