"""Keeping secrets and buyers' personal data out of everything we print, log or store."""

from __future__ import annotations

import hashlib
import logging
import re
from typing import Any

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
        out: dict[str, Any] = {}
        for key, item in value.items():
            k = str(key)
            if k in _PII_KEYS or (k.startswith("client_") and k != "client_id") or _PII_PATTERN.search(k):
                continue
            if k == "name" and ("email" in value or "phone" in value or "surname" in value):
                continue
            out[k] = scrub_personal_data(item)
        return out
    if isinstance(value, list):
        return [scrub_personal_data(item) for item in value]
    return value


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
