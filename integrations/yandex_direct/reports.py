"""The Reports API v5 protocol: one ``CAMPAIGN_PERFORMANCE_REPORT`` per window, in TSV, polled in offline mode.

``POST /json/v5/reports`` with the OAuth token (``Authorization: Bearer``), ``Client-Login`` for an agency's
client, ``processingMode: auto``; money in micros (integers, exact), cost with VAT (``IncludeVAT: YES``). A 201 or
202 answer means the report is queued or being built: we ask again with the same parameters after ``retryIn``
seconds, until 200 or the wait budget runs out. Every refusal becomes one line naming its ``error_code``.
Pages: https://yandex.ru/dev/direct/doc/ru/mode , https://yandex.ru/dev/direct/doc/ru/headers ,
https://yandex.ru/dev/direct/doc/ru/codes , https://yandex.ru/dev/direct/doc/ru/concepts/errors-list
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import msgspec

from integrations.ad_spend.loading import Counters
from integrations.ad_spend.settings import DirectSettings
from integrations.ad_spend.store import Campaign, SpendRow
from integrations.qtickets_api.errors import (
    ApiAuthError,
    ApiError,
    ApiHttpError,
    ApiMalformedError,
    ApiUnreachableError,
)
from integrations.qtickets_api.storage.connection import Storage

FIELDS = ("Date", "CampaignId", "CampaignName", "Impressions", "Clicks", "Cost")
CHANNEL = "yandex_direct"
RETRYABLE = frozenset({52, 1000, 1001, 1002})
HINTS = {
    53: "the OAuth token is wrong, expired or revoked: get a new one and put it in YANDEX_DIRECT_TOKEN",
    54: "the token has no rights to this account: check YANDEX_DIRECT_CLIENT_LOGIN (the agency's client login)",
    152: "the account's API points for this hour are spent: the next run will load the days again",
    506: "too many connections to the API at once: the next run will load the days again",
    513: "this login is not connected to Yandex Direct: check the account the token belongs to",
    8000: "the request was refused as invalid: check YANDEX_DIRECT_CLIENT_LOGIN; if it persists, report it",
    9000: "Yandex Direct's offline queue is full (5 reports per user): wait for other tools' reports or run later",
}
MAX_ATTEMPTS = 4


class DirectReports:
    job = "yandex_direct"
    channel = CHANNEL
    chunk_days = 31

    def __init__(
        self,
        settings: DirectSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.account = settings.account
        self.counters = Counters()
        self._sleep = sleep
        self._monotonic = monotonic
        self._client = httpx.Client(timeout=120, transport=transport)
        # Direct keeps a built report and serves it again to the same parameters and name: a name of this run's
        # own, so that a re-read of the last days gets today's figures and not a report built hours ago
        self._stamp = secrets.token_hex(4)

    def fetch(self, storage: Storage, first: date, last: date) -> list[SpendRow]:
        del storage  # Direct keeps no state of ours
        return parse_report(self.report(first, last), self.account)

    def report(self, first: date, last: date) -> str:
        fields_key = hashlib.sha256(",".join(FIELDS).encode()).hexdigest()[:6]
        body = {
            "params": {
                "SelectionCriteria": {"DateFrom": first.isoformat(), "DateTo": last.isoformat()},
                "FieldNames": list(FIELDS),
                "ReportName": f"zakaz spend {first:%Y%m%d}-{last:%Y%m%d} vat {fields_key} run {self._stamp}",
                "ReportType": "CAMPAIGN_PERFORMANCE_REPORT",
                "DateRangeType": "CUSTOM_DATE",
                "Format": "TSV",
                "IncludeVAT": "YES",
            }
        }
        headers = {
            "Authorization": f"Bearer {self.settings.token}",
            "Accept-Language": "ru",
            "processingMode": "auto",
            "skipReportHeader": "true",
            "skipReportSummary": "true",
        }
        if self.settings.client_login:
            headers["Client-Login"] = self.settings.client_login
        started = self._monotonic()
        failures = 0
        while True:
            self.counters.requests += 1
            try:
                answer = self._client.post(self.settings.url, content=msgspec.json.encode(body), headers=headers)
            except httpx.HTTPError as exc:
                failures += 1
                if failures >= MAX_ATTEMPTS:
                    raise ApiUnreachableError(
                        f"Yandex Direct at {self.settings.url} did not answer: {exc.__class__.__name__}",
                        "check the network and YANDEX_DIRECT_API_URL; the days are loaded again by the next run",
                    ) from None
                self.counters.retries += 1
                self._sleep(2.0**failures)
                continue
            if answer.status_code == 200:
                return answer.content.decode("utf-8", "replace")
            if answer.status_code in (201, 202):
                waited = self._monotonic() - started
                if waited >= self.settings.report_wait_s:
                    raise ApiError(
                        f"Yandex Direct is still building the report for {first}..{last} after {waited:.0f} s "
                        f"(offline queue, answer {answer.status_code})",
                        "nothing was lost: the next run asks for the same report again (raise "
                        "YANDEX_DIRECT_REPORT_WAIT_S to wait longer)",
                    )
                self._sleep(_retry_in(answer.headers.get("retryIn")))
                continue
            code, text = _error(answer)
            if (code in RETRYABLE or answer.status_code in (500, 502)) and failures + 1 < MAX_ATTEMPTS:
                failures += 1
                self.counters.retries += 1
                self._sleep(2.0**failures)
                continue
            message = f"Yandex Direct refused the report for {first}..{last}: HTTP {answer.status_code}, {text}"
            hint = HINTS.get(code, "the days are loaded again by the next run; if it persists, see docs/ads.md")
            if code == 53 or answer.status_code == 401:
                raise ApiAuthError(message, hint)
            raise ApiHttpError(message, hint, status=answer.status_code)

    def close(self) -> None:
        self._client.close()


def _retry_in(raw: str | None) -> float:
    try:
        return min(60.0, max(1.0, float(raw or 5)))
    except ValueError:
        return 5.0


def _error(answer: httpx.Response) -> tuple[int, str]:
    try:
        doc: Any = msgspec.json.decode(answer.content)
        error = doc["error"]
        code = int(error["error_code"])
        detail = str(error.get("error_detail") or "").strip()
        return code, f"error {code} «{error.get('error_string', '')}»" + (f": {detail}" if detail else "")
    except (msgspec.DecodeError, KeyError, TypeError, ValueError):
        return 0, f"an answer that is not the documented error JSON ({answer.content[:80]!r})"


def parse_report(text: str, account: str) -> list[SpendRow]:
    """The TSV of a report: an optional title line, the column header, rows, an optional ``Total rows`` line.

    Every line is checked before any row is returned: a malformed report stores nothing of its window."""
    lines = [line for line in text.split("\n") if line.strip()]
    if lines and lines[0].startswith('"'):
        lines = lines[1:]  # the report title, if the header was not skipped
    if lines and lines[-1].startswith("Total rows:"):
        lines = lines[:-1]
    if not lines:
        raise ApiMalformedError(
            "Yandex Direct sent an empty report (no column header)", "run again; report it if it persists"
        )
    header = lines[0].split("\t")
    missing = [name for name in FIELDS if name not in header]
    if missing:
        raise ApiMalformedError(
            f"the Yandex Direct report lacks the columns {', '.join(missing)} (got {', '.join(header)[:120]})",
            "nothing of this window was stored; run again, report it if it persists",
        )
    at = {name: header.index(name) for name in FIELDS}
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        cells = line.split("\t")
        try:
            if len(cells) != len(header):
                raise ValueError(f"{len(cells)} cells, {len(header)} expected")
            day = date.fromisoformat(cells[at["Date"]])
            micros = int(cells[at["Cost"]])
            ident = Campaign(CHANNEL, account, int(cells[at["CampaignId"]]), cells[at["CampaignName"]])
            impressions, clicks = int(cells[at["Impressions"]]), int(cells[at["Clicks"]])
            rows.append(SpendRow.with_vat(day, Decimal(micros) / 1_000_000, ident, impressions, clicks))
        except ValueError as exc:
            raise ApiMalformedError(
                f"line {number} of the Yandex Direct report is malformed ({exc})",
                "nothing of this window was stored and what earlier runs loaded is kept; run again",
            ) from None
    return rows


__all__ = ["CHANNEL", "FIELDS", "DirectReports", "parse_report"]
