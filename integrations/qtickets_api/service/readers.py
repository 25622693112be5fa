"""Read-only ClickHouse sessions for the dashboard: a small pool, one query per session at a time.

On the embedded engine the service's process already holds the data directory; chDB lets more clients open the
same path inside that process, each with its own session, so every reader here is such a client with
``readonly = 2`` set on its session (writes and DDL refused; the readonly level itself cannot be lowered). Against
a server each reader is an HTTP client, as ``DASHBOARD_CLICKHOUSE_USER`` (``bi_reader``) when that is set, with the
same setting on every query. A thread borrows a session for one query and gives it back, so queries run in
parallel up to the pool's size, and never two at once on one session.
"""

from __future__ import annotations

import queue
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ..storage import Storage, Target, connect_reader

DEFAULT_SIZE = 4


@dataclass(frozen=True)
class ReaderCredentials:
    user: str
    password: str = field(default="", repr=False)


class ReaderPool:
    """``rows(sql, parameters)`` (or ``query(sql)``) on a free read-only session; ``close()`` closes them all."""

    def __init__(self, target: Target, *, size: int = DEFAULT_SIZE, credentials: ReaderCredentials | None = None):
        self.db = target.db
        self._target = target
        self._credentials = credentials
        self._free: queue.Queue[Storage] = queue.Queue()
        self._all: list[Storage] = []
        for _ in range(size):
            session = self._open()
            self._all.append(session)
            self._free.put(session)

    def rows(self, sql: str, parameters: Mapping[str, Any] | None = None) -> list[Sequence[Any]]:
        with self._session() as session:
            return session.rows(sql, dict(parameters) if parameters else None)

    def query(self, sql: str) -> tuple[list[str], list[Sequence[Any]]]:
        """Column names and rows of one statement (the ``sql`` command's statements through the service)."""
        with self._session() as session:
            result = session.query(sql)
            return list(result.column_names), list(result.result_rows)

    @contextmanager
    def _session(self) -> Iterator[Storage]:
        session = self._free.get()
        try:
            yield session
        finally:
            self._free.put(session)

    def close(self) -> None:
        for session in self._all:
            session.close()
        self._all.clear()

    def _open(self) -> Storage:
        credentials = self._credentials
        return connect_reader(
            self._target,
            user=credentials.user if credentials else None,
            password=credentials.password if credentials else None,
        )
