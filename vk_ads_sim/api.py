"""VK Ads API v2 answered as the documentation describes (see the package docstring for the pages)."""

from __future__ import annotations

import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qsl

import msgspec

from direct_sim.wire import HttpServer, Reply, Request
from qtickets_sim.ads import Campaign, day_stats

TOKEN_LIMIT = 5
TOKEN_LIFETIME_S = 86_400
MAX_DAYS = 92
MAX_IDS = 200
PAGE_CAP = 250
JSON = {"Content-Type": "application/json; charset=utf-8"}


@dataclass
class VkFaults:
    revoked: bool = False  # every access token refused (the user revoked the application)
    rate_limited: int = 0  # the next N API calls answer 429


@dataclass
class VkConfig:
    client_id: str
    client_secret: str
    campaigns: list[Campaign]
    today: date
    rate_per_s: int = 10
    clock: Callable[[], float] = time.time  # seconds; tests move it to expire tokens


@dataclass
class _Token:
    access: str
    refresh: str
    expires_at: float


@dataclass
class VkSimulator:
    config: VkConfig
    faults: VkFaults = field(default_factory=VkFaults)
    requests: Counter[str] = field(default_factory=Counter)
    tokens_issued: int = 0

    def __post_init__(self) -> None:
        self._tokens: list[_Token] = []
        self._lock = threading.Lock()
        self._second = (0, 0)

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> HttpServer:
        return HttpServer(self.handle, host, port)

    @property
    def live_tokens(self) -> int:
        now = self.config.clock()
        return sum(1 for t in self._tokens if t.expires_at > now)

    def truth(self, first: date, last: date) -> dict[tuple[date, int], tuple[int, int, int]]:
        """(day, ad plan id) -> (shows, clicks, spent in kopecks without VAT)."""
        found = {}
        day = first
        while day <= min(last, self.config.today):
            for campaign in self.config.campaigns:
                stats = day_stats(campaign, day)
                if stats is not None:
                    found[(day, campaign.id)] = (stats.impressions, stats.clicks, stats.cost_kopecks)
            day += timedelta(days=1)
        return found

    # -- HTTP -------------------------------------------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        with self._lock:
            self.requests[request.path] += 1
            if request.path == "/api/v2/oauth2/token.json" and request.method == "POST":
                return self._token(dict(parse_qsl(request.body.decode("utf-8", "replace"))))
            if request.path == "/api/v2/oauth2/token/delete.json" and request.method == "POST":
                return self._delete(dict(parse_qsl(request.body.decode("utf-8", "replace"))))
            refused = self._authorise(request)
            if refused is not None:
                return refused
            if request.path == "/api/v2/ad_plans.json" and request.method == "GET":
                return self._ad_plans(request.query)
            if request.path == "/api/v2/statistics/ad_plans/day.json" and request.method == "GET":
                return self._statistics(request.query)
            return Reply(404, msgspec.json.encode({"error": {"code": "not_found", "message": "Not found"}}), JSON)

    def _oauth_error(self, status: int, code: str, text: str) -> Reply:
        return Reply(status, msgspec.json.encode({"error": code, "error_description": text}), JSON)

    def _api_error(self, status: int, code: str, text: str) -> Reply:
        return Reply(status, msgspec.json.encode({"error": {"code": code, "message": text}}), JSON)

    def _client_ok(self, form: dict[str, str]) -> bool:
        return form.get("client_id") == self.config.client_id and secrets.compare_digest(
            form.get("client_secret", ""), self.config.client_secret
        )

    def _token(self, form: dict[str, str]) -> Reply:
        if not self._client_ok(form):
            return self._oauth_error(401, "invalid_client", "Invalid client_id or client_secret")
        now = self.config.clock()
        self._tokens = [t for t in self._tokens if t.expires_at > now or t.refresh]
        grant = form.get("grant_type")
        if grant == "refresh_token":
            for token in self._tokens:
                if token.refresh and token.refresh == form.get("refresh_token"):
                    token.access = "vkat-" + secrets.token_hex(16)
                    token.expires_at = now + TOKEN_LIFETIME_S
                    return self._issued(token)
            return self._oauth_error(400, "invalid_grant", "Invalid refresh token")
        if grant != "client_credentials":
            return self._oauth_error(400, "unsupported_grant_type", f"Unsupported grant type: {grant}")
        if len(self._tokens) >= TOKEN_LIMIT:
            return self._oauth_error(
                403, "token_limit_exceeded", f"The number of active tokens for this client is limited to {TOKEN_LIMIT}"
            )
        token = _Token("vkat-" + secrets.token_hex(16), "vkrt-" + secrets.token_hex(16), now + TOKEN_LIFETIME_S)
        self._tokens.append(token)
        self.tokens_issued += 1
        return self._issued(token)

    def _issued(self, token: _Token) -> Reply:
        body = {
            "access_token": token.access,
            "token_type": "bearer",
            "scope": "read_ads",
            "expires_in": str(TOKEN_LIFETIME_S),
            "refresh_token": token.refresh,
        }
        return Reply(200, msgspec.json.encode(body), JSON)

    def _delete(self, form: dict[str, str]) -> Reply:
        if not self._client_ok(form):
            return self._oauth_error(401, "invalid_client", "Invalid client_id or client_secret")
        self._tokens.clear()
        return Reply(204)

    def _authorise(self, request: Request) -> Reply | None:
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            return self._api_error(401, "invalid_token", "Authorization header is required")
        now = self.config.clock()
        token = next((t for t in self._tokens if t.access == auth[7:].strip()), None)
        if token is None or self.faults.revoked:
            return self._api_error(401, "invalid_token", "Invalid access token")
        if token.expires_at <= now:
            return self._api_error(401, "expired_token", "Access token expired")
        second = int(now)
        count = self._second[1] + 1 if self._second[0] == second else 1
        self._second = (second, count)
        if self.faults.rate_limited > 0 or count > self.config.rate_per_s:
            self.faults.rate_limited = max(0, self.faults.rate_limited - 1)
            return Reply(
                429,
                msgspec.json.encode({"error": {"code": "too_many_requests", "message": "Rate limit"}}),
                {**JSON, "Retry-After": "1"},
            )
        return None

    def _ad_plans(self, query: dict[str, str]) -> Reply:
        try:
            limit = int(query.get("limit", "20"))
            offset = int(query.get("offset", "0"))
        except ValueError:
            return self._api_error(400, "invalid_parameter", "limit and offset must be integers")
        if not 1 <= limit <= PAGE_CAP or offset < 0:
            return self._api_error(400, "invalid_parameter", f"limit must be 1..{PAGE_CAP}")
        fields = set((query.get("fields") or "id").split(","))
        campaigns = self.config.campaigns
        items = [
            {key: value for key, value in (("id", c.id), ("name", c.name), ("status", "active")) if key in fields}
            for c in campaigns[offset : offset + limit]
        ]
        return Reply(200, msgspec.json.encode({"count": len(campaigns), "offset": offset, "items": items}), JSON)

    def _statistics(self, query: dict[str, str]) -> Reply:
        try:
            first, last = date.fromisoformat(query["date_from"]), date.fromisoformat(query["date_to"])
            ids = [int(part) for part in query["id"].split(",") if part]
        except (KeyError, ValueError) as exc:
            return self._api_error(400, "invalid_parameter", f"date_from, date_to and id are required: {exc}")
        if last < first:
            return self._api_error(400, "invalid_parameter", "date_to is before date_from")
        if (last - first).days + 1 > MAX_DAYS:
            return self._api_error(400, "invalid_parameter", f"The period must not exceed {MAX_DAYS} days")
        if len(ids) > MAX_IDS:
            return self._api_error(400, "invalid_parameter", f"No more than {MAX_IDS} objects in one request")
        if query.get("metrics", "base") != "base":
            return self._api_error(400, "invalid_parameter", "only metrics=base is simulated")
        known = {c.id for c in self.config.campaigns}
        truth = self.truth(first, last)
        items: list[dict[str, Any]] = []
        for object_id in ids:
            if object_id not in known:
                continue
            rows, totals = [], [0, 0, 0]
            day = first
            while day <= last:
                shows, clicks, kopecks = truth.get((day, object_id), (0, 0, 0))
                rows.append({"date": day.isoformat(), "base": _base(shows, clicks, kopecks)})
                totals = [totals[0] + shows, totals[1] + clicks, totals[2] + kopecks]
                day += timedelta(days=1)
            items.append({"id": object_id, "rows": rows, "total": {"base": _base(*totals)}})
        return Reply(200, msgspec.json.encode({"items": items, "total": {}}), JSON)


def _base(shows: int, clicks: int, kopecks: int) -> dict[str, Any]:
    return {
        "shows": shows,
        "clicks": clicks,
        "goals": 0,
        "spent": f"{kopecks // 100}.{kopecks % 100:02d}",
        "cpm": f"{kopecks * 10 / shows / 100:.2f}" if shows else "0",
        "cpc": f"{kopecks / clicks / 100:.2f}" if clicks else "0",
        "ctr": round(100 * clicks / shows, 4) if shows else 0,
    }
