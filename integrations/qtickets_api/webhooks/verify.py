"""The webhook signature: ``X-Signature`` is the lowercase hex HMAC-SHA1 of the raw request body, keyed with the
secret set in the QTickets cabinet. Checked over the bytes as they arrived, before anything parses them, with a
constant-time comparison."""

from __future__ import annotations

import hashlib
import hmac


def sign(secret: str, body: bytes) -> str:
    """The ``X-Signature`` QTickets sends for ``body``."""
    return hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    """Whether ``header`` is the signature of ``body``; a missing, empty or malformed header is not."""
    if not secret or not header:
        return False
    given = header.strip().lower().encode("ascii", "replace")
    return hmac.compare_digest(given, sign(secret, body).encode())
