"""Seats left in a show, counted from its seat map (``GET /shows/{id}/seats``).

Pure counting, no I/O. Each physical seat counts once (``root_id``: tariffs repeat a seat); general
admission counts by quantity; disabled seats count nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from .records import flag

_DECODER = msgspec.json.Decoder()


@dataclass(frozen=True)
class Inventory:
    tickets_total: int
    tickets_left: int
    tickets_paid: int
    tickets_reserved: int
    records: int


def seat_records(data: Any) -> list[dict[str, Any]]:
    """Seat records from either answer form: flat (keyed by seat id) or a tree of zones holding seats."""
    out: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "max_quantity" in node or "free_quantity" in node:
                out.append(node)
                return
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(data)
    return out


class _Seat(msgspec.Struct):
    """The fields of a seat record that inventory counts (the flat form's values)."""

    id: Any = None
    root_id: Any = None
    disabled: Any = False
    max_quantity: Any = None
    free_quantity: Any = None
    payed_quantity: Any = None
    ordered_quantity: Any = None
    in_basket_quantity: Any = None


_FLAT_SEATS = msgspec.json.Decoder(dict[str, _Seat])


def inventory(data: Any) -> Inventory:
    """Each physical seat once (``root_id``: tariffs repeat a seat), general admission by quantity.

    ``data`` is the ``data`` of a seats answer, parsed or as JSON text. The flat form as text is read
    straight into the few fields counted (a big hall's answer is a megabyte of records); anything
    else takes the generic walk over both answer forms.
    """
    if isinstance(data, (bytes, msgspec.Raw)):
        try:
            flat = _FLAT_SEATS.decode(data)
        except msgspec.ValidationError:
            flat = None
        if flat is not None and all(s.max_quantity is not None or s.free_quantity is not None for s in flat.values()):
            return _count_seats(list(flat.values()))
        data = _DECODER.decode(data)
    return _count_seats([msgspec.convert(record, _Seat) for record in seat_records(data)])


def _count_seats(records: list[_Seat]) -> Inventory:
    by_root: dict[str, _Seat] = {}
    for seat in records:
        root = seat.root_id or seat.id
        if root is None:
            continue
        by_root.setdefault(str(root), seat)
    total = left = paid = reserved = 0
    for seat in by_root.values():
        if flag(seat.disabled):
            continue
        total += _qty(seat.max_quantity)
        left += _qty(seat.free_quantity)
        paid += _qty(seat.payed_quantity)
        reserved += _qty(seat.ordered_quantity) + _qty(seat.in_basket_quantity)
    return Inventory(total, min(left, total) if total else left, paid, reserved, len(records))


def _qty(value: Any) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0
