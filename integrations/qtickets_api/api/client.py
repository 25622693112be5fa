"""The QTickets REST API v1, read-only: one HTTP call, one list page, keyset paging, single objects.

List calls are GET requests with a JSON body (``where``/``orderBy``/``page``/``perPage``); the API
ignores query strings. We page by ``id > last_seen`` instead of deep page numbers, so orders created
or deleted while we page cannot shift a page under us. The transport is a seam (``httpx`` transports)
so tests can put the simulator, or a proxy that misbehaves, behind it.

A list page's records are handed on as their JSON text (``msgspec.Raw``, views into the response),
not as parsed dicts: the orders of a backfill are decoded once, straight into typed records, by the
transform (parsing every page into dicts first cost more than all the rest of the fetching).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import msgspec

from .._version import __version__
from ..errors import ApiAuthError, ApiHttpError, ApiMalformedError, ApiUnreachableError, TransientError
from .retry import RETRYABLE_STATUSES, RetryPolicy, parse_retry_after

log = logging.getLogger("integrations.qtickets_api")

Where = list[dict[str, Any]]
Record = msgspec.Raw  # one record of a list page, as the JSON text the API sent

# Any JSON value; objects and arrays keep their members as unparsed JSON text.
_TopLevel = dict[str, msgspec.Raw] | list[msgspec.Raw] | str | int | float | bool | None
_TOP_LEVEL = msgspec.json.Decoder(_TopLevel)
_RECORDS = msgspec.json.Decoder(list[msgspec.Raw])


class _IdOnly(msgspec.Struct):
    id: Any = None


_ID_ONLY = msgspec.json.Decoder(_IdOnly)


@dataclass
class ApiStats:
    requests: int = 0
    retries: int = 0
    pages: int = 0
    bytes_received: int = 0
    seconds_waiting: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **deltas: float) -> None:
        with self._lock:
            for key, delta in deltas.items():
                setattr(self, key, getattr(self, key) + delta)


@dataclass(frozen=True)
class Paging:
    per_page: int
    current_page: int
    total: int | None


@dataclass(frozen=True)
class Page:
    items: list[Record]  # the records that are JSON objects, each as its JSON text
    paging: Paging


class QTicketsClient:
    """Read-only QTickets client. Never sends anything but GET (and HEAD from the probe)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout_s: float = 60.0,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        max_connections: int = 8,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self.stats = ApiStats()
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=self.base_url + "/",
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
                "Cache-Control": "no-cache",
                "User-Agent": f"zakaz-dashboard/{__version__}",
            },
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 10.0)),
            transport=transport,
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            follow_redirects=False,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> QTicketsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- one call -------------------------------------------------------------------------------------

    def get_json(
        self,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        decode: Callable[[bytes], Any] = msgspec.json.decode,
        once: bool = False,
    ) -> Any:
        """GET ``path`` with an optional JSON body, retried per the policy (``once``: not retried); returns the
        decoded JSON."""
        describe = f"GET /{path.lstrip('/')}"
        content = msgspec.json.encode(body) if body is not None else None

        def attempt() -> Any:
            return self._attempt(path, content, describe, decode)

        def on_retry(exc: TransientError, delay: float, attempt_no: int) -> None:
            self.stats.add(retries=1, seconds_waiting=delay)
            log.warning(
                "Temporary QTickets API error: %s on %s (attempt %d of %d); retrying in %.1f s",
                exc.what,
                describe,
                attempt_no,
                self.retry.max_attempts,
                delay,
            )

        policy = dataclasses.replace(self.retry, max_attempts=1) if once else self.retry
        return policy.run(attempt, describe=describe, on_retry=on_retry, sleep=self._sleep)

    def _attempt(self, path: str, content: bytes | None, describe: str, decode: Callable[[bytes], Any]) -> Any:
        headers = {"Content-Type": "application/json"} if content is not None else None
        started = time.perf_counter()
        self.stats.add(requests=1)
        try:
            # Streamed and joined rather than ``response.content``: httpx responses sit in reference cycles, and a
            # body kept on the response would live (a megabyte a page) until the cyclic collector runs.
            with self._http.stream("GET", path.lstrip("/"), content=content, headers=headers) as response:
                raw = b"".join(response.iter_bytes())
        except httpx.TimeoutException as exc:
            raise TransientError(
                f"timeout ({exc.__class__.__name__})",
                final=ApiUnreachableError(
                    f"QTickets API did not answer {describe} in time",
                    "the vendor is slow or down; the next run will retry (raise QTICKETS_API_TIMEOUT if it persists)",
                ),
            ) from None
        except httpx.TransportError as exc:
            raise TransientError(
                f"connection failed ({exc.__class__.__name__})",
                final=ApiUnreachableError(
                    f"QTickets API at {self.base_url} is unreachable ({exc.__class__.__name__}: {exc})",
                    "check QTICKETS_API_BASE_URL and the network",
                ),
            ) from None
        elapsed_ms = (time.perf_counter() - started) * 1000
        self.stats.add(bytes_received=len(raw))
        log.debug("%s -> HTTP %d, %d bytes in %.0f ms", describe, response.status_code, len(raw), elapsed_ms)
        status = response.status_code
        preview = _preview(raw)
        if status in (401, 403):
            raise ApiAuthError(
                f"QTickets API refused the token (HTTP {status}) on {describe}",
                "check QTICKETS_API_TOKEN; generate a new one in Настройки → Основное → API",
            )
        if status in RETRYABLE_STATUSES:
            raise TransientError(
                f"HTTP {status} {preview[:80]!r}",
                retry_after_s=parse_retry_after(response.headers.get("Retry-After")),
                final=ApiHttpError(
                    f"QTickets API kept answering HTTP {status} on {describe} after "
                    f"{self.retry.max_attempts} attempts: {preview[:200]}",
                    "transient vendor failure; the next run will retry. If it persists, run the probe",
                    status=status,
                    body_preview=preview,
                ),
            )
        if 300 <= status < 400:
            location = response.headers.get("Location")
            target = str(response.url.join(location)) if location else ""
            suffix = "/" + path.strip("/")
            base = target.split("?", 1)[0]
            key = "QTICKETS_API_BASE_URL"
            where = f"{key}={base[: -len(suffix)]}" if base.endswith(suffix) else key
            raise ApiHttpError(
                f"QTickets API answered HTTP {status} on {describe}, redirecting to {target or '(no Location header)'}",
                f"if that address is right, set {where}; redirects are not followed, so that the token is never "
                "sent to another address",
                status=status,
                body_preview=preview,
            )
        if status != 200:
            raise ApiHttpError(
                f"QTickets API answered HTTP {status} on {describe}: {preview[:200]}",
                "check QTICKETS_API_BASE_URL (it should end in /api/rest/v1)",
                status=status,
                body_preview=preview,
            )
        try:
            return decode(raw)
        except msgspec.DecodeError:
            kind = "an HTML page" if raw.lstrip()[:1] == b"<" else "invalid or truncated JSON"
            raise TransientError(
                f"HTTP 200 with {kind}",
                final=ApiMalformedError(
                    f"QTickets API answered {describe} with {kind}: {preview[:120]!r}",
                    "a proxy or the vendor is returning errors as pages; the next run will retry",
                ),
            ) from None

    # --- list calls -----------------------------------------------------------------------------------

    def list_page(self, resource: str, body: dict[str, Any], *, once: bool = False) -> Page:
        payload = self.get_json(resource, body, decode=_TOP_LEVEL.decode, once=once)
        self.stats.add(pages=1)
        data = payload.get("data") if isinstance(payload, dict) else None
        try:
            records = _RECORDS.decode(data) if data is not None else None
        except msgspec.ValidationError:
            records = None
        if records is None:
            raise ApiMalformedError(
                f"QTickets API answered GET /{resource} without a 'data' list: "
                f"{_preview(msgspec.json.encode(payload))}",
                "the API contract may have changed; run the probe",
            )
        paging_json = payload.get("paging")
        paging_value = msgspec.json.decode(paging_json) if paging_json is not None else None
        paging_raw: dict[str, Any] = paging_value if isinstance(paging_value, dict) else {}
        requested = int(body.get("perPage") or 50)
        paging = Paging(
            per_page=_int_or(paging_raw.get("perPage"), requested),
            current_page=_int_or(paging_raw.get("currentPage"), int(body.get("page") or 1)),
            total=_int_or(paging_raw.get("total"), None),
        )
        items = [record for record in records if memoryview(record)[:1].tobytes() == b"{"]
        return Page(items=items, paging=paging)

    def iter_by_id(
        self,
        resource: str,
        where: Where | None = None,
        *,
        per_page: int = 500,
        after_id: int = 0,
        up_to_id: int | None = None,
        select: list[str] | None = None,
    ) -> Iterator[list[Record]]:
        """Every record matching ``where``, ascending by id, one page at a time (keyset paging).

        Stops on an empty page, or once a page holds all the records its query still matches (``paging.total``);
        never on a short page alone. At most one request more than the pages of records."""
        last = after_id
        while True:
            conditions = list(where or [])
            conditions.append({"column": "id", "operator": ">", "value": last})
            if up_to_id is not None:
                conditions.append({"column": "id", "operator": "<=", "value": up_to_id})
            body: dict[str, Any] = {"where": conditions, "orderBy": {"id": "asc"}, "page": 1, "perPage": per_page}
            if select:
                body["select"] = select
            page = self.list_page(resource, body)
            ids = [i for i in (_record_id(item) for item in page.items) if i is not None]
            if ids and min(ids) <= last:
                raise ApiMalformedError(
                    f"GET /{resource} ignored the JSON body: asked for id > {last}, got id {min(ids)}",
                    "something between us and QTickets strips GET bodies; run the probe",
                )
            if up_to_id is not None and ids and max(ids) > up_to_id:
                raise ApiMalformedError(
                    f"GET /{resource} ignored the id range (asked id <= {up_to_id}, got {max(ids)})",
                    "run the probe",
                )
            log.debug(
                "Page of %s after id %d: %d records (perPage %d, total %s)",
                resource,
                last,
                len(page.items),
                page.paging.per_page,
                page.paging.total,
            )
            if not page.items:
                return
            yield page.items
            # Done only when the page is empty, or holds every record this query still matches (``total`` is
            # counted for ``id > last``): a short page is not the end, the API caps ``perPage`` as it likes,
            # and an answer without ``paging`` pages on until empty.
            if not ids or (page.paging.total is not None and len(page.items) >= page.paging.total):
                return
            last = max(ids)

    def newest_id(self, resource: str, where: Where | None = None) -> tuple[int | None, int | None]:
        """The highest id matching ``where`` and the matching total, from one small page."""
        page = self.list_page(
            resource, {"where": list(where or []), "orderBy": {"id": "desc"}, "page": 1, "perPage": 1}
        )
        ids = [i for i in (_record_id(item) for item in page.items) if i is not None]
        return (max(ids) if ids else None), page.paging.total

    # --- single objects ---------------------------------------------------------------------------------

    def get_object(self, path: str, body: dict[str, Any] | None = None, *, raw: bool = False) -> Any:
        """The ``data`` of a single-object answer: parsed, or with ``raw`` as its JSON text (``msgspec.Raw``)."""
        payload = self.get_json(path, body, decode=_TOP_LEVEL.decode if raw else msgspec.json.decode)
        if not isinstance(payload, dict) or "data" not in payload:
            raise ApiMalformedError(
                f"QTickets API answered GET /{path} without 'data': {_preview(msgspec.json.encode(payload))}",
                "the API contract may have changed; run the probe",
            )
        return payload["data"]

    def get_order(self, order_id: int) -> Any:
        return self.get_object(f"orders/{int(order_id)}")

    def get_event(self, event_id: int) -> Any:
        return self.get_object(f"events/{int(event_id)}")

    def get_seats(self, show_id: int) -> Any:
        """The seat records of a show as JSON text: a megabyte for a big hall, decoded by ``transform.inventory``."""
        return self.get_object(f"shows/{int(show_id)}/seats", {"flat": True}, raw=True)


def _record_id(item: Record) -> int | None:
    value = _ID_ONLY.decode(item).id
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _int_or(value: Any, default: Any) -> Any:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _preview(raw: bytes, limit: int = 300) -> str:
    text = raw[:limit].decode("utf-8", errors="replace")
    return " ".join(text.split())
