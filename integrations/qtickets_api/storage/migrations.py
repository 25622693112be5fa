"""Versioned schema migrations: ``migrations/NNNN_name.sql`` applied once each, in order, recorded.

Every statement is idempotent (``IF NOT EXISTS``), so a migration interrupted half-way is simply applied again. The
checksum of each applied file is recorded; a start whose file of an applied migration differs stops with one line
naming it (a schema change goes into a new file, never into an applied one). ``{db}`` and ``{tz}`` are substituted
from validated settings, never from API data.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources

from ..errors import ConfigError
from . import bi_views, schema, zone
from .connection import Storage
from .statements import split_statements

log = logging.getLogger("integrations.qtickets_api")

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


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


def apply(storage: Storage, tz: str) -> list[int]:
    """Bring the schema up to date; returns the versions applied now."""
    db = storage.db
    storage.command(f"CREATE DATABASE IF NOT EXISTS {db}")
    storage.command(
        f"CREATE TABLE IF NOT EXISTS {db}.{schema.MIGRATIONS} "
        "(version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC')) "
        "ENGINE = MergeTree ORDER BY version"
    )
    recorded = storage.rows(
        f"SELECT version, argMin(checksum, applied_at) FROM {db}.{schema.MIGRATIONS} GROUP BY version"
    )
    done = {int(version): str(checksum) for version, checksum in recorded}
    verify(available(), done, db)
    applied = []
    for migration in available():
        if migration.version in done:
            continue
        for statement in migration.statements(db, tz):
            storage.command(statement)
        storage.insert(
            schema.MIGRATIONS.name,
            [[migration.version, migration.name, migration.checksum, datetime.now(UTC)]],
            schema.MIGRATIONS.columns,
        )
        log.info("Applied schema migration %04d_%s", migration.version, migration.name)
        applied.append(migration.version)
    return applied


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
    """The whole migration step: the tables' migrations, then the ``bi_*`` views that read them."""
    apply(storage, tz)
    zone.check(storage, tz)
    bi_views.install(storage)
