"""``python -m integrations.qtickets_api.serve``: the dashboard, the scheduled loader and the QTickets webhooks
(when ``QTICKETS_WEBHOOK_SECRET`` is set; README, "Webhooks") in one process.

    python -m integrations.qtickets_api.serve --envfile secrets/.env.qtickets_api [--host 127.0.0.1] [--port 8080]
           [--no-schedule] [--strict-perms] [--verbose] [--log-json]

One uvicorn worker by design: on the embedded engine only one process may hold the data directory. Exit codes:
0 stopped cleanly (SIGTERM, Ctrl-C), 1 ClickHouse could not be opened, 2 bad configuration.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click
import uvicorn

from . import logs
from .cli import main_guard
from .config import load_settings, read_env_sources
from .service import Service, build_app, service_options

# the secrets of what the service schedules beside the loader: kept out of its log lines
SCHEDULED_SECRETS = (
    "YANDEX_DIRECT_TOKEN",
    "VK_ADS_CLIENT_ID",
    "VK_ADS_CLIENT_SECRET",
    "TELEGRAM_BOT_TOKEN",
    "TG_BOT_TOKEN",
)
PROG = "python -m integrations.qtickets_api.serve"
UNUSED_API = {"QTICKETS_API_BASE_URL": "http://qtickets.invalid", "QTICKETS_API_TOKEN": "unused"}
GRACEFUL_S = 2  # open HTTP connections get this long before the loader run is stopped

log = logging.getLogger("integrations.qtickets_api")


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--envfile", type=click.Path(path_type=Path), help="dotenv file with the settings.")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="address to listen on (beyond loopback: DASHBOARD_PASSWORD required).",
)
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True)
@click.option("--no-schedule", is_flag=True, help="serve only; the loader runs elsewhere (the systemd timer).")
@click.option("--strict-perms", is_flag=True, help="refuse an env file that other users can read.")
@click.option("--verbose", is_flag=True, help="debug log lines.")
@click.option("--log-json", is_flag=True, help="one JSON object per log line.")
def cli(
    envfile: Path | None, host: str, port: int, no_schedule: bool, strict_perms: bool, verbose: bool, log_json: bool
) -> None:
    """Serve the organiser's dashboard and run the loader every 15 minutes."""
    env = read_env_sources(envfile, refuse_open_perms=strict_perms)
    overrides = {}
    if no_schedule:  # serving alone needs no QTickets token
        overrides = {k: v for k, v in UNUSED_API.items() if not (env.get(k) or "").strip()}
    settings = load_settings(envfile, overrides=overrides, refuse_open_perms=strict_perms)
    options = service_options(env, host=host, port=port, schedule=not no_schedule, api=not overrides)
    secrets = [settings.api_token, settings.clickhouse_password, options.password, options.webhooks.secret]
    if options.reader is not None:
        secrets.append(options.reader.password)
    secrets += [env.get(key, "").strip() for key in SCHEDULED_SECRETS]  # the ad loaders' and the bot's
    logs.configure(verbose=verbose, json_lines=log_json, secrets=[s for s in secrets if s])
    service = Service(settings, options)
    app = build_app(service)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        workers=1,
        log_level="debug" if verbose else "warning",
        access_log=verbose,
        timeout_graceful_shutdown=GRACEFUL_S,
        lifespan="on",
        server_header=False,
    )
    server = uvicorn.Server(config)
    server.run()
    if service.threads_left:
        # a run stuck in a retry wait was recorded as interrupted, a webhook thread is in a statement: neither may
        # delay the exit (the next start completes what they were doing)
        logging.shutdown()
        os._exit(0)
    if not server.started:
        sys.exit(1)


main = main_guard(cli, PROG)

__all__ = ["GRACEFUL_S", "cli", "main"]

if __name__ == "__main__":
    main()
