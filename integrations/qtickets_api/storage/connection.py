"""Opening ClickHouse: a server over HTTP(S) when a host is given, else the embedded engine (chDB).

Both are ``clickhouse-connect`` clients, so every query and insert takes the same path; only the
connection differs. ``Storage`` is the only way the rest of the product talks to ClickHouse: its
methods map every driver error to ``StorageError`` here, at the boundary, so nothing above it catches a
driver exception. The embedded engine allows one process per data directory, so we hold a lock file
there and say so clearly instead of letting the engine fail with a stack trace.
"""

from __future__ import annotations

import errno
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

import clickhouse_connect
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import ClickHouseError, OperationalError
from clickhouse_connect.driver.query import QueryResult

from ..errors import DataDirLockedError, StorageError, StorageQueryError, StorageUnreachableError
from .locks import FileLock

log = logging.getLogger("integrations.qtickets_api")

LOCK_NAME = ".zakaz-engine.lock"
# The embedded engine lives inside a process that may run for months (the service): its caches are sized for a
# machine of its own by default (5 GiB each for marks and primary indexes), and idle threads are kept by the
# thousand. Bounded here so that a long-running process does not grow with every part it ever read.
EMBEDDED_ENGINE_SETTINGS = {
    "mark_cache_size": str(64 * 2**20),
    "primary_index_cache_size": str(64 * 2**20),
    "index_mark_cache_size": str(16 * 2**20),
    "query_condition_cache_size": str(16 * 2**20),
    "compiled_expression_cache_size": str(32 * 2**20),
    "max_thread_pool_free_size": "16",
    "max_parts_cleaning_thread_pool_size": "4",
}
_CODE = re.compile(r"\(([A-Z][A-Z0-9_]+)\)")


@dataclass(frozen=True)
class Target:
    """Where ClickHouse is: ``host`` (``https://host:8443``) for a server, else the embedded ``data_dir``."""

    db: str = "zakaz"
    host: str | None = None
    data_dir: Path = Path("var/clickhouse")
    user: str = "default"
    password: str = field(default="", repr=False)
    verify: bool = True
    ca_bundle: str | None = None

    @property
    def embedded(self) -> bool:
        return not self.host


@dataclass
class Storage:
    """One connection. A connection serves one thread at a time: another thread takes ``another()``."""

    _client: Client = field(repr=False)
    db: str
    target: str
    _lock: FileLock | None = field(default=None, repr=False)
    _open: Callable[[], Client] | None = field(default=None, repr=False)
    schema_ready: bool = field(default=False, repr=False)  # migrations and views applied through this connection

    def another(self) -> Storage:
        """A second connection to the same ClickHouse, for another thread of this process (the embedded engine
        is shared within the process; only the process holds the data directory's lock)."""
        if self._open is None:
            raise StorageError("this connection cannot be duplicated", "open a new one with connect()")
        with self._mapped("connect"):
            return Storage(_client=self._open(), db=self.db, target=self.target, _open=self._open)

    @property
    def embedded(self) -> bool:
        return self.target.startswith("embedded:")

    def query(self, sql: str, parameters: dict[str, Any] | None = None) -> QueryResult:
        with self._mapped(sql):
            return self._client.query(sql, parameters=parameters)

    def rows(self, sql: str, parameters: dict[str, Any] | None = None) -> list[Sequence[Any]]:
        return list(self.query(sql, parameters).result_rows)

    def command(
        self, sql: str, parameters: dict[str, Any] | None = None, *, settings: dict[str, Any] | None = None
    ) -> None:
        with self._mapped(sql):
            self._client.command(sql, parameters=parameters, settings=settings)

    def insert(self, table: str, rows: Sequence[Sequence[Any]], columns: Sequence[str]) -> None:
        with self._mapped(f"INSERT INTO {table}"):
            self._client.insert(f"{self.db}.{table}", rows, column_names=list(columns))

    def insert_lines(
        self,
        table: str,
        columns: Sequence[str],
        block: bytes,
        *,
        fmt: str,
        settings: dict[str, Any],
        compression: str | None,
    ) -> None:
        with self._mapped(f"INSERT INTO {table}"):
            self._client.raw_insert(
                f"{self.db}.{table}", list(columns), block, settings=settings, fmt=fmt, compression=compression
            )

    @contextmanager
    def _mapped(self, what: str) -> Iterator[None]:
        try:
            yield
        except OperationalError as exc:
            hint = (
                "the embedded engine stopped answering: check the free space and rights of its data directory; "
                "finished runs are kept, the next run redoes this one"
                if self.embedded
                else "check that the server is up and reachable; finished runs are kept, the next run redoes this one"
            )
            raise StorageUnreachableError(
                f"ClickHouse at {self.target} failed during {_head(what)}: {_text(exc)}", hint
            ) from None
        except ClickHouseError as exc:
            text = _text(exc)
            match = _CODE.search(text)
            raise StorageQueryError(
                f"ClickHouse failed {_head(what)}: {text}",
                "finished runs are kept; if it recurs, run the statement with the sql command to see more",
                code=match.group(1) if match else "",
            ) from None

    def close(self) -> None:
        try:
            self._client.close()
        finally:
            if self._lock is not None:
                self._lock.release()

    def __enter__(self) -> Storage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _text(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]


