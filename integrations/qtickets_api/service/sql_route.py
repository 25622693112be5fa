"""``POST /internal/sql``: the ``sql`` command's statements while this service holds the embedded data directory.

Answered only on loopback and only with the bearer token this start wrote into the data directory
(``storage.service_endpoint``); the statement runs on a read-only session (``readonly = 2``), so a write or DDL is
refused by ClickHouse itself. The answer is the rendered result (``table`` or ``tsv``), or one line with 400
(a refused statement), 401 (a wrong token), 404 (not loopback, or not serving the embedded engine), 413, 503.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from ..errors import StorageError, StorageQueryError
from ..storage import service_endpoint
from ..storage.statements import render
from .options import is_loopback

MAX_BYTES = 1024 * 1024
HEADERS = {"Cache-Control": "no-store"}


class Querying(Protocol):
    def query(self, sql: str) -> tuple[list[str], list[Sequence[Any]]]: ...


class _Ask(msgspec.Struct, forbid_unknown_fields=True):
    statement: str
    format: str = "table"


@dataclass
class SqlRoute:
    """The endpoint of one service start: ``publish`` writes its file, ``withdraw`` removes it."""

    data_dir: Path
    port: int
    token: str = field(default_factory=service_endpoint.new_token, repr=False)
    readers: Querying | None = None

    def publish(self) -> None:
        service_endpoint.publish(self.data_dir, service_endpoint.Endpoint(os.getpid(), self.port, self.token))

    def withdraw(self) -> None:
        service_endpoint.withdraw(self.data_dir, os.getpid())

    async def answer(self, request: Request) -> Response:
        client = request.client.host if request.client else ""
        if self.readers is None or not is_loopback(client):
            return _line("not found", 404)
        given = request.headers.get("authorization", "").removeprefix("Bearer ").encode()
        if not hmac.compare_digest(given, self.token.encode()):
            return _line("wrong token: read it from the service's file in the data directory", 401)
        body = await request.body()
        if len(body) > MAX_BYTES:
            return _line(f"the statement is longer than {MAX_BYTES} bytes", 413)
        try:
            ask = msgspec.json.decode(body, type=_Ask)
        except msgspec.DecodeError as exc:
            return _line(f"a JSON object {{statement, format}} is expected: {exc}", 400)
        if ask.format not in ("table", "tsv"):
            return _line("format must be table or tsv", 400)
        readers = self.readers
        try:
            columns, rows = await run_in_threadpool(readers.query, ask.statement)
        except StorageQueryError as exc:
            return PlainTextResponse(msgspec.json.encode({"error": str(exc), "code": exc.code}), status_code=400,
                                     media_type="application/json", headers=HEADERS)  # fmt: skip
        except StorageError as exc:
            return _line(exc.one_line(), 503)
        return PlainTextResponse(render(columns, rows, ask.format), headers=HEADERS)


def _line(text: str, status: int) -> Response:
    return PlainTextResponse(text + "\n", status_code=status, headers=HEADERS)


__all__ = ["MAX_BYTES", "SqlRoute"]
