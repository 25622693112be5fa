"""Where a running service answers read-only SQL for the embedded engine's data directory it holds.

The embedded engine lets one process open a data directory, and the service never finishes, so a command that
needs the data (``sql``) would be refused for as long as it runs. The service therefore leaves a small file in the
data directory — its pid, its loopback port and a random token made at each start, readable by this user only —
and answers ``POST /internal/sql`` on loopback with that token as a bearer. ``sql`` finds the file when the
directory is locked, checks that the file's pid is the lock's holder, and sends its statements there; the service
runs them on a read-only session (``readonly = 2``), so nothing can be written that way.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

FILE_NAME = ".zakaz-service.json"
PATH = "/internal/sql"


@dataclass(frozen=True)
class Endpoint:
    pid: int
    port: int
    token: str = field(repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PATH}"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def publish(data_dir: Path, endpoint: Endpoint) -> Path:
    """Write the file atomically, mode 0600 (the token is a secret of this user's)."""
    path = data_dir / FILE_NAME
    tmp = path.with_name(f"{FILE_NAME}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({"pid": endpoint.pid, "port": endpoint.port, "token": endpoint.token}, out)
    os.replace(tmp, path)
    return path


def withdraw(data_dir: Path, pid: int) -> None:
    """Remove the file if it is still this process's (a newer service may have replaced it)."""
    found = read(data_dir)
    if found is not None and found.pid == pid:
        with contextlib.suppress(OSError):
            (data_dir / FILE_NAME).unlink()


def read(data_dir: Path) -> Endpoint | None:
    """The file's endpoint, or None when there is none or it is unreadable (a crashed service's leftovers)."""
    try:
        raw = json.loads((data_dir / FILE_NAME).read_text(encoding="utf-8"))
        return Endpoint(int(raw["pid"]), int(raw["port"]), str(raw["token"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


__all__ = ["FILE_NAME", "PATH", "Endpoint", "new_token", "publish", "read", "withdraw"]
