"""The /_sim endpoints: drive and inspect a simulator running in another process. No auth, no faults."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import msgspec

from .faults import FaultConfig
from .messages import Request, Response, error, json_response, laravel_page

if TYPE_CHECKING:
    from .simulator import Simulator

ADMIN_PREFIX = "/_sim"
_SEATS = re.compile(r"/_sim/seats/(\d+)")


def _body(request: Request) -> dict[str, Any]:
    if not request.body:
        return {}
    try:
        data = msgspec.json.decode(request.body)
    except msgspec.DecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def handle_admin(sim: Simulator, request: Request) -> Response:
    method = "GET" if request.method == "HEAD" else request.method
    path = request.path.rstrip("/")
    if (method, path) == ("POST", "/_sim/advance"):
        return _advance(sim, _body(request))
    if (method, path) == ("GET", "/_sim/orders"):
        return Response(200, sim.orders_json())
    if (method, path) == ("GET", "/_sim/events"):
        return json_response(sim.events())
    if (method, path) == ("GET", "/_sim/stats"):
        return json_response(sim.stats())
    if (method, path) == ("GET", "/_sim/now"):
        return json_response({"now": sim.now().isoformat()})
    if (method, path) == ("GET", "/_sim/webhooks"):
        return json_response(sim.webhook_summary())
    if (method, path) == ("GET", "/_sim/faults"):
        return json_response(sim.faults.as_dict())
    if (method, path) == ("POST", "/_sim/faults"):
        try:
            sim.set_faults(FaultConfig.from_dict(_body(request)))
        except (TypeError, ValueError) as problem:
            return error(400, str(problem))
        return json_response(sim.faults.as_dict())
    seats = _SEATS.fullmatch(path)
    if method == "GET" and seats:
        try:
            return json_response({"data": sim.seats(int(seats.group(1)), flat=True)})
        except KeyError:
            return error(404, "Not found")
    return laravel_page(404)


def _advance(sim: Simulator, body: dict[str, Any]) -> Response:
    units = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86_400}
    seconds = 0.0
    for name, factor in units.items():
        value = body.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            return error(400, f"{name} must be a non-negative number")
        seconds += value * factor
    return json_response(sim.advance(timedelta(seconds=seconds)))
