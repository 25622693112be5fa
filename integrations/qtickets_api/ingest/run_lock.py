"""One loader run at a time against one ClickHouse: an advisory lock file named for the target.

On the embedded engine it sits in the data directory; against a server, in the runtime directory, keyed
by host and database.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from ..config import Settings
from ..storage.locks import FileLock


def run_lock(settings: Settings) -> FileLock:
    if settings.uses_embedded_clickhouse:
        return FileLock(settings.clickhouse_data_dir.resolve() / ".qtickets_api.run.lock")
    key = hashlib.sha256(f"{settings.clickhouse_host}/{settings.clickhouse_db}".encode()).hexdigest()[:10]
    base = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    return FileLock(Path(base) / f"zakaz-qtickets_api-{key}.lock")
