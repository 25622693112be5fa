"""Idempotent writes of staging rows: an order version already stored is never inserted again.

Baskets go in before their order row: the order row is the commit mark, so a run killed between
the two inserts leaves an order version that the next run still sees as new and writes again.

Orders and baskets, the bulk of a backfill, go in as ``JSONCompactEachRow`` text (``OrderLines``, encoded
by the ingest layer with msgspec and parsed by ClickHouse), rather than as Native blocks built value by
value in Python: a third of the insert time, and the raw payload is embedded as the JSON object it is
instead of being escaped into a string and unescaped again. Values are still data, never SQL: the
statement text holds only our table and column names.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from clickhouse_connect.driver.compression import get_compressor

from . import schema
from .connection import Storage
from .schema import Table

# "Which of these versions are new?" then "insert them" must not interleave with another writer of this process
# (the service stores webhooks on one thread while a scheduled run writes on another), or both would store one
# version. Reentrant: a caller that asked already may hold it around the insert.
STORE_LOCK = threading.RLock()

JSON_INSERT_SETTINGS = {
    "date_time_input_format": "best_effort",  # RFC 3339 with an offset, as msgspec writes datetimes
    "input_format_json_read_objects_as_strings": 1,  # the payload object -> its text
    "input_format_parallel_parsing": 0,
}


@dataclass
class OrderLines:
    """Orders ready to insert: per order its key, its raw-table line and its baskets' lines."""

    keys: list[tuple[int, int]] = field(default_factory=list)  # (order_id, version), one per order
    raw_lines: list[bytes] = field(default_factory=list)  # the order's ORDERS_RAW line
    basket_lines: list[bytes] = field(default_factory=list)  # its BASKETS lines (b"" when none)
    basket_counts: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.keys)

    def extend(self, other: OrderLines) -> None:
        self.keys += other.keys
        self.raw_lines += other.raw_lines
        self.basket_lines += other.basket_lines
        self.basket_counts += other.basket_counts


class StagingWriter:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.db = storage.db
        # over the network the text is compressed (lz4: cheap, and every ClickHouse server reads it); a raw insert
        # takes its block already compressed, by clickhouse-connect's own compressor
        self._compress = not storage.embedded

    def _insert(self, table: Table, rows: Sequence[Sequence[Any]]) -> int:
        if rows:
            self.storage.insert(table.name, rows, table.columns)
        return len(rows)

    def write_orders(self, batch: OrderLines) -> tuple[int, int]:
        """Insert the order versions not stored yet; returns (order rows, basket rows) written."""
        if not batch.keys:
            return 0, 0
        with STORE_LOCK:
            new = self.new_versions(batch)
            self._insert_lines(schema.BASKETS, b"".join(batch.basket_lines[n] for n in new))
            self._insert_lines(schema.ORDERS_RAW, b"".join(batch.raw_lines[n] for n in new))
        return len(new), sum(batch.basket_counts[n] for n in new)

    def new_versions(self, batch: OrderLines) -> list[int]:
        """Positions in ``batch`` of the order versions not stored yet (each once). Reads only."""
        if not batch.keys:
            return []
        ids = sorted({order_id for order_id, _ in batch.keys})
        stored = {
            (r[0], r[1])
            for r in self.storage.rows(
                f"SELECT order_id, version FROM {self.db}.{schema.ORDERS_RAW} WHERE order_id IN {{ids:Array(UInt64)}}",
                {"ids": ids},
            )
        }
        seen: set[tuple[int, int]] = set()
        new: list[int] = []
        for n, key in enumerate(batch.keys):
            if key not in stored and key not in seen:
                seen.add(key)
                new.append(n)
        return new

    def _insert_lines(self, table: Table, block: bytes) -> None:
        if not block:
            return
        compression = None
        if self._compress:
            block, compression = bytes(get_compressor("lz4").compress_block(block)), "lz4"
        self.storage.insert_lines(
            table.name,
            table.columns,
            block,
            settings=JSON_INSERT_SETTINGS,
            fmt="JSONCompactEachRow",
            compression=compression,
        )

    def write_rejects(self, rows: Sequence[Sequence[Any]]) -> int:
        """Insert the rejects not stored yet (the same record rejected by every overlapping run is stored once)."""
        if not rows:
            return 0
        at = schema.REJECTS.columns.index
        entity, entity_id, key = at("entity"), at("entity_id"), at("record_key")
        stored = {
            (r[0], r[1], r[2])
            for r in self.storage.rows(
                f"SELECT entity, entity_id, record_key FROM {self.db}.{schema.REJECTS} "
                "WHERE entity_id IN {ids:Array(String)}",
                {"ids": sorted({str(row[entity_id]) for row in rows})},
            )
        }
        new, seen = [], set()
        for row in rows:
            ident = (row[entity], row[entity_id], row[key])
            if ident not in stored and ident not in seen:
                seen.add(ident)
                new.append(row)
        return self._insert(schema.REJECTS, new)

    def write_dimension(self, table: Table, rows: Sequence[Sequence[Any]]) -> list[int]:
        """Insert rows whose content changed since the stored version; returns the changed keys."""
        if not rows:
            return []
        key = table.columns[0]
        stored: dict[Any, Any] = {
            r[0]: r[1]
            for r in self.storage.rows(f"SELECT {key}, argMax(row_hash, version) FROM {self.db}.{table} GROUP BY {key}")
        }
        hash_at = table.columns.index("row_hash")
        changed = [row for row in rows if stored.get(row[0]) != row[hash_at]]
        self._insert(table, changed)
        return [row[0] for row in changed]

    def known_event_ids(self) -> set[int]:
        return {r[0] for r in self.storage.rows(f"SELECT DISTINCT event_id FROM {self.db}.{schema.EVENTS}")}
