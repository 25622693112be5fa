"""The Simulator: generated data, live activity, the API and the faults around it, behind one lock."""

from __future__ import annotations

import contextlib
import copy
import gc
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from . import malformed
from .activity import LiveActivity
from .admin import ADMIN_PREFIX, handle_admin
from .ads import Campaign, plan
from .allocation import OrderRejected
from .api import API_PREFIX, Api, match_route
from .clock import SimClock
from .dates import MOSCOW, to_ts
from .faults import FaultConfig, FaultInjector
from .generator import generate
from .messages import (
    Reply,
    Request,
    Response,
    html_200_error,
    json_response,
    nginx_page,
    not_found_page,
    plain_text,
    unknown_error,
)
from .orders import Order
from .state import Store
from .webhooks import WebhookConfig, WebhookSender
from .wire import OrderWire

if TYPE_CHECKING:
    from .server import SimServer


@dataclass(frozen=True)
class SimulatorConfig:
    seed: int = 42
    orders: int = 5000
    token: str = "sim-token"  # noqa: S105 - a token for a local fake server, not a secret
    now: datetime | None = None  # None: the current wall time
    per_page_cap: int = 500  # perPage is honoured up to this; the real cap is not known (the probe measures it)
    activity_per_hour: float = 40.0
    clock: Literal["manual", "wall"] = "manual"
    speed: float = 1.0
    scans_per_hour: float = 0.0  # tickets scanned at the entrance of open shows, per simulated hour
    pickup: Literal["simple", "realistic"] = "simple"  # the sales curves of the history (qtickets_sim/pickup.py)


