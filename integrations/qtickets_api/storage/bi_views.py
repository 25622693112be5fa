"""The BI views are code, not history: ``bi_views/*.sql`` is what they are now, and ``install`` makes ClickHouse agree.

They are part of the schema, so the migration step (:func:`.migrations.migrate`) installs them.

Each file holds one ``CREATE OR REPLACE VIEW``; files are applied in name order (a view that reads another comes
after it). A small meta table keeps each view's checksum, so a start-up or a loader run re-creates only the views
whose text changed, or that someone dropped. Unlike the table migrations, nothing here keeps data, so replacing a
view is always safe and an old definition is never worth keeping.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources

from .connection import Storage

log = logging.getLogger("integrations.qtickets_api")

META_TABLE = "meta_bi_views"
_FILE = re.compile(r"^\d{2}_(bi_[a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class View:
    name: str
    sql: str  # with {db} still in it

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()[:16]

    def statement(self, db: str) -> str:
        text = "\n".join(line for line in self.sql.splitlines() if not line.strip().startswith("--"))
        return text.replace("{db}", db).strip().rstrip(";")


def views() -> list[View]:
    """Every view of ``bi_views``, in the order they are created."""
    found = []
    for entry in resources.files(__package__).joinpath("bi_views").iterdir():
        match = _FILE.match(entry.name)
        if match:
            found.append((entry.name, View(match.group(1), entry.read_text(encoding="utf-8"))))
    return [view for _, view in sorted(found, key=lambda pair: pair[0])]


def install(storage: Storage) -> list[str]:
    """(Re)create every view whose text changed or that is missing; returns the names created now."""
    db = storage.db
    storage.command(
        f"CREATE TABLE IF NOT EXISTS {db}.{META_TABLE} "
        "(name String, checksum String, installed_at DateTime64(3, 'UTC')) "
        "ENGINE = ReplacingMergeTree(installed_at) ORDER BY name"
    )
    installed = {
        str(name): str(checksum)
        for name, checksum in storage.rows(
            f"SELECT name, argMax(checksum, installed_at) FROM {db}.{META_TABLE} GROUP BY name"
        )
    }
    present = {
        str(row[0])
        for row in storage.rows(
            "SELECT name FROM system.tables WHERE database = {db:String} AND engine = 'View'", {"db": db}
        )
    }
    created = []
    for view in views():
        if installed.get(view.name) == view.checksum and view.name in present:
            continue
        storage.command(view.statement(db))
        storage.insert(
            META_TABLE, [[view.name, view.checksum, datetime.now(UTC)]], ("name", "checksum", "installed_at")
        )
        created.append(view.name)
    if created:
        log.info("Installed BI views: %s", ", ".join(created))
    return created


__all__ = ["META_TABLE", "View", "install", "views"]
