"""HTTP basic auth in front of the whole dashboard (the service requires it off loopback).

A pure ASGI middleware: compared in constant time, the password never logged; ``/healthz`` stays open for
monitors because it shows no data.
"""

from __future__ import annotations

import base64
import binascii
import secrets

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

OPEN_PATHS = frozenset({"/healthz"})


class BasicAuth:
    def __init__(self, app: ASGIApp, *, user: str, password: str) -> None:
        self.app = app
        self._user = user.encode()
        self._password = password.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS or self._allowed(scope):
            await self.app(scope, receive, send)
            return
        response = PlainTextResponse(
            "нужен логин и пароль дашборда\n",
            status_code=401,
            headers={"WWW-Authenticate": 'Basic realm="zakaz-dashboard", charset="UTF-8"'},
        )
        await response(scope, receive, send)

    def _allowed(self, scope: Scope) -> bool:
        header = dict(scope.get("headers") or []).get(b"authorization", b"")
        scheme, _, encoded = header.partition(b" ")
        if scheme.lower() != b"basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded, validate=True).partition(b":")
        except (binascii.Error, ValueError):
            return False
        # both compared, always, so that timing says nothing about which one was wrong
        user_ok = secrets.compare_digest(user, self._user)
        password_ok = secrets.compare_digest(password, self._password)
        return user_ok and password_ok