def _head(sql: str) -> str:
    words = " ".join(sql.split())
    return words if len(words) <= 60 else words[:57] + "..."


class HasTarget(Protocol):
    """Anything that knows where ClickHouse is, such as ``Settings``."""

    @property
    def clickhouse(self) -> Target: ...


def connect(where: Target | HasTarget) -> Storage:
    """Open ClickHouse as ``where`` says: a ``Target``, or settings (``connect(settings)``)."""
    target = where if isinstance(where, Target) else where.clickhouse
    if target.embedded:
        return _connect_embedded(target.data_dir, target.db)
    return _connect_server(target)


def _connect_embedded(data_dir: Path, db: str) -> Storage:
    data_dir = data_dir.resolve()
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(data_dir / LOCK_NAME)
        acquired = lock.try_acquire()
    except OSError as exc:
        if exc.errno in (errno.ENOTDIR, errno.EEXIST):
            blocker = next((p for p in (data_dir, *data_dir.parents) if p.exists() and not p.is_dir()), data_dir)
            hint = f"{blocker} is a file, not a directory: set CLICKHOUSE_DATA_DIR to a directory this user can write"
        elif exc.errno == errno.EROFS:
            hint = "it is on a read-only file system: set CLICKHOUSE_DATA_DIR to a writable directory"
        else:
            hint = "give this user write access to it, or set CLICKHOUSE_DATA_DIR to a directory it can write"
        raise StorageError(
            f"the embedded ClickHouse data directory {data_dir} cannot be used: {exc.strerror or exc}", hint
        ) from None
    if not acquired:
        raise DataDirLockedError(
            f"the embedded ClickHouse data directory {data_dir} is in use by another process (pid {lock.holder()})",
            "the embedded engine allows one process at a time: wait for it to finish or stop it",
        )

    def open_client() -> Client:
        return clickhouse_connect.get_client(
            interface="chdb", path=str(data_dir), chdb_options=EMBEDDED_ENGINE_SETTINGS
        )

    try:
        import chdb  # noqa: F401  - an extra: a server install (and the image) has no embedded engine
    except ImportError:
        lock.release()
        raise StorageError(
            "the embedded ClickHouse engine is not installed here (no CLICKHOUSE_HOST is set, so it was asked for)",
            "set CLICKHOUSE_HOST to your ClickHouse server, or install the engine: "
            "pip install 'zakaz-dashboard[embedded]' (or -r requirements-embedded.txt)",
        ) from None
    try:
        client = open_client()
    except Exception as exc:
        lock.release()
        text = str(exc)
        if "Unable to open the chdb engine" in text or "EmbeddedServer" in text:
            raise DataDirLockedError(
                f"the embedded ClickHouse data directory {data_dir} could not be opened (another process may hold it)",
                "stop any other program using it, or set CLICKHOUSE_DATA_DIR to another directory",
            ) from None
        raise StorageError(
            f"the embedded ClickHouse engine failed to start in {data_dir}: {text[:200]}",
            "check the free space and rights of that directory, or set CLICKHOUSE_DATA_DIR to another one",
        ) from None
    log.debug("Opened embedded ClickHouse at %s", data_dir)
    return Storage(_client=client, db=db, target=f"embedded:{data_dir}", _lock=lock, _open=open_client)


