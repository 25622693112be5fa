"""Every error the product reports to a person, as one tree.

ZakazError                 one clear line: what is wrong (``str(e)``) and what to do (``hint``)
├── ConfigError            missing or invalid setting, unreadable env file            exit 2
├── RunLocked              another loader run holds the job lock                      exit 0 (skip)
├── ApiError               QTickets answered in a way the loader cannot use           exit 1
│   ├── ApiAuthError       401/403: the token is wrong or revoked
│   ├── ApiHttpError       a non-retryable status, or retries exhausted
│   ├── ApiUnreachable     connection refused / DNS / TLS / timeouts past the retry budget
│   └── ApiMalformedResponse  not JSON, or JSON of an unexpected shape
├── WorkerFailed           a worker process encoding orders died                      exit 1
└── StorageError           ClickHouse could not be used                               exit 1
    ├── StorageUnreachable the server did not answer, or refused the credentials
    └── DataDirLocked      the embedded data directory is open in another process
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


class RunLocked(ZakazError):
    exit_code = 0


class ApiError(ZakazError):
    pass


class ApiAuthError(ApiError):
    pass


class ApiHttpError(ApiError):
    def __init__(self, message: str, hint: str = "", *, status: int = 0, body_preview: str = "") -> None:
        super().__init__(message, hint)
        self.status = status
        self.body_preview = body_preview


class ApiUnreachable(ApiError):
    pass


class ApiMalformedResponse(ApiError):
    pass


class WorkerFailed(ZakazError):
    pass


class StorageError(ZakazError):
    pass


class StorageUnreachable(StorageError):
    pass


class DataDirLocked(StorageError):
    pass
