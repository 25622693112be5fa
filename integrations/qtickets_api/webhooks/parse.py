"""What a signed webhook body is: an Order object (no ``data`` wrapper), with the headers QTickets sends.

The event type says why QTickets sent it, but the body is the whole order as it is now, so the receiver stores
the state and never acts on the type: a ``payed`` that arrives before its ``created`` stores the same order. What
is not an order at all (not JSON, not an object, no id, another model) is refused with 400; an order that fails
the loader's validation is the loader's business (a reject row) and is acknowledged.
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

EVENT_TYPES = frozenset({"created", "updated", "payed", "deleted", "refunded", "checked"})
MODEL = "Order"


class _Head(msgspec.Struct):
    """Just enough of the body to tell an order from anything else."""

    id: object = None


@dataclass(frozen=True)
class Delivery:
    order_id: int
    event_type: str  # as sent; "" when absent (the state in the body is what counts)
    body: bytes


@dataclass(frozen=True)
class Refusal:
    status: int
    reason: str  # one short line, safe to answer and to log (never any of the body)


_HEAD = msgspec.json.Decoder(_Head)


def parse(body: bytes, *, event_type: str | None, model: str | None) -> Delivery | Refusal:
    if model is not None and model.strip() and model.strip() != MODEL:
        return Refusal(400, f"X-Model-Name is not {MODEL}")
    try:
        head = _HEAD.decode(body)
    except msgspec.ValidationError:
        return Refusal(400, "the body is not a JSON object")
    except msgspec.DecodeError:
        return Refusal(400, "the body is not JSON")
    order_id = head.id
    if isinstance(order_id, str) and order_id.isdigit():
        order_id = int(order_id)
    if not isinstance(order_id, int) or isinstance(order_id, bool) or order_id <= 0:
        return Refusal(400, "the body is not an order (no id)")
    return Delivery(order_id, (event_type or "").strip().lower()[:32], body)
