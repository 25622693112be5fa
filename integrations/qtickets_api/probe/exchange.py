"""One HTTP exchange, sent once and recorded whole: what went out, what came back, when, and a digest.

The probe needs what ``QTicketsClient`` deliberately cannot do (query strings, POST, HEAD, no retries),
so it has its own tiny sender on top of ``httpx``. A record never holds the token: the Authorization
header is stored as its fingerprint, and every saved text passes through ``redact``. Response bodies
are stored without buyers' personal data.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from .._version import __version__
from ..domain.moscow import MOSCOW
from ..domain.redaction import fingerprint, redact, scrub_personal_data

USER_AGENT = f"zakaz-dashboard-probe/{__version__}"
TEXT_LIMIT = 4000
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ID_HEADER = re.compile(r"(?i)(request[-_]?id|x-request|trace|cf-ray|correlation)")
_SECRET_HEADERS = frozenset({"set-cookie", "cookie", "authorization", "proxy-authorization"})


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def msk_text(moment: datetime) -> str:
    return moment.astimezone(MOSCOW).strftime("%Y-%m-%d %H:%M:%S МСК")


def both_times(moment: datetime) -> str:
    return f"{utc_text(moment)} ({msk_text(moment)})"


def parse_ts(value: Any) -> datetime | None:
    """An API timestamp as an aware datetime (no offset means Moscow time), or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace(" ", "T", 1))
    except ValueError:
        return None
    return moment.replace(tzinfo=MOSCOW) if moment.tzinfo is None else moment


def scrub_text(text: str, secrets: list[str]) -> str:
    """Text safe to save: secrets replaced by fingerprints, anything that looks like an e-mail removed."""
    return _EMAIL.sub("<email>", redact(text, secrets))


