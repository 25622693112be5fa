"""The filterable columns of each list (the scalar fields of the record) and the fields ``select`` may name."""

from __future__ import annotations

from .query import Kind, Schema

ORDER_SCHEMA: Schema = {
    "id": Kind.INT,
    "uniqid": Kind.STR,
    "payed": Kind.BOOL,
    "payed_at": Kind.DATETIME,
    "created_at": Kind.DATETIME,
    "updated_at": Kind.DATETIME,
    "deleted_at": Kind.DATETIME,
    "event_id": Kind.INT,
    "price": Kind.NUM,
    "original_price": Kind.NUM,
    "currency_id": Kind.STR,
    "client_id": Kind.INT,
    "payment_type_id": Kind.INT,
    "discount_id": Kind.INT,
    "promo_code_id": Kind.INT,
    "reserved": Kind.BOOL,
    "reserved_to": Kind.DATETIME,
}
ORDER_FIELDS = frozenset(ORDER_SCHEMA) | {"client", "site", "utm", "custom", "fields", "refunds", "baskets"}
EVENT_SCHEMA: Schema = {
    "id": Kind.INT,
    "name": Kind.STR,
    "is_active": Kind.BOOL,
    "deleted_at": Kind.DATETIME,
    "created_at": Kind.DATETIME,
    "updated_at": Kind.DATETIME,
    "place_name": Kind.STR,
    "place_address": Kind.STR,
    "site_url": Kind.STR,
    "currency_id": Kind.STR,
    "city_id": Kind.INT,
}
EVENT_FIELDS = frozenset(EVENT_SCHEMA) | {"city", "shows"}
SEAT_SCHEMA: Schema = {
    "id": Kind.STR,
    "root_id": Kind.STR,
    "zone_id": Kind.STR,
    "zone_root_id": Kind.STR,
    "name": Kind.STR,
    "row": Kind.INT,
    "place": Kind.INT,
    "admission": Kind.BOOL,
    "max_quantity": Kind.INT,
    "free_quantity": Kind.INT,
    "ordered_quantity": Kind.INT,
    "payed_quantity": Kind.INT,
    "in_basket_quantity": Kind.INT,
    "available": Kind.BOOL,
    "disabled": Kind.BOOL,
    "price": Kind.NUM,
    "currency_id": Kind.STR,
}
CLIENT_SCHEMA: Schema = {"id": Kind.INT, "email": Kind.STR}
DISCOUNT_SCHEMA: Schema = {
    "id": Kind.INT,
    "name": Kind.STR,
    "type": Kind.STR,
    "value": Kind.NUM,
    "is_active": Kind.BOOL,
}
PROMO_CODE_SCHEMA: Schema = {
    "id": Kind.INT,
    "code": Kind.STR,
    "type": Kind.STR,
    "value": Kind.NUM,
    "is_active": Kind.BOOL,
}
COLOR_THEME_SCHEMA: Schema = {"id": Kind.INT, "name": Kind.STR, "is_default": Kind.BOOL}
BARCODE_FIELDS = frozenset({"barcode", "basket_id", "order_id", "seat_id", "checked_at"})
