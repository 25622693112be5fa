"""QTickets REST API → ClickHouse: the loader, the /orders probe, the dashboard and the service.

The public surface is ``__all__`` below (a test guards it): settings, a storage to open, one loader run as a
library call, and the error tree. Everything else is internal and may change.

    from integrations.qtickets_api import RunOptions, connect, default_window, load_settings, run_loader

    settings = load_settings(Path("secrets/.env.qtickets_api"))
    with connect(settings) as storage:
        since, until = default_window(24)
        result = run_loader(settings, RunOptions(since=since, until=until), storage=storage)
"""

from ._version import __version__
from .config import Settings, load_settings
from .errors import (
    ApiAuthError,
    ApiError,
    ApiHttpError,
    ApiMalformedError,
    ApiUnreachableError,
    ConfigError,
    DataDirLockedError,
    ProbeError,
    RunLockedError,
    StorageError,
    StorageQueryError,
    StorageUnreachableError,
    ZakazError,
)
from .ingest import DryRunPreview, RunOptions, RunResult, default_window, run_loader
from .storage import Storage, Target, connect

__all__ = [
    "ApiAuthError",
    "ApiError",
    "ApiHttpError",
    "ApiMalformedError",
    "ApiUnreachableError",
    "ConfigError",
    "DataDirLockedError",
    "DryRunPreview",
    "ProbeError",
    "RunLockedError",
    "RunOptions",
    "RunResult",
    "Settings",
    "Storage",
    "StorageError",
    "StorageQueryError",
    "StorageUnreachableError",
    "Target",
    "ZakazError",
    "__version__",
    "connect",
    "default_window",
    "load_settings",
    "run_loader",
]
