"""Run the simulator as a separate process:

    python -m qtickets_sim --port 8765 --seed 42 --orders 5000 --token TOKEN
           [--webhook-url http://127.0.0.1:8080/webhooks/qtickets]

Prints the base URL on the first line of stdout and serves until SIGTERM or SIGINT. With ``--webhook-url`` it also
sends its activity there as QTickets webhooks, signed with ``QTICKETS_WEBHOOK_SECRET`` from the environment (never
from the command line, where other users would see it); ``GET /_sim/webhooks`` counts what was sent.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import signal
import socket
import sys
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from types import FrameType, SimpleNamespace

import click

from .faults import FaultConfig
from .simulator import Simulator, SimulatorConfig
from .webhooks import WebhookConfig, WebhookFaults

PROG = "python -m qtickets_sim"


def _iso(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO-8601 time, e.g. 2026-11-20T15:00:00+03:00") from None


def _dataclass_options(cls: type, prefix: str, *, section: str) -> list[click.Option]:
    """One option per field of a config dataclass (faults, webhook faults): adding a field adds its flag."""
    options = []
    for field in dataclasses.fields(cls):
        default = getattr(cls, field.name)
        flag = f"--{prefix}{field.name.replace('_', '-')}"
        name = (prefix + field.name).replace("-", "_")
        if isinstance(default, bool):
            options.append(click.Option([flag, name], is_flag=True, help=section))
        else:
            options.append(
                click.Option([flag, name], type=type(default), default=default, show_default=True, help=section)
            )
    return options


def _command() -> click.Command:
    params: list[click.Parameter] = [
        click.Option(["--host"], default="127.0.0.1", show_default=True),
        click.Option(["--port"], type=int, default=8765, show_default=True, help="0 picks a free port"),
        click.Option(["--seed"], type=int, default=42, show_default=True),
        click.Option(["--orders"], type=int, default=5000, show_default=True, help="orders in the generated history"),
        click.Option(["--token"], default="sim-token", show_default=True, help="the Bearer token the API accepts"),
        click.Option(["--now", "now"], default=None, help="ISO-8601 with offset"),
        click.Option(["--per-page-cap"], type=int, default=500, show_default=True),
        click.Option(
            ["--activity-per-hour"], type=float, default=40.0, show_default=True, help="live changes per hour"
        ),
        click.Option(["--clock"], type=click.Choice(["wall", "manual"]), default="wall", show_default=True),
        click.Option(["--speed"], type=float, default=1.0, show_default=True, help="simulated s per wall s"),
        click.Option(["--scans-per-hour"], type=float, default=0.0, show_default=True, help="tickets scanned"),
        click.Option(["--webhook-url"], default=None, help="send the activity as QTickets webhooks to this URL"),
        click.Option(["--webhook-time-scale"], type=float, default=1.0, show_default=True, help="n³ retry seconds"),
        *_dataclass_options(WebhookFaults, "webhook-", section="webhook fault"),
        *_dataclass_options(FaultConfig, "", section="fault (off by default)"),
    ]
    return click.Command(
        "qtickets_sim",
        params=params,
        callback=lambda **kwargs: kwargs,
        help="A local QTickets REST API v1 with deterministic data and injectable faults. "
        "Webhooks are signed with QTICKETS_WEBHOOK_SECRET from the environment.",
        context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 120},
    )


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


def _parse(argv: Sequence[str] | None) -> SimpleNamespace | int:
    command = _command()
    try:
        values = command.main(list(sys.argv[1:] if argv is None else argv), prog_name=PROG, standalone_mode=False)
    except click.UsageError as exc:
        return _fail(f"{exc.format_message()} (see {PROG} --help)", 2)
    if not isinstance(values, dict):  # --help was printed
        return 0
    if values["now"] is not None:
        try:
            values["now"] = _iso(values["now"])
        except click.BadParameter as exc:
            return _fail(f"--now: {exc.message}", 2)
    return SimpleNamespace(**values)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    if isinstance(args, int):
        return args
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
