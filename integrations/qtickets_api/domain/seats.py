"""Seats left in a show, counted from its seat map (``GET /shows/{id}/seats``), per show and per zone.

Pure counting, no I/O. Each physical seat counts once (``root_id``: tariffs repeat a seat); general
admission counts by quantity; disabled seats count nowhere. A seat sold without a quantity (an
exhibition's tariff: one record, ``max_quantity`` empty) has no known capacity: its zone's capacity and
seats left are ``None``, never 0, and so are the show's unless every zone's capacity is known.
A seat's zone is the part of its seat id before the last ``-``, as for the baskets that sell it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec

from .records import flag

_DECODER = msgspec.json.Decoder()


@dataclass(frozen=True)
class ZoneSeats:
    capacity: int | None  # None: unknown
    left: int | None
    paid: int
    reserved: int


@dataclass(frozen=True)
class Inventory:
    tickets_total: int | None  # None: some zone's capacity is unknown
    tickets_left: int | None
    tickets_paid: int
    tickets_reserved: int
    records: int
    zones: dict[str, ZoneSeats] = field(default_factory=dict)

    @property
    def capacity_known(self) -> bool:
        return self.tickets_total is not None


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


class _Seat(msgspec.Struct, gc=False):
    """The fields of a seat record that inventory counts (the flat form's values). Untracked by the garbage
    collector (decoded JSON holds no cycles): a run decodes ~26k of them, and tracking them set off collections."""

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
    acc: dict[str, list[int | None]] = {}  # zone -> [capacity, left, paid, reserved]
    # the quantities are almost always plain non-negative ints: those skip the general rules' calls (a third of a
    # 15-minute run's counting); anything else (a string, a bool, a negative, a blank) takes _qty / _qty_or_none
    for root, seat in by_root.items():
        disabled = seat.disabled
        if disabled is not False and flag(disabled):
            continue
        zone = acc.setdefault(_zone(root), [0, 0, 0, 0])
        capacity = seat.max_quantity
        if type(capacity) is not int or capacity < 0:
            capacity = _qty_or_none(capacity)
        if capacity is None or zone[0] is None:
            zone[0] = zone[1] = None
        else:
            zone[0] += capacity
            zone[1] = (zone[1] or 0) + _int(seat.free_quantity)
        zone[2] = (zone[2] or 0) + _int(seat.payed_quantity)
        zone[3] = (zone[3] or 0) + _int(seat.ordered_quantity) + _int(seat.in_basket_quantity)
    zones = {
        name: ZoneSeats(
            capacity=cap,
            left=None if cap is None or left is None else min(left, cap),
            paid=int(paid or 0),
            reserved=int(reserved or 0),
        )
        for name, (cap, left, paid, reserved) in acc.items()
    }
    known = all(z.capacity is not None for z in zones.values())
    total = sum(z.capacity or 0 for z in zones.values()) if known else None
    left_all = sum(z.left or 0 for z in zones.values()) if known else None
    paid_all = sum(z.paid for z in zones.values())
    reserved_all = sum(z.reserved for z in zones.values())
    return Inventory(total, left_all, paid_all, reserved_all, len(records), zones)


def _zone(seat_id: str) -> str:
    return seat_id.rsplit("-", 1)[0] if "-" in seat_id else seat_id


def _int(value: Any) -> int:
    return value if type(value) is int and value >= 0 else _qty(value)


def _qty(value: Any) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0


def _qty_or_none(value: Any) -> int | None:
    """A capacity: ``None`` when the API left it empty (sold without a quantity)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return None
