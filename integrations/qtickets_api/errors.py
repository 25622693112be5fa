"""Every error the product raises on purpose, as one tree. This module imports nothing of ours: every layer
may raise these, and a lower layer's own errors (the ClickHouse driver's, httpx's) are mapped to them at
that layer's boundary, so no command ever catches a library exception.

ZakazError                      one clear line: what is wrong (``str(e)``) and what to do (``hint``)
├── ConfigError                 missing or invalid setting, unreadable env file, bad flag      exit 2
│   └── PlanFileError           the organiser's plan CSV cannot be loaded (names the line)
├── RunLockedError              another loader run holds the run lock                         exit 0 (skip)
├── LeaseLostError              the run lease is no longer this run's: nothing more is published  exit 1
├── ApiError                    QTickets answered in a way the loader cannot use              exit 1
│   ├── ApiAuthError            401/403: the token is wrong or revoked
│   ├── ApiHttpError            a non-retryable status, or retries exhausted
│   ├── ApiUnreachableError     connection refused / DNS / TLS / timeouts past the retry budget
│   └── ApiMalformedError       not JSON, or JSON of an unexpected shape
├── StorageError                ClickHouse could not be used (every driver error becomes one)  exit 1
│   ├── StorageUnreachableError the server did not answer, or refused the credentials
│   ├── StorageQueryError       ClickHouse failed a statement (``code``: its error name, such as UNKNOWN_TABLE)
│   └── DataDirLockedError      the embedded data directory is open in another process
├── ProbeError                  the probe could not run, or must not keep what it wrote       exit 2
├── FilterError                 a dashboard filter value refused (HTTP 400, safe to show)
│   └── UnknownPanelError       no panel by that name (HTTP 404)
└── ServiceStoppingError        a loader run inside the service interrupted by its shutdown   exit 1

Outside the tree, because no person ever sees them:
TransientError                  one failed attempt of an API call that may succeed if tried again; the retry
                                policy turns the last one into its ``final`` ZakazError
InvalidRecordError              one API record without the shape the loader relies on; it becomes a reject row
"""

from __future__ import annotations


class ZakazError(Exception):
    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint

    def one_line(self) -> str:
        text = str(self)
        return f"{text} — {self.hint}" if self.hint else text


class ConfigError(ZakazError):
    exit_code = 2


class RunLockedError(ZakazError):
    exit_code = 0


class LeaseLostError(ZakazError):
    """Raised by a publishing step (facts, watermark, inventory, a migration) whose run no longer holds the lease."""


class ApiError(ZakazError):
    pass


class ApiAuthError(ApiError):
    pass


class ApiHttpError(ApiError):
    def __init__(self, message: str, hint: str = "", *, status: int = 0, body_preview: str = "") -> None:
        super().__init__(message, hint)
        self.status = status
        self.body_preview = body_preview


class ApiUnreachableError(ApiError):
    pass


class ApiMalformedError(ApiError):
    pass


class StorageError(ZakazError):
    pass


class StorageUnreachableError(StorageError):
    pass


class StorageQueryError(StorageError):
    def __init__(self, message: str, hint: str = "", *, code: str = "") -> None:
        super().__init__(message, hint)
        self.code = code


class DataDirLockedError(StorageError):
    pass


class PlanFileError(ConfigError):
    """The plan file cannot be loaded; the message names the line."""


class FilterError(ZakazError):
    """A filter value the dashboard refuses; the message is safe to show as it is (HTTP 400)."""


class UnknownPanelError(FilterError):
    """A panel name the dashboard does not have (HTTP 404); the message is safe to show as it is."""


class ServiceStoppingError(ZakazError):
    """Raised inside a loader run when the service is stopping (recorded as the run's error)."""


class ProbeError(ZakazError):
    """The probe could not run (or must not keep what it wrote)."""

    exit_code = 2


class TransientError(Exception):
    """One failed attempt that may succeed if tried again; carries what to report if it never does."""

    def __init__(self, what: str, *, final: ZakazError, retry_after_s: float | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.final = final
        self.retry_after_s = retry_after_s


class InvalidRecordError(ValueError):
    """A record that does not have the shape the loader relies on; the message says where."""


__all__ = [
    "ApiAuthError",
    "ApiError",
    "ApiHttpError",
    "ApiMalformedError",
    "ApiUnreachableError",
    "ConfigError",
    "DataDirLockedError",
    "FilterError",
    "InvalidRecordError",
    "LeaseLostError",
    "PlanFileError",
    "ProbeError",
    "RunLockedError",
    "ServiceStoppingError",
    "StorageError",
    "StorageQueryError",
    "StorageUnreachableError",
    "TransientError",
    "UnknownPanelError",
    "ZakazError",
]
