"""The sold-ticket rule, in one place: which tickets count as sold, and on which day.

The dry-run preview applies it in Python to the API's records, the fact rebuild applies it in SQL to the
staged columns those records become (``basket_deleted`` is "the basket has a ``deleted_at``", ``refunded`` is
"it has a ``refunded_at``"); a test checks that the two agree on generated orders.

- An order counts once it is paid (``payed`` with a ``payed_at``) and not deleted (cancelled).
- A ticket (basket) of such an order counts unless it was deleted or refunded.
- It counts on its order's payment day, in the report time zone.
- A refund is a refunded basket (``refunded_at`` set) of a paid order: its tickets count as refunded on the day of
  ``refunded_at``, for ``refunded_amount``, or for the basket's price when the API gave no amount.
- A ticket is free when its price is 0 (a 100 % promo code); it counts as sold like any other.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo

ORDER_SQL = "payed = 1 AND deleted_at IS NULL AND payed_at IS NOT NULL"
BASKET_SQL = "basket_deleted = 0 AND refunded = 0"
REFUND_ORDER_SQL = "payed = 1 AND payed_at IS NOT NULL"
REFUND_BASKET_SQL = "refunded = 1 AND refunded_at IS NOT NULL"
REFUND_AMOUNT_SQL = "if(refunded_amount > 0, refunded_amount, price)"


def order_counts(*, payed: bool, payed_at: datetime | None, deleted_at: datetime | None) -> bool:
    return bool(payed) and payed_at is not None and deleted_at is None


def basket_counts(*, basket_deleted: bool, refunded: bool) -> bool:
    return not basket_deleted and not refunded


def sale_date_sql(payed_at: str, tz_param: str) -> str:
    """The SQL expression of the sale day of ``payed_at`` in the zone bound as parameter ``tz_param``."""
    return f"toDate({payed_at}, {{{tz_param}:String}})"


def sale_date(payed_at: datetime, tz: tzinfo) -> date:
    return payed_at.astimezone(tz).date()
