"""Opening ClickHouse: a server over HTTP(S) when CLICKHOUSE_HOST is set, else the embedded engine.

Both are ``clickhouse-connect`` clients, so every query and insert takes the same path; only the
connection differs. The embedded engine (chDB) allows one process per data directory, so we hold a
lock file there and say so clearly instead of letting the engine fail with a stack trace.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import clickhouse_connect
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import ClickHouseError

from ..config import Settings
from ..errors import DataDirLocked, StorageError, StorageUnreachable
from .locks import FileLock

log = logging.getLogger("integrations.qtickets_api")

LOCK_NAME = ".zakaz-engine.lock"


@dataclass
class Storage:
    client: Client
    db: str
    target: str
    _lock: FileLock | None = field(default=None, repr=False)

    def close(self) -> None:
        try:
            self.client.close()
        finally:
            if self._lock is not None:
                self._lock.release()

    def __enter__(self) -> Storage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect(settings: Settings) -> Storage:
    if settings.uses_embedded_clickhouse:
        return _connect_embedded(settings.clickhouse_data_dir, settings.clickhouse_db)
    return _connect_server(settings)


def _connect_embedded(data_dir: Path, db: str) -> Storage:
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(data_dir / LOCK_NAME)
    if not lock.try_acquire():
        raise DataDirLocked(
            f"the embedded ClickHouse data directory {data_dir} is in use by another process (pid {lock.holder()})",
            "the embedded engine allows one process at a time: wait for it to finish or stop it",
        )
    try:
        client = clickhouse_connect.get_client(interface="chdb", path=str(data_dir))
    except Exception as exc:
        lock.release()
        text = str(exc)
        if "Unable to open the chdb engine" in text or "EmbeddedServer" in text:
            raise DataDirLocked(
                f"the embedded ClickHouse data directory {data_dir} could not be opened (another process may hold it)",
                "stop any other program using it, or set CLICKHOUSE_DATA_DIR to another directory",
            ) from None
        raise StorageError(f"the embedded ClickHouse engine failed to start: {text[:200]}", "") from None
    log.debug("Opened embedded ClickHouse at %s", data_dir)
    return Storage(client=client, db=db, target=f"embedded:{data_dir}", _lock=lock)


def _connect_server(settings: Settings) -> Storage:
    url = urlparse(settings.clickhouse_host or "")
    secure = url.scheme == "https"
    kwargs: dict[str, Any] = {
        "interface": url.scheme,
        "host": url.hostname,
        "port": url.port or (8443 if secure else 8123),
        "username": settings.clickhouse_user,
        "password": settings.clickhouse_password,
        "secure": secure,
        "verify": settings.clickhouse_verify,
        "connect_timeout": 10,
        "send_receive_timeout": 300,
        "autogenerate_session_id": False,
    }
    if settings.clickhouse_ca_bundle:
        kwargs["ca_cert"] = settings.clickhouse_ca_bundle
    target = f"{url.scheme}://{url.hostname}:{kwargs['port']}"
    try:
        client = clickhouse_connect.get_client(**kwargs)
    except ClickHouseError as exc:
        text = " ".join(str(exc).split())
        if "516" in text or "Authentication failed" in text or "AUTHENTICATION_FAILED" in text:
            raise StorageUnreachable(
                f"ClickHouse at {target} refused the credentials of user {settings.clickhouse_user!r}",
                "check CLICKHOUSE_USER and CLICKHOUSE_PASSWORD",
            ) from None
        raise StorageUnreachable(
            f"ClickHouse at {target} is unreachable: {text[:200]}",
            "check CLICKHOUSE_HOST, the network and the server; nothing was written",
        ) from None
    return Storage(client=client, db=settings.clickhouse_db, target=target)
