"""The dashboard as a Starlette app: the page, its data API (``/api/panels``) and the vendored static files.

Every ClickHouse call is blocking, so it runs on a worker thread (``run_in_threadpool``) with a read-only session
from the ``Reader`` it is given; the event loop only parses, routes and writes. A bad filter is HTTP 400 with its
one line; a ClickHouse failure is 503 with a generic line (its text goes to the log, never to the page).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import msgspec
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import Lifespan

from ..bi import panels
from ..bi.options import filter_options
from ..bi.panel import Panel, Reader, Row
from ..domain.moscow import MOSCOW
from ..errors import FilterError, StorageError, UnknownPanelError
from .auth import BasicAuth
from .csv_export import to_csv
from .values import json_value

log = logging.getLogger("integrations.qtickets_api")

HERE = Path(__file__).parent
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def moscow_today() -> date:
    return datetime.now(MOSCOW).date()


class Dashboard:
    """The routes, bound to one reader and the organiser's name."""

    def __init__(self, reader: Reader, *, org_name: str, today: Callable[[], date] = moscow_today) -> None:
        self.reader = reader
        self.org_name = org_name
        self.today = today
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))

    async def page(self, request: Request) -> Response:
        return self.templates.TemplateResponse(
            request,
            "index.html",
            {"org_name": self.org_name, "today": self.today().isoformat(), "panels": panels.all_panels()},
            headers=SECURITY_HEADERS,
        )

    async def panel_list(self, request: Request) -> Response:
        listed = [
            {
                "name": p.name,
                "title": p.title,
                "json_url": f"/api/panels/{p.name}.json",
                "csv_url": f"/api/panels/{p.name}.csv",
                "uses_dates": p.uses_dates,
                "parameters": sorted(["from", "to", "city", "event_id", "show_id", *p.extra]),
            }
            for p in panels.all_panels()
        ]
        return _json({"panels": listed})

    async def panel_json(self, request: Request) -> Response:
        result = await self._run(request)
        if isinstance(result, Response):
            return result
        chosen, filters, rows = result
        return _json(
            {
                "name": chosen.name,
                "title": chosen.title,
                "filters": {
                    "from": filters.date_from.isoformat(),
                    "to": filters.date_to.isoformat(),
                    "city": filters.city,
                    "event_id": filters.event_id,
                    "show_id": filters.show_id,
                    **dict(filters.extra),
                },
                "columns": [
                    {"key": c.key, "title": c.title, "kind": c.kind, "unknown": c.unknown} for c in chosen.columns
                ],
                "rows": [_json_row(chosen, row) for row in rows],
            }
        )

    async def panel_csv(self, request: Request) -> Response:
        result = await self._run(request)
        if isinstance(result, Response):
            return result
        chosen, filters, rows = result
        name = f"{chosen.name}_{filters.date_from:%Y%m%d}-{filters.date_to:%Y%m%d}.csv"
        return Response(
            to_csv(chosen.columns, rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"', **SECURITY_HEADERS},
        )

    async def options(self, request: Request) -> Response:
        try:
            found = await run_in_threadpool(filter_options, self.reader)
        except StorageError as exc:
            return _unavailable(exc)
        return _json(found)

    async def health(self, request: Request) -> Response:
        return PlainTextResponse("ok\n")

    async def _run(self, request: Request) -> tuple[Panel, Any, list[Row]] | Response:
        name = request.path_params["name"]
        query = _single_values(request)
        if isinstance(query, Response):
            return query
        try:
            return await run_in_threadpool(panels.run, name, self.reader, query, today=self.today())
        except FilterError as exc:
            status = 404 if isinstance(exc, UnknownPanelError) else 400
            return PlainTextResponse(f"{exc}\n", status_code=status, headers=SECURITY_HEADERS)
        except StorageError as exc:
            return _unavailable(exc)


def _single_values(request: Request) -> Mapping[str, str] | Response:
    items = request.query_params.multi_items()
    names = [k for k, _ in items]
    repeated = next((k for i, k in enumerate(names) if k in names[:i]), None)
    if repeated is not None:
        return PlainTextResponse(
            f"параметр {_quoted(repeated)} указан больше одного раза\n", status_code=400, headers=SECURITY_HEADERS
        )
    return dict(items)


def _quoted(name: str) -> str:
    return f"«{name[:40]}»"


def _unavailable(exc: StorageError) -> Response:
    log.error("Dashboard query failed: %s", exc.one_line())
    return PlainTextResponse(
        "данные временно недоступны: база не ответила\n", status_code=503, headers=SECURITY_HEADERS
    )


def _json_row(chosen: Panel, row: Row) -> dict[str, Any]:
    out = {}
    for key, value in row.items():
        try:
            column = chosen.column(key)
        except KeyError:
            out[key] = value
            continue
        out[key] = json_value(column, value)
    return out


def _json(payload: Any) -> Response:
    return Response(
        _JSON.encode(payload),
        media_type="application/json",
        headers={"Cache-Control": "no-store", **SECURITY_HEADERS},
    )


def _default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(type(value).__name__) from None


_JSON = msgspec.json.Encoder(enc_hook=_default, decimal_format="number")


def create_app(
    reader: Reader,
    *,
    org_name: str,
    password: str | None = None,
    user: str = "dashboard",
    lifespan: Lifespan[Starlette] | None = None,
    today: Callable[[], date] = moscow_today,
) -> Starlette:
    """The dashboard app; with ``password`` every route but ``/healthz`` asks for HTTP basic auth."""
    board = Dashboard(reader, org_name=org_name, today=today)
    routes = [
        Route("/", board.page),
        Route("/api/panels", board.panel_list),
        Route("/api/panels/{name}.json", board.panel_json),
        Route("/api/panels/{name}.csv", board.panel_csv),
        Route("/api/options", board.options),
        Route("/healthz", board.health),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.dashboard = board
    # a phone on a slow network: ECharts (~1 MB) goes gzipped (~330 KB) to a browser that asks for it, and so do the
    # page and the panels' JSON; small replies (< 1 KB) go as they are
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=6)
    if password:
        app.add_middleware(BasicAuth, user=user, password=password)
    return app
