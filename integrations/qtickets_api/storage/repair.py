"""What a run that lost the run lease staged reaches the facts with the next rebuild.

A run that loses the lease stops before it publishes, but what it staged stays in staging, stamped with its
``_loaded_at``. The new holder's rebuild may already have moved the watermark past that stamp (it stamped later,
while the lost run was still writing), so "rebuild what was loaded after the watermark" alone would never reach
those versions. The lost run therefore leaves a repair request — the stamp every row it staged carries — and the
next rebuild starts from the earliest pending request instead of the watermark, then marks the requests it covered
done. A rebuild recomputes months from the latest version of every order, so rebuilding more than needed changes
nothing. Requests and their settling are stamped by the server (``now64``), never by a host's clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from . import schema
from .connection import Storage

PREFIX = "repair_from:"
DONE = "done"

_PUT = "INSERT INTO {db}.meta_loader_state (key, value, updated_at) SELECT {key:String}, {value:String}, now64(6)"


def request(storage: Storage, run_id: str, stamp: datetime) -> None:
    """Ask the next rebuild to start at or before ``stamp`` (the ``_loaded_at`` of what ``run_id`` staged)."""
    since = stamp.astimezone(UTC).replace(tzinfo=None) - timedelta(microseconds=1)
    value = since.strftime("%Y-%m-%d %H:%M:%S.%f")
    storage.command(_PUT.replace("{db}", storage.db), {"key": PREFIX + run_id, "value": value})


def pending(storage: Storage) -> dict[str, str]:
    """The open requests: key → the watermark to rebuild from (as the watermark is written)."""
    rows = storage.rows(
        f"SELECT key, argMax(value, updated_at) AS v FROM {storage.db}.{schema.LOADER_STATE} "
        "WHERE startsWith(key, {prefix:String}) GROUP BY key HAVING v != {done:String}",
        {"prefix": PREFIX, "done": DONE},
    )
    return {str(key): str(value) for key, value in rows}


def settle(storage: Storage, keys: Iterable[str]) -> None:
    """Mark these requests done (a request written since stays open for the next rebuild)."""
    for key in keys:
        storage.command(_PUT.replace("{db}", storage.db), {"key": key, "value": DONE})
