"""The notification settings, from the same env sources as the loader's (env file first, then the environment).

Every threshold has an env key and a default (docs/telegram.md lists them); a bad value is one clear line.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from ..domain.redaction import fingerprint
from ..errors import ConfigError

TELEGRAM_API = "https://api.telegram.org"
ALIASES: dict[str, tuple[str, ...]] = {"TELEGRAM_BOT_TOKEN": ("TG_BOT_TOKEN",), "TELEGRAM_CHAT_IDS": ("TG_CHAT_ID",)}


@dataclass(frozen=True)
class Thresholds:
    failed_runs: int = 2  # ALERT_FAILED_RUNS: failed loader runs in a row
    stale_minutes: float = 60.0  # ALERT_STALE_MINUTES: age of the last successful run
    webhook_silent_minutes: float = 60.0  # ALERT_WEBHOOK_SILENT_MINUTES: paid orders only the schedule found
    no_sales_days: int = 3  # ALERT_NO_SALES_DAYS: days without a sale of a show on sale
    behind_share: float = 0.3  # ALERT_BEHIND_SHARE: pace this share below the comparable shows' median
    sellout_share: float = 0.9  # ALERT_SELLOUT_SHARE: share of capacity sold (a show or a zone)
    refund_multiple: float = 3.0  # ALERT_REFUND_MULTIPLE: today's refunds over the usual day (28-day mean)
    refund_min_tickets: int = 5  # ALERT_REFUND_MIN_TICKETS: a spike needs at least this many refunded tickets


@dataclass(frozen=True)
class NotifySettings:
    bot_token: str = field(default="", repr=False)
    chat_ids: tuple[str, ...] = ()
    api_url: str = TELEGRAM_API
    dashboard_url: str = ""
    tz: str = "Europe/Moscow"  # the organiser's zone (TZ): digest time and quiet hours are read in it
    digest_time: time = time(9, 0)  # DIGEST_TIME
    quiet_from: time = time(23, 0)  # QUIET_HOURS=23:00-08:00
    quiet_to: time = time(8, 0)
    check_minutes: float = 15.0  # ALERT_CHECK_MINUTES: the service's timer
    thresholds: Thresholds = field(default_factory=Thresholds)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @property
    def token_fingerprint(self) -> str:
        return fingerprint(self.bot_token)

    @property
    def configured(self) -> bool:
        return bool(self.bot_token and self.chat_ids)

    def is_quiet(self, local: time) -> bool:
        start, end = self.quiet_from, self.quiet_to
        if start == end:
            return False
        return start <= local or local < end if start > end else start <= local < end


def load_notify_settings(env: Mapping[str, str], tz: str = "Europe/Moscow") -> NotifySettings:
    def get(key: str) -> str | None:
        for name in (key, *ALIASES.get(key, ())):
            value = env.get(name)
            if value is not None and value.strip():
                return value.strip()
        return None

    token = get("TELEGRAM_BOT_TOKEN") or ""
    if token and (any(ch.isspace() for ch in token) or ":" not in token):
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN does not look like a bot token (digits, a colon, then the secret)",
            "copy it from @BotFather without spaces",
        )
    chats = tuple(part.strip() for part in (get("TELEGRAM_CHAT_IDS") or "").split(",") if part.strip())
    for chat in chats:
        if not (chat.lstrip("-").isdigit() or (chat.startswith("@") and len(chat) > 1)):
            raise ConfigError(
                f"TELEGRAM_CHAT_IDS has {chat[:40]!r}, which is neither a chat id nor an @channel",
                "write numeric chat ids separated by commas, e.g. 123456789,-1001234567890",
            )
    api_url = (get("TELEGRAM_API_URL") or TELEGRAM_API).rstrip("/")
    _url("TELEGRAM_API_URL", api_url)
    dashboard = get("DASHBOARD_URL") or ""
    if dashboard:
        _url("DASHBOARD_URL", dashboard)
    quiet_from, quiet_to = _quiet(get("QUIET_HOURS") or "23:00-08:00")
    return NotifySettings(
        bot_token=token,
        chat_ids=chats,
        api_url=api_url,
        dashboard_url=dashboard,
        tz=tz,
        digest_time=_time("DIGEST_TIME", get("DIGEST_TIME") or "09:00"),
        quiet_from=quiet_from,
        quiet_to=quiet_to,
        check_minutes=_number(get, "ALERT_CHECK_MINUTES", 15.0, 1.0),
        thresholds=Thresholds(
            failed_runs=int(_number(get, "ALERT_FAILED_RUNS", 2, 1)),
            stale_minutes=_number(get, "ALERT_STALE_MINUTES", 60.0, 1.0),
            webhook_silent_minutes=_number(get, "ALERT_WEBHOOK_SILENT_MINUTES", 60.0, 1.0),
            no_sales_days=int(_number(get, "ALERT_NO_SALES_DAYS", 3, 1)),
            behind_share=_number(get, "ALERT_BEHIND_SHARE", 0.3, 0.0, 1.0),
            sellout_share=_number(get, "ALERT_SELLOUT_SHARE", 0.9, 0.01, 1.0),
            refund_multiple=_number(get, "ALERT_REFUND_MULTIPLE", 3.0, 1.0),
            refund_min_tickets=int(_number(get, "ALERT_REFUND_MIN_TICKETS", 5, 1)),
        ),
    )


def _url(key: str, value: str) -> None:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConfigError(f"{key}={value[:80]!r} is not an http(s) URL", "fix it in the env file")


def _time(key: str, raw: str) -> time:
    try:
        hours, minutes = raw.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ConfigError(f"{key}={raw[:40]!r} is not a time of day", "write it as HH:MM, e.g. 09:00") from None


def _quiet(raw: str) -> tuple[time, time]:
    if raw.lower() in ("off", "none", "0"):
        return time(0), time(0)
    start, sep, end = raw.partition("-")
    if not sep:
        raise ConfigError(f"QUIET_HOURS={raw[:40]!r} is not a range", "write it as 23:00-08:00, or off")
    return _time("QUIET_HOURS", start.strip()), _time("QUIET_HOURS", end.strip())


def _number(get: object, key: str, default: float, minimum: float, maximum: float | None = None) -> float:
    raw = get(key)  # type: ignore[operator]
    if raw is None:
        return float(default)
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{key}={raw[:40]!r} is not a number", "fix it in the env file") from None
    if not math.isfinite(value) or value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum:g} and {maximum:g}" if maximum is not None else f"at least {minimum:g}"
        raise ConfigError(f"{key}={raw[:40]!r} is out of range", f"use a value {bound}")
    return value
