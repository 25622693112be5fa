"""What the numbers mean, with no I/O: the API's records, the sold-ticket rule, Moscow time, seats left,
the sales preview, and what counts as a secret or a buyer's personal data. Imports nothing but ``errors``."""

from . import sold
from .moscow import MOSCOW, api_datetime
from .records import Basket, City, Event, Order, PromoCode, Show, convert, decode_order, flag
from .redaction import (
    BASKET_KEEP,
    ORDER_KEEP,
    UTM_KEEP,
    SecretFilter,
    allowlisted_order,
    fingerprint,
    redact,
    scrub_order_json,
    scrub_personal_data,
)
from .sales import SalesRow, sales_rows
from .seats import Inventory, ZoneSeats, inventory, seat_records

__all__ = [
    "BASKET_KEEP",
    "MOSCOW",
    "ORDER_KEEP",
    "UTM_KEEP",
    "Basket",
    "City",
    "Event",
    "Inventory",
    "Order",
    "PromoCode",
    "SalesRow",
    "SecretFilter",
    "Show",
    "ZoneSeats",
    "allowlisted_order",
    "api_datetime",
    "convert",
    "decode_order",
    "fingerprint",
    "flag",
    "inventory",
    "redact",
    "sales_rows",
    "scrub_order_json",
    "scrub_personal_data",
    "seat_records",
    "sold",
]
