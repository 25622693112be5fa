"""Orders that arrive one at a time (webhooks) through the loader's own path, and the inventory of a few shows.

``write_order_texts`` takes order JSON texts exactly as QTickets sent them and stores them as a loader page would
be stored (``encode_orders``: the allowlisted payload, the same versions, the same rejects; ``StagingWriter``: an
order version already stored is not stored again), telling per text what became of it. ``refresh_show_inventory``
reads the seats of some shows and swaps their rows of the inventory facts, keeping every other show's rows.

Neither rebuilds the sales facts: ``storage.facts.rebuild_sales`` finds the new versions by their ``_loaded_at``,
so the caller stamps them later than anything already built (``stamp_floor``) and runs the rebuild under the run
lease.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from ..api.client import QTicketsClient
from ..domain.records import decode_order
from ..domain.seats import inventory
from ..errors import InvalidRecordError, ZakazError
from ..storage import facts, schema
from ..storage.connection import Storage
from ..storage.lease import Fence
from ..storage.staging import STORE_LOCK, OrderLines, StagingWriter
from ..storage.state import get_state
from .encode import EncodedOrders, encode_orders


@dataclass(frozen=True)
class OrderOutcome:
    order_id: int | None
    version: int | None  # None: rejected
    stored: bool  # a new version was written (False: already stored, or rejected)
    reject_reason: str = ""
    show_ids: tuple[int, ...] = ()


@dataclass
class WrittenOrders:
    outcomes: list[OrderOutcome] = field(default_factory=list)
    order_rows: int = 0
    basket_rows: int = 0
    rejects_stored: int = 0


def stamp_floor(storage: Storage) -> datetime | None:
    """The earliest ``_loaded_at`` the next fact rebuild still picks up: just after its watermark."""
    watermark = get_state(storage, facts.WATERMARK)
    if not watermark:
        return None
    return datetime.fromisoformat(watermark).replace(tzinfo=UTC) + timedelta(milliseconds=1)


def write_order_texts(storage: Storage, texts: Sequence[bytes], *, run_id: str, loaded_at: datetime) -> WrittenOrders:
    """Store the orders in ``texts`` (baskets first, the order row last, as the loader does) and their rejects."""
    out = WrittenOrders()
    batch = EncodedOrders()
    keys: list[tuple[int, int] | None] = []
    for text in texts:
        one = encode_orders([text], run_id=run_id, loaded_at=loaded_at)
        if one.rejects:
            row = one.rejects[0]
            entity_id = str(row[schema.REJECTS.columns.index("entity_id")])
            reason = str(row[schema.REJECTS.columns.index("reason")])
            out.outcomes.append(OrderOutcome(int(entity_id) if entity_id.isdigit() else None, None, False, reason))
            keys.append(None)
        else:
            order_id, version = one.lines.keys[0]
            out.outcomes.append(OrderOutcome(order_id, version, False, show_ids=_show_ids(text)))
            keys.append((order_id, version))
        batch.extend(one)
    writer = StagingWriter(storage)
    with STORE_LOCK:  # no scheduled run's write between the check and the insert
        new = writer.new_versions(batch.lines)
        out.order_rows, out.basket_rows = _Known(storage, new).write_orders(batch.lines)
    stored_keys = {batch.lines.keys[n] for n in new}
    out.rejects_stored = writer.write_rejects(batch.rejects)
    first: set[tuple[int, int]] = set()
    for n, key in enumerate(keys):
        if key is not None and key in stored_keys and key not in first:
            first.add(key)
            outcome = out.outcomes[n]
            out.outcomes[n] = OrderOutcome(outcome.order_id, outcome.version, True, show_ids=outcome.show_ids)
    return out


class _Known(StagingWriter):
    """``write_orders`` with the new versions already found (one read of the stored versions per batch, not two)."""

    def __init__(self, storage: Storage, new: list[int]) -> None:
        super().__init__(storage)
        self._new = new

    def new_versions(self, batch: OrderLines) -> list[int]:
        return self._new


def _show_ids(text: bytes) -> tuple[int, ...]:
    try:
        order = decode_order(text)
    except InvalidRecordError:
        return ()
    return tuple(sorted({basket.show_id for basket in order.baskets}))


_INVENTORY_HEAD = "snapshot_at, city, event_id, event_name, show_id, show_start"


def refresh_show_inventory(
    storage: Storage,
    client: QTicketsClient,
    show_ids: Iterable[int],
    *,
    run_id: str,
    now: datetime | None = None,
    fence: Fence | None = None,
) -> list[int]:
    """Re-read the seats of those of ``show_ids`` the inventory facts list (live shows, not over) and swap in
    their new rows; every other show keeps its rows. Returns the shows refreshed. A show whose seats cannot be
    read keeps its rows too (the next loader run reads it again)."""
    wanted = sorted(set(show_ids))
    if not wanted:
        return []
    db = storage.db
    listed = {
        int(r[4]): r
        for r in storage.rows(
            f"SELECT {_INVENTORY_HEAD} FROM {db}.{schema.INVENTORY} WHERE show_id IN {{ids:Array(UInt64)}}",
            {"ids": wanted},
        )
    }
    if not listed:
        return []
    at = now or datetime.now(UTC)
    snapshots: list[facts.ShowSnapshot] = []
    for show_id, head in sorted(listed.items()):
        try:
            inv = inventory(client.get_seats(show_id))
        except ZakazError:
            continue
        if inv.records == 0:
            continue
        row = [
            at, head[1], head[2], head[3], show_id, head[5], inv.tickets_total, inv.tickets_left, inv.tickets_paid,
            inv.tickets_reserved, int(inv.capacity_known), inv.records, run_id,
        ]  # fmt: skip
        zones = [
            [at, show_id, name, z.capacity, z.left, z.paid, z.reserved, run_id] for name, z in sorted(inv.zones.items())
        ]
        snapshots.append(facts.ShowSnapshot(row, zones))
    if not snapshots:
        return []
    fresh = {int(s.row[4]) for s in snapshots}
    keep = [int(r[0]) for r in storage.rows(f"SELECT DISTINCT show_id FROM {db}.{schema.INVENTORY}")]
    facts.replace_inventory(storage, snapshots, [s for s in keep if s not in fresh], fence=fence)
    return sorted(fresh)
