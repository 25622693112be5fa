"""The ad sources' settings: the ClickHouse target of the product's settings, and each source's own keys.

A source without credentials is off: its loader says so in one line and exits 0, and the service skips it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from integrations.qtickets_api.config import Settings, load_storage_settings, read_env_sources
from integrations.qtickets_api.domain.redaction import fingerprint
from integrations.qtickets_api.errors import ConfigError

DIRECT_URL = "https://api.direct.yandex.com/json/v5/reports"
VK_URL = "https://ads.vk.com"
SAMPLE = "configs/.env.qtickets_api.sample"


@dataclass(frozen=True)
class DirectSettings:
    token: str = field(repr=False)
    client_login: str | None
    url: str
    report_wait_s: float

    @property
    def account(self) -> str:
        return self.client_login or "own"


@dataclass(frozen=True)
class VkSettings:
    client_id: str = field(repr=False)
    client_secret: str = field(repr=False)
    url: str

    @property
    def client_fp(self) -> str:
        return fingerprint(f"{self.client_id}:{self.client_secret}")

    @property
    def account(self) -> str:
        return fingerprint(self.client_id)


@dataclass(frozen=True)
class AdSettings:
    base: Settings  # ClickHouse, time zone, org name
    direct: DirectSettings | None
    vk: VkSettings | None

    @property
    def secrets(self) -> list[str]:
        found = [self.base.clickhouse_password]
        if self.direct:
            found.append(self.direct.token)
        if self.vk:
            found += [self.vk.client_id, self.vk.client_secret]
        return [s for s in found if s]


def load_ad_settings(envfile: Path | None) -> AdSettings:
    base = load_storage_settings(envfile)
    return ad_settings(read_env_sources(envfile), base)


def ad_settings(sources: Mapping[str, str], base: Settings) -> AdSettings:
    """The ad sources' settings from env values already read (the service's), on the product's ClickHouse."""
    env = {k: v.strip() for k, v in sources.items() if v and v.strip()}
    direct = None
    if env.get("YANDEX_DIRECT_TOKEN"):
        token = env["YANDEX_DIRECT_TOKEN"]
        _plain("YANDEX_DIRECT_TOKEN", token)
        url = _url("YANDEX_DIRECT_API_URL", env.get("YANDEX_DIRECT_API_URL") or DIRECT_URL)
        wait = env.get("YANDEX_DIRECT_REPORT_WAIT_S") or "600"
        try:
            wait_s = float(wait)
        except ValueError:
            raise ConfigError(
                f"YANDEX_DIRECT_REPORT_WAIT_S={wait!r} is not a number", "give seconds, e.g. 600"
            ) from None
        direct = DirectSettings(token, env.get("YANDEX_DIRECT_CLIENT_LOGIN"), url, max(0.0, wait_s))
    vk = None
    client_id, secret = env.get("VK_ADS_CLIENT_ID"), env.get("VK_ADS_CLIENT_SECRET")
    if client_id or secret:
        if not (client_id and secret):
            missing = "VK_ADS_CLIENT_SECRET" if client_id else "VK_ADS_CLIENT_ID"
            raise ConfigError(f"{missing} is not set but its pair is", f"set both or neither; see {SAMPLE}")
        _plain("VK_ADS_CLIENT_SECRET", secret)
        vk = VkSettings(client_id, secret, _url("VK_ADS_API_URL", env.get("VK_ADS_API_URL") or VK_URL))
    return AdSettings(base, direct, vk)


def _plain(key: str, value: str) -> None:
    if any(ch.isspace() for ch in value) or value.lower().startswith(("bearer", "oauth ")):
        raise ConfigError(f"{key} contains spaces or a 'Bearer' prefix", "put only the secret itself in the env file")


def _url(key: str, value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConfigError(f"{key}={value!r} is not an http(s) URL", f"fix it; see {SAMPLE}")
    return value.rstrip("/")


__all__ = ["DIRECT_URL", "VK_URL", "AdSettings", "DirectSettings", "VkSettings", "ad_settings", "load_ad_settings"]
