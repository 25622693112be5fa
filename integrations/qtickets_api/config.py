"""Settings: where they come from (env file, process environment, aliases) and how they are checked.

Precedence: a key in ``--envfile`` wins over the process environment (the file is the explicit
argument; images and shells often carry a stray ``TZ``). ClickHouse keys missing from both are read
from ``secrets/.env.ch`` beside the env file, as the module README allows.
"""

from __future__ import annotations

import logging
import math
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

from .domain.redaction import fingerprint
from .errors import ConfigError
from .storage.connection import Target

log = logging.getLogger(__name__)

SAMPLE = "configs/.env.qtickets_api.sample"

# canonical key -> accepted aliases (the runbook's names), first match wins
ALIASES: dict[str, tuple[str, ...]] = {
    "QTICKETS_API_BASE_URL": ("QTICKETS_BASE_URL",),
    "QTICKETS_API_TOKEN": ("QTICKETS_TOKEN",),
    "TZ": ("REPORT_TZ",),
    "QTICKETS_SINCE_HOURS": ("QTICKETS_API_SINCE_HOURS",),
}
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


@dataclass(frozen=True)
class Settings:
    api_base_url: str
    api_token: str = field(repr=False)
    clickhouse_host: str | None = None
    clickhouse_user: str = "default"
    clickhouse_password: str = field(default="", repr=False)
    clickhouse_db: str = "zakaz"
    clickhouse_data_dir: Path = Path("var/clickhouse")
    clickhouse_ca_bundle: str | None = None
    clickhouse_verify: bool = True
    tz: str = "Europe/Moscow"
    org_name: str = ""
    since_hours: float = 24.0
    api_timeout_s: float = 60.0
    api_per_page: int = 500
    api_concurrency: int = 1
    api_max_attempts: int = 6
    api_retry_budget_s: float = 300.0
    api_backoff_s: float = 0.5
    envfile: Path | None = None

    @property
    def token_fingerprint(self) -> str:
        return fingerprint(self.api_token)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @property
    def uses_embedded_clickhouse(self) -> bool:
        return not self.clickhouse_host

    @property
    def clickhouse(self) -> Target:
        return Target(
            db=self.clickhouse_db,
            host=self.clickhouse_host,
            data_dir=self.clickhouse_data_dir,
            user=self.clickhouse_user,
            password=self.clickhouse_password,
            verify=self.clickhouse_verify,
            ca_bundle=self.clickhouse_ca_bundle,
        )

    def describe(self) -> dict[str, str]:
        """Every setting as text, safe to print: the token and password appear only as fingerprints."""
        return {
            "QTICKETS_API_BASE_URL": self.api_base_url,
            "QTICKETS_API_TOKEN": f"<set, {self.token_fingerprint}>",
            "CLICKHOUSE_HOST": self.clickhouse_host or f"<embedded: {self.clickhouse_data_dir}>",
            "CLICKHOUSE_USER": self.clickhouse_user,
            "CLICKHOUSE_PASSWORD": f"<set, {fingerprint(self.clickhouse_password)}>"
            if self.clickhouse_password
            else "<empty>",
            "CLICKHOUSE_DB": self.clickhouse_db,
            "TZ": self.tz,
            "ORG_NAME": self.org_name or "<empty>",
            "QTICKETS_SINCE_HOURS": f"{self.since_hours:g}",
        }


def read_env_sources(envfile: Path | None, *, refuse_open_perms: bool = False) -> dict[str, str]:
    """Merge the env file, ``secrets/.env.ch`` and the process environment into one mapping."""
    # The process's own TZ is the host's clock zone (containers run UTC), never the organiser's: the report zone
    # comes from the env file's TZ or from REPORT_TZ, else Moscow.
    merged: dict[str, str] = {k: v for k, v in os.environ.items() if k != "TZ"}
    if envfile is not None:
        file_values = _read_dotenv(envfile, refuse_open_perms=refuse_open_perms)
        ch_file = envfile.parent / ".env.ch"
        if ch_file.is_file() and ch_file.resolve() != envfile.resolve():
            for key, value in _read_dotenv(ch_file, refuse_open_perms=refuse_open_perms).items():
                if key.startswith("CLICKHOUSE_") and key not in file_values:
                    merged.setdefault(key, value)
        merged.update(file_values)
    return merged


NO_API = {"QTICKETS_API_BASE_URL": "http://unused", "QTICKETS_API_TOKEN": "unused"}


def load_storage_settings(envfile: Path | None, *, overrides: Mapping[str, str] | None = None) -> Settings:
    """The settings of a command that needs ClickHouse only (``sql``, ``plan``, ``freshness``, the ad commands):
    the QTickets keys may be missing from its env file."""
    return load_settings(envfile, overrides={**NO_API, **(overrides or {})})


