"""The Reports service: ``POST /json/v5/reports``, answered as the documentation describes (see the package)."""

from __future__ import annotations

import hashlib
import random
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import msgspec

from qtickets_sim.ads import Campaign, day_stats

from .wire import HttpServer, Reply, Request

PATH = "/json/v5/reports"
FIELDS = frozenset({"Date", "CampaignId", "CampaignName", "Impressions", "Clicks", "Cost", "Ctr", "AvgCpc"})
REPORT_TYPES = frozenset({"CAMPAIGN_PERFORMANCE_REPORT", "CUSTOM_REPORT"})
QUEUE_LIMIT = 5


def vat_percent(day: date) -> int:
    """Russian VAT: 20 % until 2025, 22 % from 2026-01-01."""
    return 22 if day >= date(2026, 1, 1) else 20


@dataclass
class DirectFaults:
    revoked: bool = False  # the token was revoked: every request answers error 53
    stuck: bool = False  # offline reports never finish (202 forever)
    malformed: bool = False  # one data row of every report loses its last columns
    no_units: bool = False  # the account's API points are spent: error 152
    server_errors: int = 0  # the next N requests answer 500 error 1000


@dataclass
class DirectConfig:
    token: str
    campaigns: list[Campaign]
    today: date
    client_login: str | None = None  # set: the token is an agency's and Client-Login must name this client
    online_rows: int = 200  # larger reports are built offline only
    offline_polls: int = 2  # 202 answers before the report is ready
    retry_in: int = 1  # the retryIn header, seconds
    seed: int = 1


@dataclass
class _Queued:
    spec_key: str
    polls: int = 0


