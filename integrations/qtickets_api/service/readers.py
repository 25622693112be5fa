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
from urllib.parse import urlparse

import clickhouse_connect
from clickhouse_connect.driver.exceptions import ClickHouseError

from ..errors import StorageUnreachableError
from ..storage import Storage, Target

READONLY = {"readonly": "2"}
DEFAULT_SIZE = 4


@dataclass(frozen=True)
class ReaderCredentials:
    user: str
    password: str = field(default="", repr=False)


class ReaderPool:
    """``rows(sql, parameters)`` on a free read-only session; ``close()`` closes them all."""

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
        target = self._target
        if target.embedded:
            client = clickhouse_connect.get_client(
                interface="chdb", path=str(target.data_dir.resolve()), settings=dict(READONLY)
            )
            return Storage(_client=client, db=target.db, target=f"embedded:{target.data_dir} (read-only)")
        url = urlparse(target.host or "")
        secure = url.scheme == "https"
        port = url.port or (8443 if secure else 8123)
        user = self._credentials.user if self._credentials else target.user
        password = self._credentials.password if self._credentials else target.password
        kwargs: dict[str, Any] = {
            "interface": url.scheme,
            "host": url.hostname,
            "port": port,
            "username": user,
            "password": password,
            "secure": secure,
            "verify": target.verify,
            "connect_timeout": 10,
            "send_receive_timeout": 30,
            "autogenerate_session_id": False,
            "settings": dict(READONLY),
        }
        if target.ca_bundle:
            kwargs["ca_cert"] = target.ca_bundle
        try:
            client = clickhouse_connect.get_client(**kwargs)
        except ClickHouseError as exc:
            raise StorageUnreachableError(
                f"ClickHouse at {url.scheme}://{url.hostname}:{port} refused the dashboard's reader {user!r}: "
                f"{' '.join(str(exc).split())[:200]}",
                "check DASHBOARD_CLICKHOUSE_USER / DASHBOARD_CLICKHOUSE_PASSWORD (the bi_reader user)",
            ) from None
        return Storage(_client=client, db=target.db, target=f"{url.scheme}://{url.hostname}:{port} as {user}")