def id_like_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Headers that identify a request on the server side (worth quoting to support)."""
    return [(name, value) for name, value in headers if _ID_HEADER.search(name)]


@dataclass(frozen=True)
class ItemDigest:
    """What the diagnosis needs of one returned record; no personal data."""

    id: int | None
    payed: bool | None
    payed_at: str | None
    created_at: str | None
    updated_at: str | None
    deleted_at: str | None

    @classmethod
    def of(cls, item: dict[str, Any]) -> ItemDigest:
        raw_id = item.get("id")
        ident = raw_id if isinstance(raw_id, int) and not isinstance(raw_id, bool) else None
        if isinstance(raw_id, str) and raw_id.isdigit():
            ident = int(raw_id)
        payed = item.get("payed")

        def text(key: str) -> str | None:
            value = item.get(key)
            return value if isinstance(value, str) else None

        return cls(
            id=ident,
            payed=bool(payed) if payed is not None else None,
            payed_at=text("payed_at"),
            created_at=text("created_at"),
            updated_at=text("updated_at"),
            deleted_at=text("deleted_at"),
        )

    def ts(self, name: str) -> datetime | None:
        value: str | None = getattr(self, name)
        return parse_ts(value)


@dataclass
class Exchange:
    """One request and its answer, as saved in ``probe_records.json`` and the step files."""

    step: str
    method: str
    url: str
    request_headers: dict[str, str]
    request_body: str | None
    started_at: datetime
    status: int | None = None
    reason: str = ""
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    body_kind: str = "none"  # json | html | text | empty | none (no answer)
    body_text: str = ""
    body_preview: str = ""
    error_code: str | None = None
    transport_error: str | None = None
    item_count: int = 0
    items: list[ItemDigest] = field(default_factory=list)
    paging: dict[str, Any] | None = None
    elapsed_ms: float = 0.0
    size_bytes: int = 0

    @property
    def answered(self) -> bool:
        return self.status is not None

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def ids(self) -> list[int]:
        return [item.id for item in self.items if item.id is not None]

    @property
    def first_id(self) -> int | None:
        ids = self.ids
        return ids[0] if ids else None

    @property
    def last_id(self) -> int | None:
        ids = self.ids
        return ids[-1] if ids else None

    @property
    def total(self) -> int | None:
        if not self.paging:
            return None
        value = self.paging.get("total")
        return value if isinstance(value, int) else None

    def span(self, name: str) -> tuple[datetime, datetime] | None:
        """Earliest and latest value of a date field over the returned items."""
        stamps = [ts for ts in (item.ts(name) for item in self.items) if ts is not None]
        return (min(stamps), max(stamps)) if stamps else None

    def status_text(self) -> str:
        if self.status is None:
            return f"нет ответа ({self.transport_error})"
        return f"HTTP {self.status}"

    def request_line(self) -> str:
        return f"{self.method} {self.url}"

    def to_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["started_at"] = self.started_at.isoformat()
        doc["time_utc"] = utc_text(self.started_at)
        doc["time_msk"] = msk_text(self.started_at)
        doc["first_id"] = self.first_id
        doc["last_id"] = self.last_id
        doc.pop("body_text")
        for name in ("created_at", "payed_at", "updated_at"):
            span = self.span(name)
            doc[f"{name}_range"] = [span[0].isoformat(), span[1].isoformat()] if span else None
        return doc


class Recorder:
    """Sends single requests (no retries, no redirects) and records each one as an ``Exchange``."""

    def __init__(
        self,
        token: str,
        *,
        timeout_s: float = 60.0,
        transport: httpx.BaseTransport | None = None,
        secrets: list[str] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._token = token
        self._secrets = [token, *(secrets or [])]
        self._clock = clock
        self.sent = 0
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 10.0)),
            transport=transport,
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT},
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def auth_label(self) -> str:
        return f"Bearer <{fingerprint(self._token)}>"

    def send(
        self,
        step: str,
        method: str,
        url: str,
        *,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Exchange:
        sent_headers = {"Authorization": f"Bearer {self._token}", **(headers or {})}
        shown_headers = {"User-Agent": USER_AGENT, **(headers or {}), "Authorization": self.auth_label}
        record = Exchange(
            step=step,
            method=method,
            url=scrub_text(url, self._secrets),
            request_headers=shown_headers,
            request_body=scrub_text(content.decode("utf-8", "replace"), self._secrets) if content is not None else None,
            started_at=self._clock(),
        )
        started = time.perf_counter()
        self.sent += 1
        try:
            response = self._http.request(method, url, content=content, headers=sent_headers)
        except httpx.HTTPError as exc:
            record.elapsed_ms = (time.perf_counter() - started) * 1000
            record.transport_error = scrub_text(f"{exc.__class__.__name__}: {exc}", self._secrets)[:300]
            return record
        record.elapsed_ms = (time.perf_counter() - started) * 1000
        self._fill(record, response)
        return record

    def _fill(self, record: Exchange, response: httpx.Response) -> None:
        record.status = response.status_code
        record.reason = response.reason_phrase
        record.response_headers = [
            (name, "<omitted>" if name.lower() in _SECRET_HEADERS else scrub_text(value, self._secrets))
            for name, value in response.headers.multi_items()
        ]
        raw = response.content
        record.size_bytes = len(raw)
        content_type = response.headers.get("content-type", "").lower()
        parsed: Any = None
        is_json = False
        if raw.strip()[:1] in (b"{", b"["):
            try:
                parsed = json.loads(raw)
                is_json = True
            except ValueError:
                is_json = False
        if is_json:
            clean = scrub_personal_data(parsed)
            record.body_kind = "json"
            record.body_text = scrub_text(json.dumps(clean, ensure_ascii=False, indent=2), self._secrets)
            record.body_preview = scrub_text(json.dumps(clean, ensure_ascii=False)[:300], self._secrets)
            self._digest(record, parsed)
            return
        text = raw.decode("utf-8", "replace")
        if not text.strip():
            record.body_kind = "empty"
            return
        record.body_kind = "html" if ("html" in content_type or text.lstrip()[:1] == "<") else "text"
        shown = text[:TEXT_LIMIT]
        if len(text) > TEXT_LIMIT:
            shown += f"\n… [обрезано: всего {len(raw)} байт]"
        record.body_text = scrub_text(shown, self._secrets)
        record.body_preview = scrub_text(" ".join(text.split())[:300], self._secrets)

    @staticmethod
    def _digest(record: Exchange, parsed: Any) -> None:
        if isinstance(parsed, dict):
            code = parsed.get("code") or parsed.get("error")
            if isinstance(code, str) and record.status != 200:
                record.error_code = code[:100]
            data = parsed.get("data")
            if isinstance(parsed.get("paging"), dict):
                record.paging = {
                    key: value if isinstance(value, int) and not isinstance(value, bool) else None
                    for key, value in parsed["paging"].items()
                }
        else:
            data = parsed
        if isinstance(data, list):
            record.item_count = len(data)
            record.items = [ItemDigest.of(item) for item in data if isinstance(item, dict)]
        elif isinstance(data, dict):
            record.item_count = 1
            record.items = [ItemDigest.of(data)]
