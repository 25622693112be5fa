"""The webhook endpoint as a pure ASGI app: ``POST`` of a QTickets Order, answered only once it is stored.

In order, and nothing is stored unless every step passes:

- no secret configured → 404 (the route is off);
- not ``POST`` → 405; a body over ``max_bytes`` → 413 (by ``Content-Length`` before reading, or while reading);
- ``X-Signature`` missing or not the HMAC-SHA1 of the raw body → 401, checked before anything parses the body;
- not JSON, not an object, no order id, or ``X-Model-Name`` other than ``Order`` → 400;
- an order that fails the loader's validation → stored in ``stg_qtickets_api_rejects`` with the reason, 200
  (QTickets would otherwise retry it for 50 minutes);
- otherwise the order version is stored (or was already: a duplicate or a replay) → 200; the refresher then
  rebuilds what it touches. ClickHouse failing, too much waiting to be stored, or the store's writer thread not
  running (``WebhookStore.up``: it stopped and is being started again) → 503 at once, and QTickets retries.

Nothing of a body or of a signature reaches the log: only counts, the order id and the event type.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.types import Receive, Scope, Send

from ..errors import ZakazError
from .parse import EVENT_TYPES, Refusal, parse
from .store import StoreUnavailable, WebhookStore
from .verify import signature_ok

log = logging.getLogger("integrations.qtickets_api")

MAX_BYTES = 1024 * 1024
STORE_TIMEOUT_S = 25.0  # QTickets' own timeout is not documented; answer 503 well before a proxy gives up
SUMMARY_EVERY_S = 60.0


@dataclass
class ReceiverStats:
    answers: Counter[int] = field(default_factory=Counter)
    event_types: Counter[str] = field(default_factory=Counter)


class Receiver:
    def __init__(
        self,
        *,
        secret: str,
        max_bytes: int = MAX_BYTES,
        store_timeout_s: float = STORE_TIMEOUT_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._secret = secret
        self.max_bytes = max_bytes
        self.store_timeout_s = store_timeout_s
        self._clock = clock
        self.store: WebhookStore | None = None  # set when the service has opened ClickHouse
        self.stats = ReceiverStats()
        self._refused_since_summary: Counter[int] = Counter()
        self._summary_at: float | None = None

    @property
    def enabled(self) -> bool:
        return bool(self._secret)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        status, text = await self._answer(scope, receive)
        self.stats.answers[status] += 1
        if status != 200:
            self._note_refusal(status)
        headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"cache-control", b"no-store")]
        if status == 405:
            headers.append((b"allow", b"POST"))
        body = (text + "\n").encode()
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _answer(self, scope: Scope, receive: Receive) -> tuple[int, str]:
        if not self.enabled:
            return 404, "not found"
        if scope.get("method") != "POST":
            return 405, "method not allowed"
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            return 413, "too large"
        body = await self._read(receive)
        if body is None:
            return 413, "too large"
        if not signature_ok(self._secret, body, headers.get("x-signature")):
            return 401, "bad signature"
        parsed = parse(body, event_type=headers.get("x-event-type"), model=headers.get("x-model-name"))
        if isinstance(parsed, Refusal):
            return parsed.status, parsed.reason
        kind = parsed.event_type if parsed.event_type in EVENT_TYPES else "other"
        self.stats.event_types[kind] += 1
        store = self.store
        if store is None:
            return 503, "starting"
        if not store.up:  # stopped, being started again: no use waiting
            return 503, "not stored, try again"
        try:
            outcome = await asyncio.wait_for(asyncio.wrap_future(store.submit(body)), self.store_timeout_s)
        except (ZakazError, OverflowError, StoreUnavailable, TimeoutError):
            return 503, "not stored, try again"
        except Exception:  # a bug in storing (the store logged it): the sender retries
            return 503, "not stored, try again"
        if outcome.version is None:
            log.warning("Webhook %s of order %d rejected (stored in the rejects): %s", kind, parsed.order_id,
                        outcome.reject_reason[:200])  # fmt: skip
            return 200, "rejected"
        log.debug("Webhook %s of order %d: %s", kind, parsed.order_id, "stored" if outcome.stored else "duplicate")
        return 200, "ok"

    async def _read(self, receive: Receive) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return b"".join(chunks)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    def _note_refusal(self, status: int) -> None:
        """Refusals are counted, and summed up in the log at most once a minute (an attacker cannot flood it)."""
        self._refused_since_summary[status] += 1
        now = self._clock()
        if self._summary_at is None or now - self._summary_at >= SUMMARY_EVERY_S:
            counts = ", ".join(f"{n} × {code}" for code, n in sorted(self._refused_since_summary.items()))
            log.warning("Webhook requests refused since the last summary: %s", counts)
            self._refused_since_summary.clear()
            self._summary_at = now
