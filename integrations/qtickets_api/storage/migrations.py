"""Versioned schema migrations: ``migrations/NNNN_name.sql`` applied once each, in order, recorded.

Every statement is idempotent (``IF NOT EXISTS``), so a migration interrupted half-way is simply applied again. They
are applied under a lease of their own (``schema``, fenced as the run lease is): two services starting together
apply and record each migration once, the second finding it done. The
checksum of each applied file is recorded; a start whose file of an applied migration differs stops with one line
naming it (a schema change goes into a new file, never into an applied one). ``{db}`` and ``{tz}`` are substituted
from validated settings, never from API data.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources

from ..errors import ConfigError, RunLockedError
from . import bi_views, schema, zone
from .connection import Storage
from .lease import Fence, Lease, who
from .statements import split_statements

log = logging.getLogger("integrations.qtickets_api")

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
SCHEMA_LEASE = "schema"  # apart from the loader's: a start does not wait for a run in flight, only for migrations
SCHEMA_WAIT_S = 300.0
SCHEMA_POLL_S = 0.5
LEASE_MIGRATION = 11  # the run lease's own tables (0011_lease_generation.sql)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()[:16]

    @property
    def file_name(self) -> str:
        return f"{self.version:04d}_{self.name}.sql"

    def statements(self, db: str, tz: str) -> list[str]:
        # split by the same reader as the sql command: a ';' inside a string or a comment is not an end
        return split_statements(self.sql.replace("{db}", db).replace("{tz}", tz))


def available() -> list[Migration]:
    found = []
    for entry in resources.files(__package__).joinpath("migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    return sorted(found, key=lambda m: m.version)


def apply(storage: Storage, tz: str, fence: Fence | None = None) -> list[int]:
    """Bring the schema up to date under the schema lease (``fence`` is its check when the caller already holds
    it); returns the versions applied now."""
    if fence is None:
        with schema_lease(storage) as lease:
            return apply(storage, tz, lease.check)
    done = _recorded(storage)
    verify(available(), done, storage.db)
    applied = []
    for migration in available():
        if migration.version in done:
            continue
        fence()
        for statement in migration.statements(storage.db, tz):
            storage.command(statement)
        fence()  # recorded only by the holder: a migration is recorded once however many services start together
        storage.insert(
            schema.MIGRATIONS.name,
            [[migration.version, migration.name, migration.checksum, datetime.now(UTC)]],
            schema.MIGRATIONS.columns,
        )
        log.info("Applied schema migration %04d_%s", migration.version, migration.name)
        applied.append(migration.version)
    return applied


@contextmanager
def schema_lease(storage: Storage, *, wait_s: float = SCHEMA_WAIT_S) -> Iterator[Lease]:
    """Hold the schema lease: one process at a time applies migrations and views. The lease's own tables come
    first (its migration's statements stand alone and may run again), since the lease guards every other one."""
    storage.command(f"CREATE DATABASE IF NOT EXISTS {storage.db}")
    storage.command(
        f"CREATE TABLE IF NOT EXISTS {storage.db}.{schema.MIGRATIONS} "
        "(version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC')) "
        "ENGINE = MergeTree ORDER BY version"
    )
    for migration in available():
        if migration.version == LEASE_MIGRATION:
            for statement in migration.statements(storage.db, ""):
                storage.command(statement)
    with Lease(storage, name=SCHEMA_LEASE, trigger="migrations", poll_s=SCHEMA_POLL_S) as lease:
        if not lease.acquire(wait_s):
            holder = who(storage, SCHEMA_LEASE)
            raise RunLockedError(
                f"another process is applying the schema migrations ({holder.describe() if holder else 'just done'})",
                "start again once it is done",
            )
        yield lease


def _recorded(storage: Storage) -> dict[int, str]:
    rows = storage.rows(
        f"SELECT version, argMin(checksum, applied_at) FROM {storage.db}.{schema.MIGRATIONS} GROUP BY version"
    )
    return {int(version): str(checksum) for version, checksum in rows}


def verify(migrations: list[Migration], done: dict[int, str], db: str) -> None:
    """Refuse to go on when a migration applied to this database has changed since (its checksum is recorded)."""
    for migration in migrations:
        recorded = done.get(migration.version)
        if recorded and recorded != migration.checksum:
            raise ConfigError(
                f"schema migration {migration.file_name} has changed since it was applied to the database {db} "
                f"(checksum {recorded} there, {migration.checksum} in this install)",
                "restore that file as it was (a schema change goes into a new migration file), or run the version "
                "of zakaz-dashboard that applied it",
            )


def migrate(storage: Storage, tz: str) -> None:
    """The whole migration step, under the schema lease: the tables' migrations, then the ``bi_*`` views that
    read them."""
    with schema_lease(storage) as lease:
        apply(storage, tz, lease.check)
        zone.check(storage, tz)
        lease.check()
        bi_views.install(storage)
