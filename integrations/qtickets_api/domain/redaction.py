"""Keeping secrets and buyers' personal data out of everything we print, log or store."""

from __future__ import annotations

import functools
import hashlib
import logging
import re
from typing import Any

import msgspec

# Order/basket keys that carry a buyer's or ticket holder's personal data, or a ticket's entry code.
_PII_KEYS = frozenset({"client", "fields", "custom", "barcode", "barcodes", "details"})
_PII_PATTERN = re.compile(r"(?i)(e-?mail|phone|surname|first_?name|last_?name|middle_?name|patronymic|birth|passport)")


def fingerprint(secret: str) -> str:
    """A stable, non-reversible label for a secret: the first 12 hex digits of its SHA-256."""
    if not secret:
        return "sha256:<empty>"
    return "sha256:" + hashlib.sha256(secret.encode()).hexdigest()[:12]


def scrub_personal_data(value: Any) -> Any:
    """A copy of an API payload without buyers' personal data (keeps ``client_id``)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if _personal_key(str(key)) or (key == "name" and _has_contact(value)):
                continue
            out[key] = scrub_personal_data(item) if isinstance(item, (dict, list)) else item
        return out
    if isinstance(value, list):
        return [scrub_personal_data(item) if isinstance(item, (dict, list)) else item for item in value]
    return value


def _has_contact(record: dict[Any, Any]) -> bool:
    # a bare "name" is personal only beside contact fields (a person's details, not an event)
    return "email" in record or "phone" in record or "surname" in record


@functools.lru_cache(maxsize=4096)
def _personal_key(key: str) -> bool:
    return key in _PII_KEYS or (key.startswith("client_") and key != "client_id") or bool(_PII_PATTERN.search(key))


class SecretFilter(logging.Filter):
    """Replaces any secret that reaches a log record with its fingerprint (defence in depth)."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [(s, fingerprint(s)) for s in secrets if s and len(s) >= 4]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        redacted = message
        for secret, label in self._secrets:
            redacted = redacted.replace(secret, f"<{label}>")
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def redact(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, f"<{fingerprint(secret)}>")
    return text


# Keys of orders and baskets that the contract documents as free of personal data. An order is
# scrubbed with set operations on these (fast: it runs for every order of a backfill); any other
# key goes through the generic rules above.
_ORDER_SAFE = frozenset({
    "id", "uniqid", "payed", "payed_at", "created_at", "updated_at", "deleted_at", "event_id", "price",
    "original_price", "currency_id", "client_id", "site", "payment_type_id", "discount_id", "promo_code_id",
    "reserved", "reserved_to", "utm", "refunds",
})  # fmt: skip
_BASKET_SAFE = frozenset({
    "id", "show_id", "seat_id", "price", "original_price", "discount_value", "quantity", "checked_at",
    "created_at", "updated_at", "deleted_at", "refunded_at", "refunded_amount", "refunded_deduction_amount",
    "multiprice_code", "order_id", "event_id", "promo_code_id", "discount_id",
})  # fmt: skip


def scrub_order_json(order: bytes | msgspec.Raw) -> bytes:
    """``scrub_personal_data`` for one order given and returned as JSON text, specialised for speed.

    Only the top level and the baskets are decoded, into members kept as JSON text; documented members
    are passed through untouched and any other container is scrubbed by the generic rules. The result
    equals the generic scrub of the parsed order.
    """
    record = _MEMBERS.decode(order)
    has_contact = _has_contact(record)
    for key in record.keys() - _ORDER_PASS_THROUGH:
        value = record[key]
        if key == "baskets":
            record[key] = _scrub_baskets(value)
        elif _personal_key(key) or (key == "name" and has_contact):
            del record[key]
        elif _is_container(value) and _may_hold_personal(value):
            record[key] = msgspec.Raw(_ENCODER.encode(scrub_personal_data(_ANY.decode(value))))
    return _ENCODER.encode(record)


def _scrub_baskets(value: msgspec.Raw) -> msgspec.Raw:
    if memoryview(value)[:1].tobytes() != b"[":
        return value
    baskets: list[Any] = _ITEMS.decode(value)
    for n, item in enumerate(baskets):
        if memoryview(item)[:1].tobytes() != b"{":
            continue
        basket = _MEMBERS.decode(item)
        has_contact = _has_contact(basket)
        for key in basket.keys() - _BASKET_SAFE:
            if _personal_key(key) or (key == "name" and has_contact):
                del basket[key]
            elif _is_container(basket[key]) and _may_hold_personal(basket[key]):
                basket[key] = msgspec.Raw(_ENCODER.encode(scrub_personal_data(_ANY.decode(basket[key]))))
        baskets[n] = basket
    return msgspec.Raw(_ENCODER.encode(baskets))


def _is_container(value: msgspec.Raw) -> bool:
    return memoryview(value)[:1].tobytes() in (b"{", b"[")


def _may_hold_personal(value: msgspec.Raw) -> bool:
    """False only when no key inside could be personal: none of the words the rules look for appears
    anywhere in the text, and no escape could spell one. Most ``utm``/``site``/``refunds`` members pass."""
    return _PERSONAL_HINT.search(memoryview(value)) is not None


# Every word that _personal_key, _PII_KEYS or the "name" rule can match, and unicode escapes.
_PERSONAL_HINT = re.compile(
    rb"(?i)client|fields|custom|barcode|details|name|e-?mail|phone|birth|passport|patronymic|\\u"
)


# Documented order members that never hold personal data at any depth: passed through as sent.
_ORDER_PASS_THROUGH = _ORDER_SAFE - {"refunds", "utm", "site", "baskets"}
_MEMBERS = msgspec.json.Decoder(dict[str, msgspec.Raw])
_ITEMS = msgspec.json.Decoder(list[msgspec.Raw])
_ANY = msgspec.json.Decoder()
_ENCODER = msgspec.json.Encoder()
