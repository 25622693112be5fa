"""The run lease: one loader run at a time against one ClickHouse, held in ClickHouse itself.

A file lock only holds on one machine (a systemd unit's ``PrivateTmp``, a container's own ``/tmp`` or a second
host each have their own), so the lease lives in ``meta_run_lease``, which every run of every host can see, on the
embedded engine and on a server alike. ClickHouse has no compare-and-set, so the lease is an append-only log:

- a run claims it with a row (a random token, the server's time), waits a moment for every concurrent claim to
  become visible, then reads the log: the holder is the earliest claim that has not expired; every other claimant
  withdraws its claim. Two runs reading the same log reach the same answer.
- the holder renews it (``expires_at`` = now + ttl) every third of the ttl from a thread of its own, on a
  connection of its own; a run that is killed stops renewing and its lease expires within the ttl.
- release writes ``expires_at`` = now.

Times are the server's (``now64``), so hosts with skewed clocks still agree. The log keeps 7 days (TTL).
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType

from ..errors import ZakazError
from . import schema
from .connection import Storage

log = logging.getLogger("integrations.qtickets_api")

LOADER = "loader"
TTL_S = 120.0
SETTLE_S = 0.3  # a concurrent claim inserted before ours becomes visible within this
POLL_S = 5.0

_CLAIM = (
    "INSERT INTO {db}.meta_run_lease (name, token, holder, claimed_at, expires_at, at) "
    "SELECT {name:String}, {token:String}, {holder:String}, now64(6), now64(6) + toIntervalMillisecond({ttl:UInt32}), "
    "now64(6)"
)
_RENEW = (
    "INSERT INTO {db}.meta_run_lease (name, token, holder, claimed_at, expires_at, at) "
    "SELECT {name:String}, {token:String}, {holder:String}, "
    "(SELECT min(claimed_at) FROM {db}.meta_run_lease WHERE name = {name:String} AND token = {token:String}), "
    "now64(6) + toIntervalMillisecond({ttl:UInt32}), now64(6)"
)
_HOLDER = """
    SELECT token, holder, claimed, expires, now64(6) FROM (
        SELECT token, argMax(holder, at) AS holder, min(claimed_at) AS claimed, argMax(expires_at, at) AS expires
        FROM {db}.meta_run_lease
        WHERE name = {name:String} AND at > now64(6) - INTERVAL 1 DAY
        GROUP BY token
    )
    WHERE expires > now64(6)
    ORDER BY claimed, token
    LIMIT 1
"""


@dataclass(frozen=True)
class Holder:
    token: str
    holder: str
    since: datetime
    expires: datetime
    now: datetime  # the server's time when read

    def describe(self) -> str:
        age = (self.now - self.since).total_seconds() / 60
        return f"{self.holder}, for {age:.0f} min"


def who(storage: Storage, name: str = LOADER) -> Holder | None:
    """The live holder of the lease, or None."""
    rows = storage.rows(_HOLDER.replace("{db}", storage.db), {"name": name})
    if not rows:
        return None
    token, holder, since, expires, now = rows[0]
    return Holder(str(token), str(holder), since, expires, now)


def holder_label(trigger: str) -> str:
    return f"{socket.gethostname()} pid {os.getpid()} ({trigger})"


_LABEL = re.compile(r"^(?P<host>\S+) pid (?P<pid>\d+) ")


def is_dead(holder: Holder) -> bool:
    """A holder on this host whose process is gone (killed before it could release): no need to wait out its ttl.
    Another host's or another container's holder cannot be judged from here: its lease simply expires."""
    found = _LABEL.match(holder.holder)
    if found is None or found.group("host") != socket.gethostname():
        return False
    pid = int(found.group("pid"))
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class Lease:
    """``with Lease(storage, …) as lease: if lease.acquire(wait_s): …`` — released and its renewal thread
    joined on every way out."""

    def __init__(
        self,
        storage: Storage,
        *,
        name: str = LOADER,
        trigger: str = "run",
        ttl_s: float = TTL_S,
        settle_s: float = SETTLE_S,
        poll_s: float = POLL_S,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.storage = storage
        self.name = name
        self.label = holder_label(trigger)
        self.ttl_s = ttl_s
        # on the embedded engine every claim comes from this process, and an insert is visible once it returns
        self.settle_s = 0.0 if storage.embedded else settle_s
        self.poll_s = poll_s
        self._sleep = sleep
        self.token = ""
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None
        self.renew_error: BaseException | None = None

    @property
    def held(self) -> bool:
        return self._renewer is not None

    def try_acquire(self) -> bool:
        current = who(self.storage, self.name)
        if current is not None and is_dead(current):
            log.info("The run lease was held by a process that is gone (%s): taking it over", current.holder)
            self._write_release(current.token)
            current = who(self.storage, self.name)
        if current is not None:
            return False
        token = secrets.token_hex(16)
        self._write(_CLAIM, token)
        self._sleep(self.settle_s)
        current = who(self.storage, self.name)
        if current is None or current.token != token:
            self._write_release(token)
            return False
        self.token = token
        self._start_renewing()
        return True

    def acquire(self, wait_s: float, on_wait: Callable[[Holder], None] | None = None) -> bool:
        """Try at once, then every ``poll_s`` until ``wait_s`` has passed; ``on_wait`` hears who holds it, once."""
        deadline = time.monotonic() + wait_s
        told = False
        while True:
            if self.try_acquire():
                return True
            if time.monotonic() >= deadline:
                return False
            if not told and on_wait is not None:
                current = who(self.storage, self.name)
                if current is not None:
                    on_wait(current)
                    told = True
            self._sleep(min(self.poll_s, max(0.0, deadline - time.monotonic())))

    def release(self) -> None:
        renewer, self._renewer = self._renewer, None
        if renewer is not None:
            self._stop.set()
            renewer.join()
        if self.token:
            token, self.token = self.token, ""
            self._write_release(token)

    def _start_renewing(self) -> None:
        self._stop.clear()
        connection = self.storage.another()
        token = self.token

        def renew() -> None:
            try:
                while not self._stop.wait(self.ttl_s / 3):
                    try:
                        connection.command(self._sql(_RENEW), self._params(token))
                    except ZakazError as exc:  # the run's own queries will fail too; keep trying until released
                        self.renew_error = exc
                        log.warning("Could not renew the run lease: %s", exc)
            finally:
                connection.close()

        self._renewer = threading.Thread(target=renew, name="zakaz-lease-renewal", daemon=True)
        self._renewer.start()

    def _write(self, sql: str, token: str) -> None:
        self.storage.command(self._sql(sql), self._params(token))

    def _write_release(self, token: str) -> None:
        try:
            self.storage.command(
                f"INSERT INTO {self.storage.db}.{schema.RUN_LEASE} (name, token, holder, claimed_at, expires_at, at) "
                "SELECT {name:String}, {token:String}, {holder:String}, now64(6), now64(6), now64(6)",
                {"name": self.name, "token": token, "holder": self.label},
            )
        except ZakazError as exc:  # it expires by itself within the ttl
            log.warning("Could not release the run lease (it expires within %.0f s): %s", self.ttl_s, exc)

    def _sql(self, sql: str) -> str:
        return sql.replace("{db}", self.storage.db)

    def _params(self, token: str) -> dict[str, object]:
        return {"name": self.name, "token": token, "holder": self.label, "ttl": int(self.ttl_s * 1000)}

    def __enter__(self) -> Lease:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
