"""Webhooks of the simulator's own activity, sent as QTickets documents them, with the faults of real delivery.

Every change of an order (a new order, a payment, an expiry or a cancellation, a refund, a deleted basket, a scan)
becomes one delivery: ``POST`` of the Order object as ``GET /orders/{id}`` would serve it at that moment, without
a ``data`` wrapper, plus ``refunded_baskets`` (the refunded basket objects) on ``refunded`` and
``checked_basket`` on ``checked``; headers ``X-Signature`` (lowercase hex HMAC-SHA1 of the body with the
secret), ``X-Event-Type``, ``X-Model-Name: Order`` and ``User-Agent: Qtickets-Webhooks/2.0``. A delivery counts
only when answered 200; otherwise attempt n+1 follows n³ seconds after attempt n (times ``time_scale``), 10
attempts in all, then it is given up.

Faults (``WebhookFaults``): a delivery sent twice, held back so that later ones overtake it, or never sent at
all; and an attacker who sends forged requests beside the real ones (unsigned, signed with a wrong secret, or a
real signature over a changed body). A slow or refusing receiver is the receiver's side: this sender times out
(``timeout_s``) and retries.

The body carries what the API serves, buyers' personal data and ticket credentials included: a receiver must keep
only what it needs. Records of every delivery (``records``) let a test or a bench tell what was answered 200.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import itertools
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
import msgspec

USER_AGENT = "Qtickets-Webhooks/2.0"
MAX_ATTEMPTS = 10


@dataclass(frozen=True)
class WebhookFaults:
    p_duplicate: float = 0.0  # the delivery is sent twice (both count as sent)
    p_reorder: float = 0.0  # held back ``reorder_delay_s`` so that later deliveries overtake it
    reorder_delay_s: float = 0.5
    p_drop: float = 0.0  # never sent: only the next loader run can repair it
    attacks_per_delivery: float = 0.0  # forged requests sent beside each real one (may be above 1)


@dataclass(frozen=True)
class WebhookConfig:
    url: str
    secret: str = field(repr=False)
    time_scale: float = 1.0  # seconds per "second" of the n³ retry schedule (tests: 0.01)
    max_attempts: int = MAX_ATTEMPTS
    timeout_s: float = 10.0
    workers: int = 8
    faults: WebhookFaults = field(default_factory=WebhookFaults)
    seed: int = 0


@dataclass
class DeliveryRecord:
    seq: int
    event_type: str
    order_id: int
    body: bytes = field(repr=False)
    created_at: float  # time.monotonic() when the change happened
    dropped: bool = False
    copies: int = 1  # sends of it, a duplicate counting twice
    attempts: int = 0
    statuses: list[int] = field(default_factory=list)  # every answer (0: no answer: refused, timed out)
    ok_at: float | None = None  # time.monotonic() of the first 200
    given_up: bool = False


@dataclass
class _Send:
    record: DeliveryRecord
    attempt: int = 0


class WebhookSender:
    """Started by ``Simulator.send_webhooks``; ``flush()`` waits until nothing is waiting or in flight."""

    def __init__(self, config: WebhookConfig) -> None:
        self.config = config
        self.records: list[DeliveryRecord] = []
        self.attacks: Counter[int] = Counter()  # forged requests by the status they were answered
        self._rng = random.Random(f"qtickets-sim:{config.seed}:webhooks")
        self._seq = itertools.count(1)
        self._tie = itertools.count()
        self._heap: list[tuple[float, int, _Send | bytes]] = []
        self._cond = threading.Condition()
        self._in_flight = 0
        self._stopping = False
        self._http = httpx.Client(
            timeout=httpx.Timeout(config.timeout_s, connect=min(config.timeout_s, 5.0)),
            limits=httpx.Limits(max_connections=config.workers, max_keepalive_connections=config.workers),
            follow_redirects=False,
        )
        self._pool = ThreadPoolExecutor(max_workers=config.workers, thread_name_prefix="sim-webhook")
        self._clock = threading.Thread(target=self._dispatch, name="sim-webhook-dispatch", daemon=True)
        self._clock.start()

    # -- what the simulator calls (under its lock: only queue work here) --------------------------------------

    def order_changed(self, event_type: str, served: dict[str, Any], extra: dict[str, Any]) -> None:
        body = msgspec.json.encode({**served, **extra})
        faults = self.config.faults
        rng = self._rng
        record = DeliveryRecord(next(self._seq), event_type, int(served.get("id") or 0), body, time.monotonic())
        with self._cond:
            self.records.append(record)
            if rng.random() < faults.p_drop:
                record.dropped = True
                return
            delay = faults.reorder_delay_s if rng.random() < faults.p_reorder else 0.0
            self._push(record.created_at + delay, _Send(record))
            if rng.random() < faults.p_duplicate:
                record.copies = 2
                self._push(record.created_at + delay + rng.uniform(0.0, 0.2), _Send(record))
            attacks = faults.attacks_per_delivery
            while attacks > 0 and rng.random() < attacks:
                self._push(record.created_at, self._forged(body, rng))
                attacks -= 1

    # -- control ------------------------------------------------------------------------------------------

    def flush(self, timeout: float = 60.0) -> bool:
        """Wait until every delivery was answered 200, dropped or given up; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._heap or self._in_flight:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
        return True

    def close(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._clock.join(timeout=5)
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._http.close()

    def summary(self) -> dict[str, Any]:
        with self._cond:
            records = list(self.records)
        return {
            "deliveries": len(records),
            "answered_200": sum(1 for r in records if r.ok_at is not None),
            "dropped": sum(1 for r in records if r.dropped),
            "duplicated": sum(1 for r in records if r.copies > 1),
            "given_up": sum(1 for r in records if r.given_up),
            "attempts": sum(r.attempts for r in records),
            "retries": sum(max(0, r.attempts - r.copies) for r in records),
            "attacks": dict(self.attacks),
        }

    # -- internals ----------------------------------------------------------------------------------------

    def _push(self, due: float, item: _Send | bytes) -> None:
        heapq.heappush(self._heap, (due, next(self._tie), item))
        self._cond.notify_all()

    def _forged(self, body: bytes, rng: random.Random) -> bytes:
        """A forged request, as one JSON line of {"body", "signature"} (decoded when it is sent)."""
        kind = rng.randrange(3)
        if kind == 0:
            return msgspec.json.encode({"body": body.decode(), "signature": None})
        if kind == 1:
            wrong = hmac.new(b"not-the-secret", body, hashlib.sha1).hexdigest()
            return msgspec.json.encode({"body": body.decode(), "signature": wrong})
        changed = body.replace(b'"payed":false', b'"payed":true', 1).replace(b'"price":', b'"price":1', 1)
        return msgspec.json.encode({"body": changed.decode(), "signature": self._sign(body)})

    def _sign(self, body: bytes) -> str:
        return hmac.new(self.config.secret.encode(), body, hashlib.sha1).hexdigest()

    def _dispatch(self) -> None:
        while True:
            with self._cond:
                while not self._stopping and (not self._heap or self._heap[0][0] > time.monotonic()):
                    wait = self._heap[0][0] - time.monotonic() if self._heap else None
                    self._cond.wait(wait)
                if self._stopping:
                    return
                _, _, item = heapq.heappop(self._heap)
                self._in_flight += 1
            try:
                if isinstance(item, _Send):
                    self._pool.submit(self._deliver, item)
                else:
                    self._pool.submit(self._attack, item)
            except RuntimeError:  # the pool is shutting down
                with self._cond:
                    self._in_flight -= 1
                return

    def _post(self, body: bytes, signature: str | None, event_type: str) -> int:
        headers = {
            "Content-Type": "application/json",
            "X-Event-Type": event_type,
            "X-Model-Name": "Order",
            "User-Agent": USER_AGENT,
        }
        if signature is not None:
            headers["X-Signature"] = signature
        try:
            return self._http.post(self.config.url, content=body, headers=headers).status_code
        except httpx.HTTPError:
            return 0

    def _deliver(self, send: _Send) -> None:
        record = send.record
        try:
            status = self._post(record.body, self._sign(record.body), record.event_type)
        finally:
            with self._cond:
                self._in_flight -= 1
                record.attempts += 1
                record.statuses.append(status)
                if status == 200:
                    if record.ok_at is None:
                        record.ok_at = time.monotonic()
                elif send.attempt + 1 < self.config.max_attempts:
                    n = send.attempt + 1
                    self._push(time.monotonic() + n**3 * self.config.time_scale, _Send(record, n))
                elif record.ok_at is None:
                    record.given_up = True
                self._cond.notify_all()

    def _attack(self, forged: bytes) -> None:
        status = -1
        try:
            item = msgspec.json.decode(forged)
            status = self._post(item["body"].encode(), item["signature"], "payed")
        finally:
            with self._cond:
                self.attacks[status] += 1
                self._in_flight -= 1
                self._cond.notify_all()


__all__ = ["DeliveryRecord", "WebhookConfig", "WebhookFaults", "WebhookSender"]