def _server_options(target: Target, *, user: str, password: str, timeout_s: float) -> dict[str, Any]:
    url = urlparse(target.host or "")
    secure = url.scheme == "https"
    options: dict[str, Any] = {
        "interface": url.scheme,
        "host": url.hostname,
        "port": url.port or (8443 if secure else 8123),
        "username": user,
        "password": password,
        "secure": secure,
        "verify": target.verify,
        "connect_timeout": 10,
        "send_receive_timeout": timeout_s,
        "autogenerate_session_id": False,
    }
    if target.ca_bundle:
        options["ca_cert"] = target.ca_bundle
    return options


def _connect_server(target: Target) -> Storage:
    kwargs = _server_options(target, user=target.user, password=target.password, timeout_s=300)
    where = f"{kwargs['interface']}://{kwargs['host']}:{kwargs['port']}"

    def open_client() -> Client:
        return clickhouse_connect.get_client(**kwargs)

    try:
        client = open_client()
    except ClickHouseError as exc:
        text = _text(exc)
        if "516" in text or "Authentication failed" in text or "AUTHENTICATION_FAILED" in text:
            raise StorageUnreachableError(
                f"ClickHouse at {where} refused the credentials of user {target.user!r}",
                "check CLICKHOUSE_USER and CLICKHOUSE_PASSWORD",
            ) from None
        raise StorageUnreachableError(
            f"ClickHouse at {where} is unreachable: {text[:200]}",
            "check CLICKHOUSE_HOST, the network and the server; nothing was written",
        ) from None
    return Storage(_client=client, db=target.db, target=where, _open=open_client)


READ_ONLY = {"readonly": "2"}  # no write and no DDL; the tool may still set query settings (DataLens needs that)


def connect_reader(target: Target, *, user: str | None = None, password: str | None = None) -> Storage:
    """A read-only connection: ``readonly = 2`` on its session, so any write or DDL is refused by ClickHouse.

    On the embedded engine it is another client of the engine this process already opened (with ``connect``);
    against a server it connects as ``user`` (the ``bi_reader`` of deploy/clickhouse/bootstrap.sql), or as the
    target's user when none is given.
    """
    if target.embedded:
        path = str(target.data_dir.resolve())

        def open_embedded() -> Client:
            return clickhouse_connect.get_client(
                interface="chdb", path=path, chdb_options=EMBEDDED_ENGINE_SETTINGS, settings=dict(READ_ONLY)
            )

        storage = Storage(_client=open_embedded(), db=target.db, target=f"embedded:{path} (read-only)")
        storage._open = open_embedded
        return storage
    who = user if user is not None else target.user
    secret = password if password is not None else target.password
    kwargs = {**_server_options(target, user=who, password=secret, timeout_s=30), "settings": dict(READ_ONLY)}
    where = f"{kwargs['interface']}://{kwargs['host']}:{kwargs['port']} as {who}"

    def open_client() -> Client:
        return clickhouse_connect.get_client(**kwargs)

    try:
        client = open_client()
    except ClickHouseError as exc:
        raise StorageUnreachableError(
            f"ClickHouse at {where} refused the dashboard's reader: {_text(exc)[:200]}",
            "check DASHBOARD_CLICKHOUSE_USER and DASHBOARD_CLICKHOUSE_PASSWORD (the bi_reader user)",
        ) from None
    return Storage(_client=client, db=target.db, target=where, _open=open_client)
