"""The filterable columns of each list (the scalar fields of the record) and the fields ``select`` may name.

A field tree maps a field to ``None`` (a scalar: nothing below it), to another tree (a relation or a list of
objects: ``city.name``, ``shows.start_date``), or to ``ANY`` (an object keyed by data, such as the seats of
``scheme_properties``: any path below it is accepted).
"""

from __future__ import annotations

from .query import ANY, FieldTree, Kind, Schema


def _tree(schema: Schema, **relations: FieldTree | object) -> FieldTree:
    tree: dict[str, FieldTree | object | None] = dict.fromkeys(schema)
    tree.update(relations)
    return tree


def _scalars(*names: str) -> FieldTree:
    return dict.fromkeys(names)


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
    "payment_type_id": Kind.STR,
    "discount_id": Kind.INT,
    "promo_code_id": Kind.INT,
    "reserved": Kind.BOOL,
    "reserved_to": Kind.DATETIME,
}
BASKET_FIELDS = _scalars(
    "id", "show_id", "seat_id", "seat_name", "series", "multiprice_code", "quantity", "price", "original_price",
    "discount_value", "ticket_original_price", "ticket_amount", "service_fee_amount", "barcode", "pdf_url",
    "passbook_url", "checked_at", "created_at", "updated_at", "deleted_at", "refunded_at", "refunded_amount",
    "refunded_deduction_amount", "client_name", "client_surname", "client_email", "client_phone",
    "organization_name", "legal_name", "work_position", "inn", "kpp", "comment",
)  # fmt: skip
CLIENT_FIELDS: FieldTree = {
    "id": None,
    "email": None,
    "details": _scalars("name", "surname", "middlename", "phone", "vk_id", "facebook_id"),
}
ORDER_SCALARS = (
    "site_id", "payment_id", "access_code_id", "basket_user_id", "backend_user_id", "reserve_extended",
    "payment_url", "cancel_url", "payment_card_number", "custom",
)  # fmt: skip
ORDER_FIELDS = _tree(
    ORDER_SCHEMA,
    **_scalars(*ORDER_SCALARS),
    client=CLIENT_FIELDS,
    site=_scalars("id", "host"),
    utm=ANY,
    fields=ANY,
    integrations=ANY,
    refunds=_scalars("id", "amount", "deduction_amount", "basket_ids", "created_at"),
    baskets={**BASKET_FIELDS, "related_baskets": ANY, "services": ANY, "refunds": ANY},
)
EVENT_SCHEMA: Schema = {
    "id": Kind.INT,
    "name": Kind.STR,
    "slug": Kind.STR,
    "url": Kind.STR,
    "is_active": Kind.BOOL,
    "event_type_id": Kind.INT,
    "age": Kind.STR,
    "deleted_at": Kind.DATETIME,
    "created_at": Kind.DATETIME,
    "updated_at": Kind.DATETIME,
    "place_name": Kind.STR,
    "place_address": Kind.STR,
    "site_url": Kind.STR,
    "currency_id": Kind.STR,
    "city_id": Kind.INT,
    "external_id": Kind.INT,
}
PRICE_FIELDS = _scalars("id", "default_price", "color_theme", "modifiers")
SHOW_SCALARS = (
    "id", "name", "is_active", "sale_start_date", "sale_finish_date", "open_date", "start_date", "finish_date",
    "created_at", "updated_at", "deleted_at",
)  # fmt: skip
SHOW_FIELDS: FieldTree = {
    **_scalars(*SHOW_SCALARS),
    "prices": PRICE_FIELDS,
    "min_price": PRICE_FIELDS,
    "max_price": PRICE_FIELDS,
    "scheme_properties": {"admin": ANY, "zones": ANY, "seats": ANY},
}
EVENT_FIELDS = _tree(
    EVENT_SCHEMA,
    place_coordinates=None,
    city=_scalars("id", "name", "timezone"),
    poster=_scalars("id", "url", "preview_url", "width", "height"),
    ticket=ANY,
    mail_template=ANY,
    payments=_scalars("id", "is_active", "name", "handler", "agree_url"),
    shows=SHOW_FIELDS,
)
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
OFFER_DATES: Schema = {"created_at": Kind.DATETIME, "updated_at": Kind.DATETIME, "deleted_at": Kind.DATETIME}
DISCOUNT_SCHEMA: Schema = {
    "id": Kind.INT,
    "name": Kind.STR,
    "type": Kind.STR,
    "value": Kind.NUM,
    "is_active": Kind.BOOL,
    **OFFER_DATES,
}
PROMO_CODE_SCHEMA: Schema = {
    "id": Kind.INT,
    "code": Kind.STR,
    "type": Kind.STR,
    "value": Kind.NUM,
    "is_active": Kind.BOOL,
    **OFFER_DATES,
}
COLOR_THEME_SCHEMA: Schema = {"id": Kind.INT, "name": Kind.STR, "is_default": Kind.BOOL}
BARCODE_FIELDS = frozenset({"barcode", "basket_id", "order_id", "seat_id", "checked_at"})

# Default page sizes as the real account answered a list call without perPage.
DEFAULT_PER_PAGE = {"orders": 50, "events": 10, "clients": 100, "discounts": 100, "promo_codes": 500}
