"""The VK Ads access token: kept in ``meta_vk_ads_token``, reused while it lives, refreshed when it expires, and
a new one asked for only when there is none (VK Ads allows 5 live tokens per client: a loader that takes a new one
every run locks the account out within a day). The tokens are secrets: stored because refreshing needs them,
never printed or logged (fingerprints only), and the table is not granted to the dashboard's reader.
Page: https://ads.vk.com/doc/api/info/Authorization
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import msgspec

from integrations.ad_spend.loading import Counters
from integrations.ad_spend.settings import VkSettings
from integrations.qtickets_api.domain.redaction import fingerprint
from integrations.qtickets_api.errors import ApiAuthError, ApiHttpError, ApiMalformedError, ApiUnreachableError
from integrations.qtickets_api.logs import add_secrets
from integrations.qtickets_api.storage import schema
from integrations.qtickets_api.storage.connection import Storage

log = logging.getLogger("integrations.vk_ads")
TABLE = schema.VK_TOKEN.name
MARGIN = timedelta(minutes=5)
DELETE_HINT = (
    "VK Ads allows 5 live tokens per client and they are all taken (other tools, or an old loader): wait a day for "
    "them to expire, or run the loader once with --delete-tokens (it deletes every token of this client, so other "
    "tools using it must log in again)"
)


@dataclass
class Token:
    access: str
    refresh: str
    expires_at: datetime

    def alive(self, now: datetime) -> bool:
        return self.expires_at - MARGIN > now


class Tokens:
    def __init__(
        self,
        settings: VkSettings,
        client: httpx.Client,
        counters: Counters,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self._client = client
        self._counters = counters
        self._now = now
        self._token: Token | None = None

    def access(self, storage: Storage) -> str:
        """A live access token: the stored one, refreshed, or (only when there is none) a new one."""
        now = self._now()
        token = self._token or self._load(storage)
        if token is not None and token.alive(now):
            self._token = token
            return token.access
        if token is not None and token.refresh:
            refreshed = self._grant({"grant_type": "refresh_token", "refresh_token": token.refresh}, refreshing=True)
            if refreshed is not None:
                return self._keep(storage, refreshed, "refreshed")
        issued = self._grant({"grant_type": "client_credentials"}, refreshing=False)
        assert issued is not None
        return self._keep(storage, issued, "issued")

    def expire(self, storage: Storage) -> None:
        """The API refused the access token: forget that it lives (its refresh token may still work)."""
        if self._token is not None:
            self._token = Token(self._token.access, self._token.refresh, datetime(1970, 1, 1, tzinfo=UTC))
            self._store(storage, self._token)

    def delete_all(self, storage: Storage) -> None:
        """``token/delete.json``: a write to VK Ads, only on the operator's explicit --delete-tokens."""
        self._counters.requests += 1
        answer = self._post("/api/v2/oauth2/token/delete.json", {})
        if answer.status_code not in (200, 204):
            raise ApiHttpError(
                f"VK Ads refused to delete the tokens: HTTP {answer.status_code} {_oauth_error(answer)}",
                "check VK_ADS_CLIENT_ID and VK_ADS_CLIENT_SECRET",
                status=answer.status_code,
            )
        storage.command(
            f"ALTER TABLE {storage.db}.{TABLE} DELETE WHERE client_fp = {{fp:String}}", {"fp": self.settings.client_fp}
        )
        self._token = None
        log.info("VK Ads: every token of client %s deleted", fingerprint(self.settings.client_id))

    def _grant(self, form: dict[str, str], *, refreshing: bool) -> Token | None:
        self._counters.requests += 1
        answer = self._post("/api/v2/oauth2/token.json", form)
        if answer.status_code == 200:
            try:
                doc: Any = msgspec.json.decode(answer.content)
                lifetime = int(doc["expires_in"])
                return Token(
                    str(doc["access_token"]),
                    str(doc.get("refresh_token") or ""),
                    self._now() + timedelta(seconds=lifetime),
                )
            except (msgspec.DecodeError, KeyError, TypeError, ValueError):
                raise ApiMalformedError(
                    "VK Ads answered the token request with an unexpected body", "run again; report it if it persists"
                ) from None
        error = _oauth_error(answer)
        if refreshing and answer.status_code in (400, 401) and "invalid_client" not in error:
            log.info("VK Ads: the stored refresh token was refused (%s); asking for a new token", error)
            return None
        if answer.status_code == 403 and "limit" in error:
            raise ApiAuthError(f"VK Ads refused a new token: {error}", DELETE_HINT)
        if answer.status_code in (400, 401, 403):
            raise ApiAuthError(
                f"VK Ads refused the client credentials: HTTP {answer.status_code} {error}",
                "check VK_ADS_CLIENT_ID and VK_ADS_CLIENT_SECRET (Settings → API access)",
            )
        raise ApiHttpError(
            f"VK Ads token request failed: HTTP {answer.status_code} {error}",
            "the next run tries again",
            status=answer.status_code,
        )

    def _post(self, path: str, form: dict[str, str]) -> httpx.Response:
        body = {**form, "client_id": self.settings.client_id, "client_secret": self.settings.client_secret}
        try:
            return self._client.post(self.settings.url + path, data=body)
        except httpx.HTTPError as exc:
            raise ApiUnreachableError(
                f"VK Ads at {self.settings.url} did not answer: {exc.__class__.__name__}",
                "check the network and VK_ADS_API_URL; the next run tries again",
            ) from None

    def _keep(self, storage: Storage, token: Token, how: str) -> str:
        self._token = token
        add_secrets([token.access, token.refresh])  # should either ever reach a log line, it shows as a fingerprint
        self._store(storage, token)
        log.info(
            "VK Ads: token %s %s, valid until %s", fingerprint(token.access), how, f"{token.expires_at:%Y-%m-%d %H:%M}"
        )
        return token.access

    def _load(self, storage: Storage) -> Token | None:
        token = self._read(storage)
        if token is not None:
            add_secrets([token.access, token.refresh])
        return token

    def _read(self, storage: Storage) -> Token | None:
        rows = storage.rows(
            f"SELECT access_token, refresh_token, expires_at FROM {storage.db}.{TABLE} FINAL "
            "WHERE client_fp = {fp:String}",
            {"fp": self.settings.client_fp},
        )
        if not rows:
            return None
        access, refresh, expires = rows[0]
        return Token(str(access), str(refresh), expires.replace(tzinfo=UTC) if expires.tzinfo is None else expires)

    def _store(self, storage: Storage, token: Token) -> None:
        storage.insert(
            TABLE,
            [[self.settings.client_fp, token.access, token.refresh, token.expires_at, datetime.now(UTC)]],
            schema.VK_TOKEN.columns,
        )


def _oauth_error(answer: httpx.Response) -> str:
    try:
        doc: Any = msgspec.json.decode(answer.content)
        error = doc.get("error")
        if isinstance(error, dict):
            return f"{error.get('code', '')}: {error.get('message', '')}"
        return f"{error}: {doc.get('error_description', '')}"
    except (msgspec.DecodeError, AttributeError):
        return repr(answer.content[:80])


__all__ = ["Token", "Tokens"]
