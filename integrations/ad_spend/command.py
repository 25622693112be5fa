"""What the two ad loader commands share: options, the switched-off source, the summary lines."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from integrations.qtickets_api.domain.redaction import fingerprint
from integrations.qtickets_api.logs import configure

from .loading import DEFAULT_DAYS, MAX_DAYS, Outcome, Source, run
from .settings import AdSettings, load_ad_settings

Build = Callable[[AdSettings], Source | None]
Check = Callable[[AdSettings, Source], list[str]]


def options(command: Callable[..., None]) -> Callable[..., None]:
    for option in reversed(
        [
            click.option("--envfile", type=click.Path(path_type=Path), help="dotenv file with the settings."),
            click.option(
                "--days",
                type=click.IntRange(1, MAX_DAYS),
                default=DEFAULT_DAYS,
                show_default=True,
                help="Re-read this many days up to today (spend settles over a day or two; 365: a backfill).",
            ),
            click.option("--check", is_flag=True, help="Verify the credentials and print what the account can see."),
            click.option("--verbose", is_flag=True, help="Debug log lines."),
            click.option("--log-json", is_flag=True, help="Log lines as JSON objects."),
        ]
    ):
        command = option(command)
    return command


def execute(
    name: str,
    build: Build,
    check: Check,
    *,
    envfile: Path | None,
    days: int,
    do_check: bool,
    verbose: bool,
    log_json: bool,
) -> None:
    settings = load_ad_settings(envfile)
    configure(verbose=verbose, json_lines=log_json, secrets=settings.secrets)
    source = build(settings)
    if source is None:
        click.echo(f"{name} is off: its credentials are not set (see docs/ads.md); nothing to do", err=True)
        return
    if do_check:
        for line in check(settings, source):
            click.echo(line)
        return
    summary(name, run(settings, source, days=days))


def summary(name: str, outcome: Outcome) -> None:
    ad_run = outcome.run
    mapped = ", ".join(f"{by} {n}" for by, n in sorted(outcome.mapped_by.items())) or "none yet"
    click.echo(
        f"{name}: {ad_run.first}..{ad_run.last}: {outcome.written} day rows stored, {ad_run.api_requests} API "
        f"requests ({ad_run.retries} retries); campaigns by mapping: {mapped}; run {ad_run.run_id}"
    )


__all__ = ["execute", "fingerprint", "options", "summary"]
