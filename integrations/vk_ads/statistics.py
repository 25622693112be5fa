"""Ad plans (VK Ads' campaigns) and their daily ``base`` statistics: shows, clicks, spent.

``GET /api/v2/ad_plans.json`` (names, 250 a page) and ``GET /api/v2/statistics/ad_plans/day.json`` with at most
200 ids and 92 days a request. ``spent`` is taken as roubles without VAT (the VAT is added at the day's rate and
the row says ``computed``). A 401 refreshes the token once; a 429 waits and asks again.
Pages: https://ads.vk.com/doc/api/info/Statistics , https://ads.vk.com/doc/api/resource/AdPlans
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx
import msgspec

from integrations.ad_spend.loading import Counters
from integrations.ad_spend.settings import VkSettings
from integrations.ad_spend.store import Campaign, SpendRow
from integrations.qtickets_api.errors import ApiAuthError, ApiHttpError, ApiMalformedError, ApiUnreachableError
from integrations.qtickets_api.storage.connection import Storage

from .tokens import Tokens

CHANNEL = "vk_ads"
MAX_IDS = 200
MAX_DAYS = 92
PAGE = 250
MAX_ATTEMPTS = 5


class VkStatistics:
    job = "vk_ads"
    channel = CHANNEL
    chunk_days = MAX_DAYS

    def __init__(
        self,
        settings: VkSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.account = settings.account
        self.counters = Counters()
        self._sleep = sleep
        self._client = httpx.Client(timeout=60, transport=transport)
        self.tokens = Tokens(settings, self._client, self.counters)

    def fetch(self, storage: Storage, first: date, last: date) -> list[SpendRow]:
        plans = self.ad_plans(storage)
        ids = sorted(plans)
        rows: list[SpendRow] = []
        for start in range(0, len(ids), MAX_IDS):
            batch = ids[start : start + MAX_IDS]
            doc = self._get(
                storage,
                "/api/v2/statistics/ad_plans/day.json",
                {
                    "id": ",".join(map(str, batch)),
                    "date_from": first.isoformat(),
                    "date_to": last.isoformat(),
                    "metrics": "base",
                },
            )
            rows += _rows(doc, plans, self.account, first, last)
        return rows

    def ad_plans(self, storage: Storage) -> dict[int, str]:
        plans: dict[int, str] = {}
        offset = 0
        while True:
            doc = self._get(
                storage, "/api/v2/ad_plans.json", {"fields": "id,name", "limit": str(PAGE), "offset": str(offset)}
            )
            try:
                items = doc["items"]
                count = int(doc["count"])
                for item in items:
                    plans[int(item["id"])] = str(item.get("name") or "")
            except (KeyError, TypeError, ValueError):
                raise ApiMalformedError(
                    "VK Ads sent an ad plans page of an unexpected shape",
                    "nothing was stored; run again, report it if it persists",
                ) from None
            offset += len(items)
            if not items or offset >= count:
                return plans

    def _get(self, storage: Storage, path: str, params: dict[str, str]) -> Any:
        refreshed = False
        for attempt in range(1, MAX_ATTEMPTS + 1):
            token = self.tokens.access(storage)
            self.counters.requests += 1
            try:
                answer = self._client.get(
                    self.settings.url + path, params=params, headers={"Authorization": f"Bearer {token}"}
                )
            except httpx.HTTPError as exc:
                if attempt == MAX_ATTEMPTS:
                    raise ApiUnreachableError(
                        f"VK Ads at {self.settings.url} did not answer: {exc.__class__.__name__}",
                        "check the network; the next run loads the days again",
                    ) from None
                self.counters.retries += 1
                self._sleep(2.0**attempt)
                continue
            if answer.status_code == 200:
                try:
                    return msgspec.json.decode(answer.content)
                except msgspec.DecodeError:
                    raise ApiMalformedError(
                        f"VK Ads answered {path} with something that is not JSON",
                        "nothing of this window was stored; run again",
                    ) from None
            if answer.status_code == 401 and not refreshed:
                refreshed = True
                self.counters.retries += 1
                self.tokens.expire(storage)
                continue
            if answer.status_code == 401:
                raise ApiAuthError(
                    f"VK Ads refused the access token on {path}: {_text(answer)}",
                    "the token was revoked: check the application's access in VK Ads (Settings → "
                    "API access) and VK_ADS_CLIENT_ID / VK_ADS_CLIENT_SECRET",
                )
            if (answer.status_code == 429 or answer.status_code >= 500) and attempt < MAX_ATTEMPTS:
                self.counters.retries += 1
                self._sleep(_retry_after(answer.headers.get("Retry-After"), attempt))
                continue
            raise ApiHttpError(
                f"VK Ads refused {path}: HTTP {answer.status_code} {_text(answer)}",
                "the next run loads the days again; if it persists, see docs/ads.md",
                status=answer.status_code,
            )
        raise AssertionError("unreachable")

    def close(self) -> None:
        self._client.close()


def _retry_after(raw: str | None, attempt: int) -> float:
    try:
        return min(60.0, max(0.5, float(raw))) if raw else float(2**attempt)
    except ValueError:
        return float(2**attempt)


def _text(answer: httpx.Response) -> str:
    try:
        error = msgspec.json.decode(answer.content).get("error")
        return f"{error.get('code')}: {error.get('message')}" if isinstance(error, dict) else str(error)
    except (msgspec.DecodeError, AttributeError):
        return repr(answer.content[:80])


def _rows(doc: Any, plans: dict[int, str], account: str, first: date, last: date) -> list[SpendRow]:
    rows = []
    try:
        for item in doc["items"]:
            plan_id = int(item["id"])
            for row in item["rows"]:
                day = date.fromisoformat(row["date"])
                if not first <= day <= last:
                    raise ValueError(f"day {day} outside the window asked for")
                base = row["base"]
                shows, clicks, spent = int(base["shows"]), int(base["clicks"]), Decimal(str(base["spent"]))
                if not spent.is_finite() or spent < 0:
                    raise ValueError(f"spent {base['spent']!r}")
                if shows == 0 and clicks == 0 and spent == 0:
                    continue
                ident = Campaign(CHANNEL, account, plan_id, plans.get(plan_id, ""))
                rows.append(SpendRow.without_vat(day, spent, ident, shows, clicks))
    except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
        raise ApiMalformedError(
            f"VK Ads sent statistics of an unexpected shape ({exc})",
            "nothing of this window was stored and earlier loads are kept; run again",
        ) from None
    return rows


__all__ = ["CHANNEL", "VkStatistics"]
