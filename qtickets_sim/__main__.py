"""Run the simulator as a separate process:

    python -m qtickets_sim --port 8765 --seed 42 --orders 5000 --token TOKEN
           [--webhook-url http://127.0.0.1:8080/webhooks/qtickets]

Prints the base URL on the first line of stdout and serves until SIGTERM or SIGINT. With ``--webhook-url`` it also
sends its activity there as QTickets webhooks, signed with ``QTICKETS_WEBHOOK_SECRET`` from the environment (never
from the command line, where other users would see it); ``GET /_sim/webhooks`` counts what was sent.
"""

from __future__ import annotations

import argparse
import dataclasses
import errno
import os
import signal
import socket
import sys
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from types import FrameType

from .faults import FaultConfig
from .simulator import Simulator, SimulatorConfig
from .webhooks import WebhookConfig, WebhookFaults


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m qtickets_sim",
        description="A local QTickets REST API v1 with deterministic data and injectable faults.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--orders", type=int, default=5000, help="orders in the generated history")
    parser.add_argument("--token", default="sim-token", help="the Bearer token the API accepts")
    parser.add_argument("--now", type=datetime.fromisoformat, default=None, help="ISO-8601 with offset")
    parser.add_argument("--per-page-cap", type=int, default=500)
    parser.add_argument("--activity-per-hour", type=float, default=40.0, help="live changes per simulated hour")
    parser.add_argument("--clock", choices=("wall", "manual"), default="wall")
    parser.add_argument("--speed", type=float, default=1.0, help="simulated seconds per wall second")
    parser.add_argument("--scans-per-hour", type=float, default=0.0, help="tickets scanned at open shows")
    hooks = parser.add_argument_group("webhooks (secret: QTICKETS_WEBHOOK_SECRET in the environment)")
    hooks.add_argument("--webhook-url", default=None, help="send the activity as QTickets webhooks to this URL")
    hooks.add_argument("--webhook-time-scale", type=float, default=1.0, help="seconds per second of the n³ retries")
    for field in dataclasses.fields(WebhookFaults):
        default = getattr(WebhookFaults, field.name)
        hooks.add_argument("--webhook-" + field.name.replace("_", "-"), type=float, default=default, metavar="FLOAT")
    faults = parser.add_argument_group("faults (all off by default)")
    for field in dataclasses.fields(FaultConfig):
        flag = "--" + field.name.replace("_", "-")
        default = getattr(FaultConfig, field.name)
        if isinstance(default, bool):
            faults.add_argument(flag, action="store_true")
        else:
            faults.add_argument(flag, type=type(default), default=default, metavar=type(default).__name__.upper())
    return parser


def _fail(message: str, code: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def _listen_error(host: str, port: int, exc: OSError) -> str:
    where = f"{host}:{port}"
    if exc.errno == errno.EADDRINUSE:
        return (
            f"cannot listen on {where}: the port is already in use — stop the program that holds it, or give "
            "another one with --port (--port 0 picks a free port)"
        )
    return f"cannot listen on {where}: {exc.strerror or exc} — check --host and --port (--port 0 picks a free port)"


def _check_port(host: str, port: int) -> None:
    """Bind and release the port, so that a busy one is reported before the data is generated."""
    if port == 0:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds
        probe.bind((host, port))


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.now is not None and args.now.tzinfo is None:
        return _fail("--now needs an offset, e.g. 2026-11-20T15:00:00+03:00", 2)
    try:
        _check_port(args.host, args.port)
    except OSError as exc:
        return _fail(_listen_error(args.host, args.port, exc), 1)
    config = SimulatorConfig(
        seed=args.seed,
        orders=args.orders,
        token=args.token,
        now=args.now,
        per_page_cap=args.per_page_cap,
        activity_per_hour=args.activity_per_hour,
        clock=args.clock,
        speed=args.speed,
        scans_per_hour=args.scans_per_hour,
    )
    faults = FaultConfig(**{field.name: getattr(args, field.name) for field in dataclasses.fields(FaultConfig)})
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    secret = (os.environ.get("QTICKETS_WEBHOOK_SECRET") or "").strip()
    if args.webhook_url and not secret:
        return _fail("--webhook-url needs QTICKETS_WEBHOOK_SECRET in the environment (never on the command line)", 2)
    sim = Simulator(config, faults)
    try:
        server = sim.serve(args.host, args.port)
    except OSError as exc:  # taken between the check and now
        return _fail(_listen_error(args.host, args.port, exc), 1)
    with server:
        print(server.base_url, flush=True)
        print(
            f"admin: {server.admin_url}  orders: {sim.stats()['orders']}  now: {sim.now().isoformat()}", file=sys.stderr
        )
        if args.webhook_url:
            hook_faults = WebhookFaults(
                **{f.name: getattr(args, "webhook_" + f.name) for f in dataclasses.fields(WebhookFaults)}
            )
            sim.send_webhooks(WebhookConfig(args.webhook_url, secret, args.webhook_time_scale, faults=hook_faults))
        while not stop.wait(0.5):
            if args.webhook_url and config.clock == "wall":
                sim.advance(timedelta(0))  # play the activity up to now: webhooks do not wait for a request
        sim.stop_webhooks()
    return 0


if __name__ == "__main__":
    sys.exit(main())
