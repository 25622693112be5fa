"""QTickets webhooks into the service: verify (``verify``), tell an order from anything else (``parse``), store it
before answering (``store``), and refresh the facts it touches (``refresh``); ``receiver`` is the endpoint."""

from .parse import EVENT_TYPES, Delivery, Refusal, parse
from .receiver import MAX_BYTES, Receiver, ReceiverStats
from .refresh import Refresher, RefreshStats
from .store import StoreStats, StoreUnavailable, WebhookStore
from .verify import sign, signature_ok

__all__ = [
    "EVENT_TYPES",
    "MAX_BYTES",
    "Delivery",
    "Receiver",
    "ReceiverStats",
    "RefreshStats",
    "Refresher",
    "Refusal",
    "StoreStats",
    "StoreUnavailable",
    "WebhookStore",
    "parse",
    "sign",
    "signature_ok",
]