def load_settings(
    envfile: Path | None,
    *,
    overrides: Mapping[str, str] | None = None,
    refuse_open_perms: bool = False,
    require_clickhouse: bool = True,
) -> Settings:
    env = read_env_sources(envfile, refuse_open_perms=refuse_open_perms)
    if overrides:
        env.update(overrides)
    where = f"in {envfile}" if envfile else "in the environment"

    def get(key: str) -> str | None:
        for name in (key, *ALIASES.get(key, ())):
            value = env.get(name)
            if value is not None and value.strip() != "":
                return value.strip()
        return None

    def required(key: str) -> str:
        value = get(key)
        if value is None:
            aliases = ALIASES.get(key, ())
            also = f" (or {', '.join(aliases)})" if aliases else ""
            raise ConfigError(f"{key}{also} is not set {where}", f"add it; see {SAMPLE}")
        return value

    base_url = required("QTICKETS_API_BASE_URL").rstrip("/")
    _check_url("QTICKETS_API_BASE_URL", base_url)
    token = required("QTICKETS_API_TOKEN")
    if any(ch.isspace() for ch in token) or token.lower().startswith("bearer"):
        raise ConfigError(
            "QTICKETS_API_TOKEN contains spaces or a 'Bearer' prefix",
            "put only the token itself in the env file",
        )

    ch_host = get("CLICKHOUSE_HOST")
    if ch_host:
        if "://" not in ch_host:
            raise ConfigError(
                f"CLICKHOUSE_HOST={ch_host!r} has no scheme",
                "write it as https://host:8443 (or http://host:8123); leave it unset for the embedded engine",
            )
        _check_url("CLICKHOUSE_HOST", ch_host)
    db = get("CLICKHOUSE_DB") or "zakaz"
    if not _IDENT.match(db):
        raise ConfigError(f"CLICKHOUSE_DB={db!r} is not a plain identifier", "use letters, digits and _")

    tz = get("TZ") or "Europe/Moscow"
    tz = tz.lstrip(":")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"TZ={tz!r} is not a known time zone", "use an IANA name such as Europe/Moscow") from None

    return Settings(
        api_base_url=base_url,
        api_token=token,
        clickhouse_host=ch_host,
        clickhouse_user=get("CLICKHOUSE_USER") or "default",
        clickhouse_password=get("CLICKHOUSE_PASSWORD") or "",
        clickhouse_db=db,
        clickhouse_data_dir=Path(get("CLICKHOUSE_DATA_DIR") or "var/clickhouse"),
        clickhouse_ca_bundle=get("CLICKHOUSE_CA_BUNDLE"),
        clickhouse_verify=_bool("CLICKHOUSE_VERIFY", get("CLICKHOUSE_VERIFY"), True),
        tz=tz,
        org_name=get("ORG_NAME") or "",
        since_hours=_number("QTICKETS_SINCE_HOURS", get("QTICKETS_SINCE_HOURS"), 24.0, minimum=0.01),
        api_timeout_s=_number("QTICKETS_API_TIMEOUT", get("QTICKETS_API_TIMEOUT"), 60.0, minimum=0.1),
        api_per_page=int(_number("QTICKETS_API_PER_PAGE", get("QTICKETS_API_PER_PAGE"), 500, minimum=1)),
        api_concurrency=int(
            _number("QTICKETS_API_CONCURRENCY", get("QTICKETS_API_CONCURRENCY"), 1, minimum=1, maximum=16)
        ),
        api_max_attempts=int(
            _number("QTICKETS_API_MAX_ATTEMPTS", get("QTICKETS_API_MAX_ATTEMPTS"), 6, minimum=1, maximum=50)
        ),
        api_retry_budget_s=_number(
            "QTICKETS_API_RETRY_BUDGET_S", get("QTICKETS_API_RETRY_BUDGET_S"), 300.0, minimum=0.0
        ),
        api_backoff_s=_number("QTICKETS_API_BACKOFF_S", get("QTICKETS_API_BACKOFF_S"), 0.5, minimum=0.0, maximum=60),
        envfile=envfile,
    )


def _read_dotenv(path: Path, *, refuse_open_perms: bool) -> dict[str, str]:
    if not path.is_file():
        raise ConfigError(f"env file {path} does not exist", f"create it from {SAMPLE}")
    mode = path.stat().st_mode
    if mode & (stat.S_IRGRP | stat.S_IROTH | stat.S_IWGRP | stat.S_IWOTH):
        message = f"env file {path} is readable by other users (mode {stat.S_IMODE(mode):o})"
        if refuse_open_perms:
            raise ConfigError(message, f"run: chmod 600 {path}")
        log.warning("%s; run: chmod 600 %s", message, path)
    try:
        values = dotenv_values(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"env file {path} cannot be read: {exc.__class__.__name__}", "check the file") from None
    return {k: v for k, v in values.items() if v is not None}


def _check_url(key: str, value: str) -> None:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConfigError(f"{key}={value!r} is not an http(s) URL", f"fix it; see {SAMPLE}")
    try:
        parsed.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise ConfigError(f"{key}={value!r} has an invalid port", f"fix it; see {SAMPLE}") from None


def _number(key: str, raw: str | None, default: float, *, minimum: float, maximum: float | None = None) -> float:
    if raw is None:
        return float(default)
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{key}={raw!r} is not a number", "fix it in the env file") from None
    if not math.isfinite(value):
        raise ConfigError(f"{key}={raw!r} is not a finite number", "fix it in the env file")
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum:g} and {maximum:g}" if maximum is not None else f"at least {minimum:g}"
        raise ConfigError(f"{key}={raw!r} is out of range", f"use a value {bound}")
    return value


def _bool(key: str, raw: str | None, default: bool) -> bool:
    if raw is None:
        return default
    lowered = raw.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{key}={raw!r} is not a boolean", "use true or false")


__all__ = ["NO_API", "Settings", "load_settings", "load_storage_settings", "read_env_sources"]
