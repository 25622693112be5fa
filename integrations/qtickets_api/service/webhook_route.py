"""The webhook path in front of the dashboard app: outside its basic auth (QTickets signs instead of logging in)."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send


class WebhookRoute:
    """A pure ASGI middleware that hands requests for ``path`` to ``endpoint`` and everything else on."""

    def __init__(self, app: ASGIApp, *, path: str, endpoint: ASGIApp) -> None:
        self.app = app
        self.path = path.rstrip("/") or "/"
        self.endpoint = endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (scope["path"].rstrip("/") or "/") == self.path:
            await self.endpoint(scope, receive, send)
            return
        await self.app(scope, receive, send)
