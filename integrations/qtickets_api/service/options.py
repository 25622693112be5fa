"""The service's own settings: where it listens, whether it runs the loader, and who may look.

They come from the command line and from the same env sources as the loader's settings (env file first, then the
process environment): ``DASHBOARD_PASSWORD`` / ``DASHBOARD_USER`` for HTTP basic auth, and
``DASHBOARD_CLICKHOUSE_USER`` / ``DASHBOARD_CLICKHOUSE_PASSWORD`` for the read-only ClickHouse user of the
dashboard on a server (``bi_reader``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import ConfigError
from .readers import ReaderCredentials


@dataclass(frozen=True)
class ServiceOptions:
    host: str = "127.0.0.1"
    port: int = 8080
    schedule: bool = True
    user: str = "dashboard"
    password: str = field(default="", repr=False)
    reader: ReaderCredentials | None = None

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


def service_options(env: Mapping[str, str], *, host: str, port: int, schedule: bool) -> ServiceOptions:
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
    )
