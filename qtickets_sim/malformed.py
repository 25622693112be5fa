"""Orders served with broken fields, as a buggy serializer on the real server might send them.

The stored order stays correct (filters and sorting still see the true values); only what goes on the wire
differs, and always the same way for the same order.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from .orders import Order

KINDS = ("price_not_a_number", "missing_id", "payed_at_not_a_date", "baskets_not_a_list", "quantity_not_a_number")


def choose(seed: int, count: int, orders: Sequence[Order]) -> dict[int, str]:
    """``count`` paid orders (so that they matter to sales figures), each with the kind of damage it gets."""
    if count <= 0:
        return {}
    candidates = [order["id"] for order in orders if order["payed"] and order["baskets"]]
    rng = random.Random(f"qtickets-sim:{seed}:malformed")
    chosen = sorted(rng.sample(candidates, min(count, len(candidates))))
    return {order_id: KINDS[position % len(KINDS)] for position, order_id in enumerate(chosen)}


def damage(order: Order, kind: str) -> dict[str, Any]:
    """A broken copy of the order; the stored order is not touched."""
    served = dict(order)
    baskets = [dict(basket) for basket in order["baskets"]]
    served["baskets"] = baskets
    if kind == "price_not_a_number":
        served["price"] = f"{order['price']} руб."
        baskets[0]["price"] = f"{baskets[0]['price']:,} руб.".replace(",", " ")
    elif kind == "missing_id":
        del served["id"]
    elif kind == "payed_at_not_a_date":
        served["payed_at"] = "0000-00-00 00:00:00"
    elif kind == "baskets_not_a_list":
        served["baskets"] = {str(basket["id"]): basket for basket in baskets}
    elif kind == "quantity_not_a_number":
        baskets[0]["quantity"] = f"{baskets[0]['quantity']} шт."
    return served
