"""Versioned schema migrations: ``migrations/NNNN_name.sql`` applied once each, in order, recorded.

Every statement is idempotent (``IF NOT EXISTS``), so a migration interrupted half-way is simply
applied again. ``{db}`` and ``{tz}`` are substituted from validated settings, never from API data.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources

from . import bi_views, schema, zone
from .connection import Storage

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

    def statements(self, db: str, tz: str) -> list[str]:
        text = "\n".join(line for line in self.sql.splitlines() if not line.strip().startswith("--"))
        text = text.replace("{db}", db).replace("{tz}", tz)
        return [s.strip() for s in text.split(";") if s.strip()]


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
    done = {row[0] for row in storage.rows(f"SELECT version FROM {db}.{schema.MIGRATIONS}")}
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


def migrate(storage: Storage, tz: str) -> None:
    """The whole migration step: the tables' migrations, then the ``bi_*`` views that read them."""
    apply(storage, tz)
    zone.check(storage, tz)
    bi_views.install(storage)
