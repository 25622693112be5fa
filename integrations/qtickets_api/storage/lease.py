"""The run lease: one loader run at a time against one ClickHouse, held in ClickHouse itself, and fenced.

A file lock only holds on one machine (a systemd unit's ``PrivateTmp``, a container's own ``/tmp`` or a second
host each have their own), so the lease lives in ``meta_run_lease``, which every run of every host can see, on the
embedded engine and on a server alike. It is an append-only log of claims, renewals and releases, and every claim
carries a **generation**: the newest generation there is, plus one.

- A claim is one ``INSERT … SELECT`` that only inserts when, in the same read of the log, the newest claim has
  expired (or was released) and no claim of this generation exists; it carries the deduplication token of its
  generation, so of two claims of one generation only the first insert lands (ClickHouse's only compare-and-set).
  The claimant then reads the log back: it holds the lease when the newest generation is its own.
- A newer generation supersedes an older one for good: an old holder never becomes the holder again, even if it
  wakes up and tries to renew (a renewal is conditional on still being the newest, live claim).
- The holder renews every third of the ttl from a thread of its own, on a connection of its own, and reads back at
  every renewal that the lease is still its own. A loss, or no confirmed renewal for more than half the ttl (the
  process or the network stalled: another may be about to claim it), marks the lease lost.
- Every publishing step calls :meth:`Lease.check` first (the fence): it raises :class:`LeaseLostError` when the
  lease was lost, or when the log says the newest generation is no longer this one.
- Release writes ``expires_at`` = now for the holder's generation.

Times are the server's (``now64``), so hosts with skewed clocks still agree; a holder measures its own renewal gaps
with a monotonic clock (injected in tests). The log keeps 7 days; ``meta_lease_generation`` keeps the newest
generation of each lease beyond that, so a generation is never given out twice.
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

from ..errors import LeaseLostError, ZakazError
from .connection import Storage

log = logging.getLogger("integrations.qtickets_api")

LOADER = "loader"
TTL_S = 120.0
SETTLE_S = 0.3  # a concurrent claim inserted before ours becomes visible within this
POLL_S = 5.0
LOST_HINT = (
    "nothing more was published; the next run repairs it (if this repeats, two services share this database, "
    "or the clock or the network stalls)"
)

Fence = Callable[[], None]  # raises LeaseLostError when the caller's lease is no longer current

_COLUMNS = "(name, token, holder, claimed_at, expires_at, at, generation)"
# One read of the log: the newest generation, and the token and expiry of its latest row.
_NEWEST = """(
    SELECT max(generation) AS top, argMax(token, (generation, at)) AS top_token,
           argMax(expires_at, (generation, at)) AS top_expires
    FROM {db}.meta_run_lease WHERE name = {name:String}
)"""
_NEXT_GENERATION = """
    SELECT greatest(
        (SELECT max(generation) FROM {db}.meta_run_lease WHERE name = {name:String}),
        (SELECT max(generation) FROM {db}.meta_lease_generation WHERE name = {name:String})
    ) + 1
"""
_CLAIM = (
    "INSERT INTO {db}.meta_run_lease " + _COLUMNS + " "
    "SELECT {name:String}, {token:String}, {holder:String}, now64(6), "
    "now64(6) + toIntervalMillisecond({ttl:UInt32}), now64(6), {generation:UInt64} "
    "FROM " + _NEWEST + " WHERE top < {generation:UInt64} AND top_expires <= now64(6)"
)
_RENEW = (
    "INSERT INTO {db}.meta_run_lease " + _COLUMNS + " "
    "SELECT {name:String}, {token:String}, {holder:String}, "
    "(SELECT min(claimed_at) FROM {db}.meta_run_lease WHERE name = {name:String} AND token = {token:String}), "
    "now64(6) + toIntervalMillisecond({ttl:UInt32}), now64(6), {generation:UInt64} "
    "FROM " + _NEWEST + " WHERE top = {generation:UInt64} AND top_token = {token:String} AND top_expires > now64(6)"
)
_RELEASE = (
    "INSERT INTO {db}.meta_run_lease " + _COLUMNS + " "
    "SELECT {name:String}, {token:String}, {holder:String}, now64(6), now64(6), now64(6), {generation:UInt64}"
)
_HIGH_WATER = (
    "INSERT INTO {db}.meta_lease_generation (name, generation, at) SELECT {name:String}, {generation:UInt64}, now64(6)"
)
# The claim of the newest generation (claims from before generations, all 0, by the earliest live one).
_NEWEST_CLAIM = """
    SELECT token, argMax(holder, at), min(claimed_at) AS claimed, argMax(expires_at, at) AS expires,
           now64(6, 'UTC'), generation, expires > now64(6) AS live
    FROM {db}.meta_run_lease
    WHERE name = {name:String}
      AND generation = (SELECT max(generation) FROM {db}.meta_run_lease WHERE name = {name:String})
    GROUP BY token, generation
    ORDER BY live DESC, claimed, token
    LIMIT 1
