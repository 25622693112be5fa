"""Idempotent writes of staging rows: an order version already stored is never inserted again.

Baskets go in before their order row: the order row is the commit mark, so a run killed between
the two inserts leaves an order version that the next run still sees as new and writes again.

Orders and baskets, the bulk of a backfill, go in as ``JSONCompactEachRow`` text encoded by msgspec
and parsed by ClickHouse, rather than as Native blocks built value by value in Python: a third of the
insert time, and the raw payload is embedded as the JSON object it is (read into its String column
as text) instead of being escaped into a string and unescaped again. Values are still data, never
SQL: the statement text holds only our table and column names.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import lz4.frame

from ..encoded_orders import EncodedOrders
from ..transform import (
    BASKET_COLUMNS,
    EVENT_COLUMNS,
    RAW_COLUMNS,
    REJECT_COLUMNS,
    SHOW_COLUMNS,
)
from .connection import Storage

RAW = "stg_qtickets_api_orders_raw"
BASKETS = "stg_qtickets_api_baskets"
REJECTS = "stg_qtickets_api_rejects"
EVENTS = "dim_qtickets_api_events"
SHOWS = "dim_qtickets_api_shows"

JSON_INSERT_SETTINGS = {
    "date_time_input_format": "best_effort",  # RFC 3339 with an offset, as msgspec writes datetimes
    "input_format_json_read_objects_as_strings": 1,  # the payload object -> its text
    "input_format_parallel_parsing": 0,
}


class StagingWriter:
    def __init__(self, storage: Storage) -> None:
        self.client = storage.client
        self.db = storage.db
        # over the network the text is compressed (lz4: cheap, and every ClickHouse server reads it)
        self._compress = not storage.target.startswith("embedded:")

    def _insert(self, table: str, rows: list[list[Any]], columns: tuple[str, ...]) -> int:
        if rows:
            self.client.insert(f"{self.db}.{table}", rows, column_names=list(columns))
        return len(rows)

    def write_orders(self, batch: EncodedOrders) -> tuple[int, int]:
        """Insert the order versions not stored yet; returns (order rows, basket rows) written."""
        if not batch.keys:
            return 0, 0
        ids = sorted({order_id for order_id, _ in batch.keys})
        stored = {
            (r[0], r[1])
            for r in self.client.query(
                f"SELECT order_id, version FROM {self.db}.{RAW} WHERE order_id IN {{ids:Array(UInt64)}}",
                parameters={"ids": ids},
            ).result_rows
        }
        seen: set[tuple[int, int]] = set()
        new: list[int] = []
        for n, key in enumerate(batch.keys):
            if key not in stored and key not in seen:
                seen.add(key)
                new.append(n)
        self._insert_lines(BASKETS, b"".join(batch.basket_lines[n] for n in new), BASKET_COLUMNS)
        self._insert_lines(RAW, b"".join(batch.raw_lines[n] for n in new), RAW_COLUMNS)
        return len(new), sum(batch.basket_counts[n] for n in new)

    def _insert_lines(self, table: str, block: bytes, columns: tuple[str, ...]) -> None:
        if not block:
            return
        compression = None
        if self._compress:
            block, compression = lz4.frame.compress(block), "lz4"
        self.client.raw_insert(
            f"{self.db}.{table}",
            list(columns),
            block,
            settings=JSON_INSERT_SETTINGS,
            fmt="JSONCompactEachRow",
            compression=compression,
        )

    def write_rejects(self, rows: list[list[Any]]) -> int:
        return self._insert(REJECTS, rows, REJECT_COLUMNS)

    def write_dimension(self, table: str, key: str, rows: list[list[Any]], columns: tuple[str, ...]) -> list[int]:
        """Insert rows whose content changed since the stored version; returns the changed keys."""
        if not rows:
            return []
        stored: dict[Any, Any] = dict(
            (r[0], r[1])
            for r in self.client.query(
                f"SELECT {key}, argMax(row_hash, version) FROM {self.db}.{table} GROUP BY {key}"
            ).result_rows
        )
        hash_at = columns.index("row_hash")
        changed = [row for row in rows if stored.get(row[0]) != row[hash_at]]
        self._insert(table, changed, columns)
        return [row[0] for row in changed]

    def write_events(self, rows: list[list[Any]]) -> list[int]:
        return self.write_dimension(EVENTS, "event_id", rows, EVENT_COLUMNS)

    def write_shows(self, rows: list[list[Any]]) -> list[int]:
        return self.write_dimension(SHOWS, "show_id", rows, SHOW_COLUMNS)

    def known_event_ids(self) -> set[int]:
        return {r[0] for r in self.client.query(f"SELECT DISTINCT event_id FROM {self.db}.{EVENTS}").result_rows}

    def set_state(self, key: str, value: str, at: datetime) -> None:
        self.client.insert(
            f"{self.db}.meta_loader_state", [[key, value, at]], column_names=["key", "value", "updated_at"]
        )

    def get_state(self, key: str) -> str | None:
        rows = self.client.query(
            f"SELECT argMax(value, updated_at) FROM {self.db}.meta_loader_state WHERE key = {{k:String}} GROUP BY key",
            parameters={"k": key},
        ).result_rows
        return str(rows[0][0]) if rows else None
