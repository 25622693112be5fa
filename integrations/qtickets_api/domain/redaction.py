"""Keeping secrets and buyers' personal data out of everything we print, log or store.

Stored order payloads keep an allowlist of members (``scrub_order_json``); text we print or keep for a person to
read (probe artifacts, rejected records) loses every member that looks personal (``scrub_personal_data``).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
from typing import Any

import msgspec

# Order/basket keys that carry a buyer's or ticket holder's personal data, or a ticket's entry code.
_PII_KEYS = frozenset({
    "client", "fields", "custom", "barcode", "barcodes", "details", "uniqid", "comment", "organization_name",
    "legal_name", "work_position", "inn", "kpp",
})  # fmt: skip
# personal data, and credentials (ticket, cancel and payment links) and payment data
_PII_PATTERN = re.compile(
    r"(?i)(e-?mail|phone|surname|first_?name|last_?name|middle_?name|patronymic|birth|passport|_url$|card)"
)


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


# What a stored order payload keeps: the members the contract documents as free of personal data, credentials
# and payment data, and that a report may need. Everything else is dropped, members we have never seen included:
# real orders carry far more than the documentation lists (cancel and ticket links, masked card numbers, a company
# buyer's details), and a new one must not reach the warehouse just because nobody listed it. Migration
# 0004_scrub_payloads.sql applies the same lists to payloads stored before (a test holds them equal).
ORDER_KEEP = frozenset({
    "id", "payed", "payed_at", "created_at", "updated_at", "deleted_at", "event_id", "price", "original_price",
    "currency_id", "client_id", "site_id", "payment_type_id", "discount_id", "promo_code_id", "reserved",
    "reserved_to", "utm", "baskets",
})  # fmt: skip
BASKET_KEEP = frozenset({
    "id", "order_id", "event_id", "show_id", "seat_id", "seat_name", "price", "original_price", "discount_value",
    "quantity", "checked_at", "created_at", "updated_at", "deleted_at", "refunded_at", "refunded_amount",
    "refunded_deduction_amount", "promo_code_id", "discount_id", "multiprice_code", "ticket_original_price",
    "ticket_amount", "service_fee_amount",
})  # fmt: skip
UTM_KEEP = frozenset({"utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term"})


def scrub_order_json(order: bytes | msgspec.Raw) -> tuple[bytes, int]:
    """An order's JSON text with only the members of ``ORDER_KEEP`` (its baskets' of ``BASKET_KEEP``, its UTM
    tags' of ``UTM_KEEP``); also returns how many members were dropped. Members kept are passed through as sent."""
    record = _MEMBERS.decode(order)
    dropped = 0
    for key in record.keys() - ORDER_KEEP:
        del record[key]
        dropped += 1
    if "baskets" in record:
        record["baskets"], n = _keep_in_list(record["baskets"], BASKET_KEEP)
        dropped += n
    if "utm" in record and _starts(record["utm"], b"{"):
        record["utm"], n = _keep_in_object(record["utm"], UTM_KEEP)
        dropped += n
    return _ENCODER.encode(record), dropped


def allowlisted_order(value: Any) -> Any:
    """``scrub_order_json``'s lists applied to an order already parsed (a rejected one may have any shape)."""
    if not isinstance(value, dict):
        return value
    out = {k: v for k, v in value.items() if k in ORDER_KEEP}
    if isinstance(out.get("baskets"), list):
        out["baskets"] = [
            {k: v for k, v in b.items() if k in BASKET_KEEP} if isinstance(b, dict) else b for b in out["baskets"]
        ]
    if isinstance(out.get("utm"), dict):
        out["utm"] = {k: v for k, v in out["utm"].items() if k in UTM_KEEP}
    return out


def _keep_in_object(value: msgspec.Raw, keep: frozenset[str]) -> tuple[msgspec.Raw, int]:
    members = _MEMBERS.decode(value)
    gone = members.keys() - keep
    for key in gone:
        del members[key]
    return msgspec.Raw(_ENCODER.encode(members)), len(gone)


def _keep_in_list(value: msgspec.Raw, keep: frozenset[str]) -> tuple[msgspec.Raw, int]:
    if not _starts(value, b"["):
        return value, 0
    items: list[Any] = _ITEMS.decode(value)
    dropped = 0
    for n, item in enumerate(items):
        if _starts(item, b"{"):
            items[n], gone = _keep_in_object(item, keep)
            dropped += gone
    return msgspec.Raw(_ENCODER.encode(items)), dropped


def _starts(value: msgspec.Raw, prefix: bytes) -> bool:
    return memoryview(value)[:1].tobytes() == prefix


_MEMBERS = msgspec.json.Decoder(dict[str, msgspec.Raw])
_ITEMS = msgspec.json.Decoder(list[msgspec.Raw])
_ENCODER = msgspec.json.Encoder()