"""


@dataclass(frozen=True)
class Holder:
    token: str
    holder: str
    since: datetime
    expires: datetime
    now: datetime  # the server's time when read
    generation: int = 0
    live: bool = True  # judged by the server, in the same query (never a naive and an aware time compared here)

    def describe(self) -> str:
        age = (self.now - self.since).total_seconds() / 60
        return f"{self.holder}, for {age:.0f} min"


def newest(storage: Storage, name: str = LOADER) -> Holder | None:
    """The claim of the newest generation, live or not (None: the lease was never claimed)."""
    rows = storage.rows(_sql(_NEWEST_CLAIM, storage), {"name": name})
    if not rows:
        return None
    token, holder, since, expires, now, generation, live = rows[0]
    return Holder(str(token), str(holder), since, expires, now, int(generation), bool(live))


def who(storage: Storage, name: str = LOADER) -> Holder | None:
    """The live holder of the lease, or None."""
    claim = newest(storage, name)
    return claim if claim is not None and claim.live else None


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
    joined on every way out. ``lease.check`` is the fence every publishing step calls first."""

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
        clock: Callable[[], float] = time.monotonic,
        renew: bool = True,
    ) -> None:
        self.storage = storage
        self.name = name
        self.label = holder_label(trigger)
        self.ttl_s = ttl_s
        # on the embedded engine every claim comes from this process, and an insert is visible once it returns
        self.settle_s = 0.0 if storage.embedded else settle_s
        self.poll_s = poll_s
        self._sleep = sleep
        self._clock = clock
        self._auto_renew = renew
        self.token = ""
        self.generation = 0
        self.lost = ""  # why the lease is no longer this holder's
        self._confirmed = 0.0  # clock() of the last read-back that showed the lease ours
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None
        self.renew_error: BaseException | None = None

    @property
    def held(self) -> bool:
        return bool(self.token) and not self.lost

    def try_acquire(self) -> bool:
        current = who(self.storage, self.name)
        if current is not None and is_dead(current):
            log.info("The run lease was held by a process that is gone (%s): taking it over", current.holder)
            self._write_release(current.token, current.generation)
            current = who(self.storage, self.name)
        if current is not None:
            return False
        generation = int(self.storage.rows(_sql(_NEXT_GENERATION, self.storage), {"name": self.name})[0][0])
        token = secrets.token_hex(16)
        self.storage.command(
            _sql(_CLAIM, self.storage),
            self._params(token, generation),
            settings={"insert_deduplication_token": f"lease:{self.name}:{generation}"},
        )
        self._sleep(self.settle_s)
        current = who(self.storage, self.name)
        if current is None or current.token != token:
            return False  # our insert did not land (another claim came first): nothing of ours to withdraw
        self.token, self.generation, self.lost = token, generation, ""
        self._confirmed = self._clock()
        self.storage.command(_sql(_HIGH_WATER, self.storage), {"name": self.name, "generation": generation})
        if self._auto_renew:
            self._start_renewing()
        return True

    def acquire(self, wait_s: float, on_wait: Callable[[Holder], None] | None = None) -> bool:
        """Try at once, then every ``poll_s`` until ``wait_s`` has passed; ``on_wait`` hears who holds it, once."""
        deadline = self._clock() + wait_s
        told = False
        while True:
            if self.try_acquire():
                return True
            if self._clock() >= deadline:
                return False
            if not told and on_wait is not None:
                current = who(self.storage, self.name)
                if current is not None:
                    on_wait(current)
                    told = True
            self._sleep(min(self.poll_s, max(0.0, deadline - self._clock())))

    def check(self) -> None:
        """The fence: raise :class:`LeaseLostError` unless this is still the newest, live claim, confirmed by a
        renewal less than half the ttl ago."""
        self.check_renewed()
        claim = newest(self.storage, self.name)
        if claim is None or claim.token != self.token:
            self._mark_lost(_superseded(claim))
        elif not claim.live:
            self._mark_lost("it expired before this run renewed it")
        self.check_renewed()

    def check_renewed(self) -> None:
        """The fence without a query: raise when a renewal found the lease lost, or none was confirmed for more than
        half the ttl (cheap enough to call before every staging write)."""
        if not self.token:
            raise LeaseLostError("this run does not hold the run lease", LOST_HINT)
        gap = self._clock() - self._confirmed
        if gap > self.ttl_s / 2:
            self._mark_lost(f"no renewal was confirmed for {gap:.0f} s, more than half its {self.ttl_s:.0f} s lifetime")
        if self.lost:
            raise LeaseLostError(f"the run lease (generation {self.generation}) was lost: {self.lost}", LOST_HINT)

    def renew_once(self, connection: Storage | None = None) -> bool:
        """Extend the lease and read back that it is still ours; False once it is lost (it stays lost)."""
        if self.lost or not self.token:
            return False
        storage = connection or self.storage
        try:
            storage.command(_sql(_RENEW, storage), self._params(self.token, self.generation))
            claim = newest(storage, self.name)
        except ZakazError as exc:  # the run's own queries will fail too; the gap check decides when it is lost
            self.renew_error = exc
            log.warning("Could not renew the run lease: %s", exc)
            return True
        if claim is None or claim.token != self.token:
            self._mark_lost(_superseded(claim))
            return False
        if not claim.live:
            self._mark_lost("it expired before it was renewed")
            return False
        self._confirmed = self._clock()
        return True

    def release(self) -> None:
        renewer, self._renewer = self._renewer, None
        if renewer is not None:
            self._stop.set()
            renewer.join()
        if self.token:
            token, self.token = self.token, ""
            # written even when lost: a superseded generation's release is not the newest claim and changes nothing
            self._write_release(token, self.generation)

    def _mark_lost(self, why: str) -> None:
        if not self.lost:
            self.lost = why
            log.debug("The run lease (generation %d) is lost: %s", self.generation, why)  # the caller says it once

    def _start_renewing(self) -> None:
        self._stop.clear()

        def renew() -> None:
            # opened at the first renewal, not at the claim: most service runs end before one is due, and opening
            # a connection is ~11 ms of each 15-minute run
            connection: Storage | None = None
            try:
                while not self._stop.wait(self.ttl_s / 3):
                    if connection is None:
                        try:
                            connection = self.storage.another()
                        except ZakazError as exc:  # as a failed renewal: the gap check decides when it is lost
                            self.renew_error = exc
                            log.warning("Could not open a connection to renew the run lease: %s", exc)
                            continue
                    if not self.renew_once(connection):
                        return
            finally:
                if connection is not None:
                    connection.close()

        self._renewer = threading.Thread(target=renew, name="zakaz-lease-renewal", daemon=True)
        self._renewer.start()

    def _write_release(self, token: str, generation: int) -> None:
        try:
            self.storage.command(_sql(_RELEASE, self.storage), self._params(token, generation))
        except ZakazError as exc:  # it expires by itself within the ttl
            log.warning("Could not release the run lease (it expires within %.0f s): %s", self.ttl_s, exc)

    def _params(self, token: str, generation: int) -> dict[str, object]:
        return {
            "name": self.name,
            "token": token,
            "holder": self.label,
            "ttl": int(self.ttl_s * 1000),
            "generation": generation,
        }

    def __enter__(self) -> Lease:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def _superseded(claim: Holder | None) -> str:
    if claim is None:
        return "its claim is gone from the log"
    return f"a newer claim holds it ({claim.holder}, generation {claim.generation})"


def _sql(sql: str, storage: Storage) -> str:
    return sql.replace("{db}", storage.db)