class DirectSimulator:
    def __init__(self, config: DirectConfig, faults: DirectFaults | None = None) -> None:
        self.config = config
        self.faults = faults or DirectFaults()
        self.requests: Counter[str] = Counter()
        self._names: dict[str, str] = {}  # ReportName -> spec key
        self._queue: dict[str, _Queued] = {}
        self._ready: set[str] = set()
        self._lock = threading.Lock()
        self._ids = 0

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> HttpServer:
        server = HttpServer(self.handle, host, port)
        return server

    # -- truth ------------------------------------------------------------------------------------------------

    def truth(self, first: date, last: date) -> dict[tuple[date, int], tuple[int, int, int]]:
        """(day, campaign id) -> (impressions, clicks, cost in kopecks without VAT), as the account recorded it."""
        found = {}
        day = first
        while day <= last:
            for campaign in self.config.campaigns:
                stats = day_stats(campaign, day) if day <= self.config.today else None
                if stats is not None and stats.impressions > 0:
                    found[(day, campaign.id)] = (stats.impressions, stats.clicks, stats.cost_kopecks)
            day += timedelta(days=1)
        return found

    # -- HTTP -------------------------------------------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        with self._lock:
            self._ids += 1
            request_id = f"{self.config.seed:04d}{self._ids:012d}"
            self.requests[request.path] += 1
            if request.path != PATH or request.method != "POST":
                return Reply(404, b"<html><body>404 Not Found</body></html>", {"Content-Type": "text/html"})
            return self._report(request, request_id)

    def _error(self, status: int, request_id: str, code: int, text: str, detail: str) -> Reply:
        body = {"error": {"request_id": request_id, "error_code": code, "error_string": text, "error_detail": detail}}
        headers = {"Content-Type": "application/json; charset=utf-8", "RequestId": request_id}
        return Reply(status, msgspec.json.encode(body), headers)

    def _report(self, request: Request, request_id: str) -> Reply:
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or not auth[7:].strip():
            return self._error(403, request_id, 53, "Ошибка авторизации", "OAuth-токен не указан")
        if auth[7:].strip() != self.config.token or self.faults.revoked:
            return self._error(403, request_id, 53, "Ошибка авторизации", "Недействительный OAuth-токен")
        login = request.headers.get("client-login")
        if self.config.client_login is not None and not login:
            return self._error(
                400,
                request_id,
                8000,
                "Некорректный запрос",
                "Для агентского аккаунта необходимо указать HTTP-заголовок Client-Login",
            )
        if login and login != (self.config.client_login or login):
            return self._error(403, request_id, 54, "Нет прав", f"Нет прав на доступ к клиенту {login}")
        if self.faults.server_errors > 0:
            self.faults.server_errors -= 1
            return self._error(500, request_id, 1000, "Сервер временно недоступен", "Попробуйте позже")
        if self.faults.no_units:
            return self._error(400, request_id, 152, "Недостаточно баллов", "Баллы API на текущий час израсходованы")
        try:
            spec = self._spec(msgspec.json.decode(request.body))
        except (msgspec.DecodeError, ValueError, TypeError, KeyError) as exc:
            return self._error(400, request_id, 8000, "Некорректный запрос", f"Неверная структура запроса: {exc}")
        key = hashlib.sha256(msgspec.json.encode(spec, order="sorted")).hexdigest()
        name = spec["ReportName"]
        if self._names.get(name, key) != key:
            return self._error(
                400,
                request_id,
                8000,
                "Некорректный запрос",
                "Отчет с таким названием, но другими параметрами уже существует",
            )
        self._names[name] = key
        rows = self._rows(spec)
        mode = request.headers.get("processingmode", "auto")
        if mode not in ("online", "offline", "auto"):
            return self._error(400, request_id, 8000, "Некорректный запрос", f"Неверный processingMode: {mode}")
        headers = {"RequestId": request_id, "units": "10/99990/100000"}
        if key not in self._ready:
            if mode == "online" and len(rows) > self.config.online_rows:
                return self._error(
                    400, request_id, 8000, "Некорректный запрос", "Отчет не может быть сформирован в режиме онлайн"
                )
            if mode != "online" and (mode == "offline" or len(rows) > self.config.online_rows):
                queued = self._queue.get(key)
                if queued is None:
                    if len(self._queue) >= QUEUE_LIMIT:
                        return self._error(
                            400, request_id, 9000, "Превышен лимит", "В очереди не может быть больше 5 отчетов"
                        )
                    self._queue[key] = _Queued(key)
                    return Reply(
                        201,
                        b"",
                        {**headers, "retryIn": str(self.config.retry_in), "reportsInQueue": str(len(self._queue))},
                    )
                queued.polls += 1
                if self.faults.stuck or queued.polls < self.config.offline_polls:
                    return Reply(
                        202,
                        b"",
                        {**headers, "retryIn": str(self.config.retry_in), "reportsInQueue": str(len(self._queue))},
                    )
                del self._queue[key]
            self._ready.add(key)
        return Reply(
            200,
            self._tsv(spec, rows, request.headers).encode(),
            {**headers, "Content-Type": "text/tab-separated-values; charset=utf-8"},
        )

    def _spec(self, doc: Any) -> dict[str, Any]:
        params = doc["params"]
        if not isinstance(params, dict):
            raise ValueError("params must be an object")
        fields = params["FieldNames"]
        if not isinstance(fields, list) or not fields or set(fields) - FIELDS:
            raise ValueError(f"FieldNames: unknown or empty {fields!r}")
        if params["ReportType"] not in REPORT_TYPES:
            raise ValueError(f"ReportType {params['ReportType']!r}")
        if params["DateRangeType"] != "CUSTOM_DATE":
            raise ValueError("only CUSTOM_DATE is simulated")
        if params["Format"] != "TSV":
            raise ValueError("Format must be TSV")
        if params["IncludeVAT"] not in ("YES", "NO"):
            raise ValueError("IncludeVAT must be YES or NO")
        criteria = params["SelectionCriteria"]
        first, last = date.fromisoformat(criteria["DateFrom"]), date.fromisoformat(criteria["DateTo"])
        if last < first:
            raise ValueError("DateTo is before DateFrom")
        name = params["ReportName"]
        if not isinstance(name, str) or not name.strip():
            raise ValueError("ReportName is required")
        return {
            "ReportName": name,
            "FieldNames": fields,
            "ReportType": params["ReportType"],
            "DateFrom": first.isoformat(),
            "DateTo": last.isoformat(),
            "IncludeVAT": params["IncludeVAT"],
        }

    def _rows(self, spec: dict[str, Any]) -> list[dict[str, Any]]:
        truth = self.truth(date.fromisoformat(spec["DateFrom"]), date.fromisoformat(spec["DateTo"]))
        names = {c.id: c.name for c in self.config.campaigns}
        rows = []
        for (day, campaign), (impressions, clicks, kopecks) in truth.items():
            vat = vat_percent(day) if spec["IncludeVAT"] == "YES" else 0
            micros = kopecks * 10_000 * (100 + vat) // 100
            rows.append(
                {
                    "Date": day.isoformat(),
                    "CampaignId": campaign,
                    "CampaignName": names[campaign],
                    "Impressions": impressions,
                    "Clicks": clicks,
                    "Cost": micros,
                    "Ctr": round(100 * clicks / impressions, 2),
                    "AvgCpc": micros // clicks if clicks else None,
                }
            )
        random.Random(f"{self.config.seed}:{spec['ReportName']}").shuffle(rows)
        return rows

    def _tsv(self, spec: dict[str, Any], rows: list[dict[str, Any]], headers: dict[str, str]) -> str:
        micros = headers.get("returnmoneyinmicros", "true").lower() != "false"
        fields = spec["FieldNames"]
        lines = []
        if headers.get("skipreportheader", "").lower() != "true":
            lines.append(f'"{spec["ReportName"]} ({spec["DateFrom"]} - {spec["DateTo"]})"')
        if headers.get("skipcolumnheader", "").lower() != "true":
            lines.append("\t".join(fields))
        for number, row in enumerate(rows):
            cells = [_cell(name, row[name], micros) for name in fields]
            if self.faults.malformed and number == len(rows) // 2:
                cells = cells[: max(1, len(cells) - 2)]
            lines.append("\t".join(cells))
        if headers.get("skipreportsummary", "").lower() != "true":
            lines.append(f"Total rows: {len(rows)}")
        return "\n".join(lines) + "\n"


def _cell(name: str, value: Any, micros: bool) -> str:
    if value is None:
        return "--"
    if name in ("Cost", "AvgCpc"):
        return str(value) if micros else f"{value / 1_000_000:.2f}"
    return str(value)
