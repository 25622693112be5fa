"""The service's own settings: where it listens, whether it runs the loader, and who may look.

They come from the command line and from the same env sources as the loader's settings (env file first, then the
process environment): ``DASHBOARD_PASSWORD`` / ``DASHBOARD_USER`` for HTTP basic auth, and
``DASHBOARD_CLICKHOUSE_USER`` / ``DASHBOARD_CLICKHOUSE_PASSWORD`` for the read-only ClickHouse user of the
dashboard on a server (``bi_reader``); ``QTICKETS_WEBHOOK_SECRET`` turns the webhook receiver on
(``QTICKETS_WEBHOOK_PATH``, ``QTICKETS_WEBHOOK_MAX_BYTES`` and ``QTICKETS_WEBHOOK_DEBOUNCE_MS`` tune it).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..domain.redaction import fingerprint
from ..errors import ConfigError
from ..webhooks.supervise import RESTART_S
from .readers import ReaderCredentials

WEBHOOK_PATH = "/webhooks/qtickets"
WEBHOOK_MAX_BYTES = 1024 * 1024
WEBHOOK_DEBOUNCE_MS = 250


@dataclass(frozen=True)
class WebhookOptions:
    """The receiver's settings; without a secret it is off (its path answers 404)."""

    secret: str = field(default="", repr=False)
    path: str = WEBHOOK_PATH
    max_bytes: int = WEBHOOK_MAX_BYTES
    debounce_s: float = WEBHOOK_DEBOUNCE_MS / 1000
    inventory: bool = True  # re-read the seats of touched shows (needs the QTickets API settings)
    restart_s: float = RESTART_S  # a stopped store or refresher thread is started again after this long

    @property
    def enabled(self) -> bool:
        return bool(self.secret)

    @property
    def secret_fingerprint(self) -> str:
        return fingerprint(self.secret)


@dataclass(frozen=True)
class ServiceOptions:
    host: str = "127.0.0.1"
    port: int = 8080
    schedule: bool = True
    user: str = "dashboard"
    password: str = field(default="", repr=False)
    reader: ReaderCredentials | None = None
    webhooks: WebhookOptions = field(default_factory=WebhookOptions)

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def service_options(
    env: Mapping[str, str], *, host: str, port: int, schedule: bool, api: bool = True
) -> ServiceOptions:
    """``api``: whether the QTickets API settings are real (``serve --no-schedule`` may run without them)."""
    password = (env.get("DASHBOARD_PASSWORD") or "").strip()
    if not is_loopback(host) and not password:
        raise ConfigError(
            f"the dashboard would listen on {host}, beyond this machine, without a password",
            "set DASHBOARD_PASSWORD in the env file (HTTP basic auth), or listen on 127.0.0.1 behind a proxy",
        )
    if password and len(password) < 8:
        raise ConfigError("DASHBOARD_PASSWORD is shorter than 8 characters", "choose a longer password")
    reader_user = (env.get("DASHBOARD_CLICKHOUSE_USER") or "").strip()
    reader = ReaderCredentials(reader_user, env.get("DASHBOARD_CLICKHOUSE_PASSWORD") or "") if reader_user else None
    return ServiceOptions(
        host=host,
        port=port,
        schedule=schedule,
        user=(env.get("DASHBOARD_USER") or "dashboard").strip(),
        password=password,
        reader=reader,
        webhooks=webhook_options(env, api=api),
    )


def webhook_options(env: Mapping[str, str], *, api: bool = True) -> WebhookOptions:
    secret = (env.get("QTICKETS_WEBHOOK_SECRET") or "").strip()
    if secret and len(secret) < 16:
        raise ConfigError("QTICKETS_WEBHOOK_SECRET is shorter than 16 characters", "choose a longer random secret")
    path = (env.get("QTICKETS_WEBHOOK_PATH") or WEBHOOK_PATH).strip()
    if not path.startswith("/") or path.startswith(("/api/", "/static/")) or path in ("/", "/healthz", "/api"):
        raise ConfigError(f"QTICKETS_WEBHOOK_PATH={path!r} is not a free path", f"use a path such as {WEBHOOK_PATH}")
    return WebhookOptions(
        secret=secret,
        path=path,
        max_bytes=_positive(env, "QTICKETS_WEBHOOK_MAX_BYTES", WEBHOOK_MAX_BYTES),
        debounce_s=_positive(env, "QTICKETS_WEBHOOK_DEBOUNCE_MS", WEBHOOK_DEBOUNCE_MS, minimum=0) / 1000,
        inventory=api,
    )


def _positive(env: Mapping[str, str], key: str, default: int, *, minimum: int = 1) -> int:
    raw = (env.get(key) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < minimum:
        raise ConfigError(f"{key}={raw!r} is not a whole number of at least {minimum}", "fix it in the env file")
    return int(raw)