class Simulator:
    """A local stand-in for the QTickets REST API v1 with deterministic data and injectable faults."""

    def __init__(self, config: SimulatorConfig | None = None, faults: FaultConfig | None = None) -> None:
        self.config = config = config or SimulatorConfig()
        if config.orders < 1:
            raise ValueError("orders must be positive")
        if config.per_page_cap < 1:
            raise ValueError("per_page_cap must be positive")
        start = config.now or datetime.now(UTC).replace(microsecond=0)
        if start.tzinfo is None:
            raise ValueError("now must be a timezone-aware datetime")
        self._lock = threading.RLock()
        world = generate(config.seed, config.orders, start, config.pickup)
        with _no_gc():
            self._store = Store(world)
        self._wire = OrderWire(config.seed)
        self._clock = SimClock(start, config.clock, config.speed)
        self._activity = LiveActivity(
            self._store, config.seed, config.activity_per_hour, world.now_ts, world.pending, config.scans_per_hour
        )
        self._webhooks: WebhookSender | None = None
        self._faults = FaultInjector(config.seed, faults or FaultConfig())
        self._malformed: dict[int, str] = {}
        self._malformed_count = 0
        self._requests: Counter[str] = Counter()
        self._bytes_out: Counter[str] = Counter()  # response body bytes per route: what a client downloads
        self._server_time: dict[str, tuple[int, float, float]] = {}
        self._api = Api(
            self._store, self._activity, self._faults, config.token, config.per_page_cap, self._served_on_the_wire
        )
        self.set_faults(self._faults.config)
        if gc.isenabled():
            # The store was built with the collector held back, so all of it is still "young": one full pass now,
            # rather than two or three on the first requests (half a second each at 126k orders).
            gc.collect()

    # -- public API ----------------------------------------------------------------------------------------

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> SimServer:
        """Start serving HTTP in a background thread; use as a context manager to stop it."""
        from .server import SimServer

        return SimServer(self, host, port)

    def now(self) -> datetime:
        with self._lock:
            return self._clock.now()

    def advance(self, delta: timedelta) -> dict[str, Any]:
        """Move the clock and play the live activity of that stretch; returns what happened."""
        with self._lock:
            self._clock.advance(delta)
            return self._activity.run_until(to_ts(self._clock.now())).as_dict()

    def ad_campaigns(self, channel: str) -> list[Campaign]:
        """The ad campaigns of ``channel`` (``yandex`` or ``vk``) whose ids this account's orders carry."""
        with self._lock:
            return plan(self._store.event_list, channel, self.now().astimezone(MOSCOW).date())

    def orders(self) -> list[dict[str, Any]]:
        """Every order as served (malformed ones broken), as deep copies."""
        with self._lock, _no_gc():
            self._sync()
            return [self._served(order, deep=True) for order in self._store.orders]

    def orders_json(self) -> bytes:
        """Every order as served, serialized (what GET /_sim/orders sends), a thousand at a time."""
        with self._lock, _no_gc():
            self._sync()
            orders = self._store.orders
            parts = [
                msgspec.json.encode([self._served(order) for order in orders[start : start + 1000]])[1:-1]
                for start in range(0, len(orders), 1000)
            ]
            return b"[" + b",".join(part for part in parts if part) + b"]"

    def order(self, order_id: int) -> dict[str, Any] | None:
        """One order as served, or None."""
        with self._lock:
            self._sync()
            found = self._store.order(order_id)
            return None if found is None else self._served(found, deep=True)

    def events(self) -> list[dict[str, Any]]:
        """Every event with its city and shows, as GET /events/{id} serves it."""
        with self._lock:
            result: list[dict[str, Any]] = msgspec.json.decode(msgspec.json.encode(self._store.events_api))
            return result

    def seats(self, show_id: int, flat: bool = True) -> dict[str, Any]:
        """What GET /shows/{id}/seats returns under ``data``; KeyError for an unknown show."""
        with self._lock:
            self._sync()
            data = self._api.seats(show_id, flat)
            if data is None:
                raise KeyError(show_id)
            return data

    def shows_on_sale(self) -> list[tuple[int, int]]:
        """(event id, show id) of every show on sale now: the API hides most sale start dates (null)."""
        with self._lock:
            self._sync()
            now_ts = to_ts(self._clock.now())
            return [
                (event.id, show.id)
                for event in self._store.event_list
                if event.is_active and event.deleted_ts is None
                for show in event.shows
                if show.on_sale(now_ts)
            ]

    def create_order(self, data: dict[str, Any]) -> dict[str, Any]:
        """An unpaid reservation, as POST /orders makes it; raises OrderRejected when the body does not fit."""
        with self._lock:
            self._sync()
            order = self._activity.create_order(data)
            return self._served(order, deep=True)

    def refund_old_paid_order(self, min_age: timedelta = timedelta(days=21)) -> dict[str, Any]:
        """Refund one live basket, now, of a paid order paid at least ``min_age`` ago; returns it as served.

        For tests of late changes: such a refund is visible to a loader only through ``updated_at``.
        Raises LookupError when no order qualifies.
        """
        with self._lock:
            self._sync()
            order = self._activity.refund_old_paid_order(int(min_age.total_seconds()), set(self._malformed))
            return self._served(order, deep=True)

    def reschedule_show(self, show_id: int, delta: timedelta) -> dict[str, Any]:
        """Move a show to another date (the organiser's change); returns its event as /events serves it."""
        with self._lock:
            self._sync()
            return copy.deepcopy(self._store.reschedule_show(show_id, int(delta.total_seconds())))

    def send_webhooks(self, config: WebhookConfig) -> WebhookSender:
        """From now on every change of an order is also sent as a QTickets webhook to ``config.url``
        (``simulator.webhooks``); returns the sender (its records, ``flush()``, ``close()``)."""
        with self._lock:
            if self._webhooks is not None:
                raise RuntimeError("webhooks are already being sent")
            sender = WebhookSender(config)
            self._webhooks = sender
            self._store.listener = self._order_changed
            return sender

    def stop_webhooks(self) -> None:
        with self._lock:
            sender, self._webhooks = self._webhooks, None
            self._store.listener = None
        if sender is not None:
            sender.close()

    def webhook_summary(self) -> dict[str, Any]:
        """What the webhook sender did so far (``{"sending": false}`` when it is not sending)."""
        sender = self._webhooks
        if sender is None:
            return {"sending": False}
        summary = sender.summary()
        summary["attacks"] = {str(status): n for status, n in summary["attacks"].items()}
        return {"sending": True, **summary}

    def sell_now(self) -> dict[str, Any]:
        """A new order of one ticket, paid at once, now; returns it as served (LookupError: nothing on sale)."""
        with self._lock:
            self._sync()
            return self._served(self._activity.sell_now(), deep=True)

    def _order_changed(self, event_type: str, order: Order, extra: dict[str, list[int]]) -> None:
        sender = self._webhooks
        if sender is None:
            return
        served = self._served(order)
        members: dict[str, Any] = {}
        for name, basket_ids in extra.items():
            wanted = set(basket_ids)
            baskets = [basket for basket in served.get("baskets") or [] if basket.get("id") in wanted]
            members[name] = baskets[0] if name == "checked_basket" and baskets else baskets
        sender.order_changed(event_type, served, members)

    @property
    def faults(self) -> FaultConfig:
        return self._faults.config

    def set_faults(self, faults: FaultConfig) -> None:
        with self._lock:
            self._faults.config = faults
            if faults.malformed_orders != self._malformed_count:
                self._malformed = malformed.choose(self.config.seed, faults.malformed_orders, self._store.orders)
                self._malformed_count = faults.malformed_orders

    def malformed_order_ids(self) -> set[int]:
        with self._lock:
            return set(self._malformed)

    def stats(self) -> dict[str, Any]:
        with self._lock:
            self._sync()
            return {
                "now": self._clock.now().isoformat(),
                "orders": len(self._store.orders),
                "data_version": self._store.data_version,
                "requests": dict(self._requests),
                "bytes_out": dict(self._bytes_out),
                "faults": dict(self._faults.injected),
                "mutations": dict(self._store.mutations),
                "server_ms": {
                    name: {"count": count, "mean": round(total / count * 1000, 3), "max": round(worst * 1000, 3)}
                    for name, (count, total, worst) in self._server_time.items()
                },
            }

    # -- HTTP ------------------------------------------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        """Answer one HTTP request (called by the server's threads)."""
        if request.path == ADMIN_PREFIX or request.path.startswith(ADMIN_PREFIX + "/"):
            with self._lock:
                self._requests[f"admin {request.method} {request.path}"] += 1
                return Reply(handle_admin(self, request))
        route = match_route(request.path)
        if request.path != API_PREFIX and not request.path.startswith(API_PREFIX + "/"):
            with self._lock:
                self._requests["<not api>"] += 1
            return Reply(not_found_page())
        name = f"{request.method} {route.name if route else '<unknown>'}"
        with self._lock:
            started = time.perf_counter()
            self._sync()
            self._requests[name] += 1
            decision = self._faults.decide()
            kind = decision.kind
            if request.method == "HEAD" and kind in ("drop", "truncated_json"):
                kind = None  # there is no body to cut
            if kind is not None:
                self._faults.count(kind)
            body = request.json_body()
            if self._faults.config.strip_get_bodies and request.method in ("GET", "HEAD") and request.body:
                body = {}
                self._faults.count("strip_get_body")
            replaced = self._fault_answer(kind)
            if replaced is not None:
                return Reply(replaced, decision.delay_s)
            response = not_found_page() if route is None else self._api.handle(route, request, body)
            hang = self._faults.config.hang_s if kind == "timeout" else 0.0
            self._timing(name, time.perf_counter() - started)
            self._bytes_out[name] += len(response.body)
        if kind == "truncated_json":
            cut = response.body[: max(1, len(response.body) // 2)]
            response = Response(200, cut, "application/json")
        cut_at = len(response.body) // 2 if kind == "drop" else None
        return Reply(response, decision.delay_s + hang, cut_at)

    def _timing(self, name: str, seconds: float) -> None:
        count, total, worst = self._server_time.get(name, (0, 0.0, 0.0))
        self._server_time[name] = (count + 1, total + seconds, max(worst, seconds))

    def _fault_answer(self, kind: str | None) -> Response | None:
        if kind in ("all_503", "unknown_error"):
            return unknown_error()
        if kind == "429":
            response = json_response({"error": "Too Many Attempts.", "status": 429}, 429)
            response.headers.append(("Retry-After", self._faults.retry_after()))
            return response
        if kind == "502":
            return nginx_page(502)
        if kind == "504":
            return nginx_page(504)
        if kind == "503":
            # Half of them plain text from a balancer, half nginx's page with a Retry-After.
            if self._faults.injected["503"] % 2:
                return plain_text(503, "Service Temporarily Unavailable")
            response = nginx_page(503)
            response.headers.append(("Retry-After", self._faults.retry_after()))
            return response
        if kind == "html_200":
            return html_200_error()
        return None

    # -- internals -----------------------------------------------------------------------------------------

    def _sync(self) -> None:
        """Bring the data up to the clock (a no-op with the manual clock)."""
        if self._clock.mode == "wall":
            self._activity.run_until(to_ts(self._clock.now()))

    def _served(self, order: Order, deep: bool = False) -> dict[str, Any]:
        served = self._wire.order(order, deep)
        kind = self._malformed.get(order["id"])
        return served if kind is None else malformed.damage(served, kind)

    def _served_on_the_wire(self, order: Order) -> dict[str, Any]:
        served = self._wire.order(order)
        kind = self._malformed.get(order["id"])
        if kind is None:
            return served
        self._faults.count("malformed_order")
        return malformed.damage(served, kind)


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Copying a big store makes millions of young objects and no cyclic garbage: skip the collector."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


__all__ = ["OrderRejected", "Simulator", "SimulatorConfig"]
