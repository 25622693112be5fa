"""``python -m integrations.qtickets_api.probe``: run the /orders runbook, end in a diagnosis.

Exit codes, like grep: 0 = a request form returned orders with its filters honoured, 1 = none did,
2 = the probe could not run (configuration, flags, output folder, no answer from the API at all).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..cli import FiniteFloatRange, main_guard
from ..config import load_settings
from ..domain.redaction import redact
from ..errors import ProbeError, ZakazError
from ..logs import configure
from .report import EXIT_MEANING
from .runner import PROG, ProbeOptions, plan_text, run_probe


@click.command(
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="Exit codes: 0 = a working request form was found, 1 = no form returned sales, 2 = could not run. "
    "See docs/probe.md.",
)
@click.option("--envfile", type=click.Path(path_type=Path), help="dotenv file with the settings (as the loader's).")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Folder for every artifact; emptied first (only a previous probe's files, unless --force).",
)
@click.option("--order-id", type=click.IntRange(min=1), help="A real order number (from an e-mail) for step D.")
@click.option("--since-days", type=click.IntRange(1, 3660), default=30, show_default=True, help="SINCE window.")
@click.option(
    "--retry-503-after",
    type=FiniteFloatRange(min=0, max=3600),
    default=300.0,
    show_default=True,
    metavar="SECONDS",
    help="Pause before F1 repeats a request that answered 503 (the runbook says 5 minutes).",
)
@click.option(
    "--allow-create-order",
    is_flag=True,
    help="Also send E2, POST /orders: in QTickets this CREATES an order. Off by default.",
)
@click.option("--plan", is_flag=True, help="Print every request the probe would send; send and write nothing.")
@click.option("--skip-loader", is_flag=True, help="Do not run step G (the loader and the ClickHouse checks).")
@click.option("--force", is_flag=True, help="Empty --out even if it holds files the probe did not write.")
@click.option("--verbose", "-v", is_flag=True, help="Debug logging on stderr (never the token).")
@click.option("--log-json", is_flag=True, help="Log JSON lines instead of text (the final error line too).")
def cli(
    envfile: Path | None,
    out: Path | None,
    order_id: int | None,
    since_days: int,
    retry_503_after: float,
    allow_create_order: bool,
    plan: bool,
    skip_loader: bool,
    force: bool,
    verbose: bool,
    log_json: bool,
) -> None:
    """Run the QTickets /orders runbook (steps 0, A–H plus additions) and write a diagnosis."""
    configure(verbose=verbose, json_lines=log_json)
    settings = load_settings(envfile)
    secrets = [settings.api_token, settings.clickhouse_password]
    configure(verbose=verbose, json_lines=log_json, secrets=secrets)
    options = ProbeOptions(
        out=out or Path("logs/qtickets_orders_debug"),
        order_id=order_id,
        since_days=since_days,
        retry_503_after=retry_503_after,
        allow_create_order=allow_create_order,
        skip_loader=skip_loader,
        force=force,
        envfile=envfile,
    )
    if plan:
        click.echo(plan_text(settings, options), nl=False)
        return
    if out is None:
        raise click.UsageError("--out is required (only --plan runs without it)")
    try:
        result = run_probe(settings, options)
    except (ZakazError, click.ClickException, KeyboardInterrupt):
        raise
    except OSError as exc:
        raise ProbeError(redact(f"{exc.__class__.__name__}: {exc}", secrets), "check --out and its rights") from None
    except Exception as exc:  # a bug must not look like exit 1, "no form works"
        raise ProbeError(redact(f"the probe failed: {exc.__class__.__name__}: {exc}", secrets)[:300]) from exc
    click.echo(f"Итог: {result.diagnosis.headline}")
    click.echo(f"Отчёт: {result.out / 'final_report.md'} (архив: {result.out / 'qtickets_orders_debug.tar.gz'})")
    click.echo(f"Код выхода {EXIT_MEANING[result.exit_code]}")
    if result.exit_code == 2:
        raise ProbeError(result.message)
    sys.exit(result.exit_code)


main = main_guard(cli, PROG)

__all__ = ["cli", "main"]

if __name__ == "__main__":
    main()
