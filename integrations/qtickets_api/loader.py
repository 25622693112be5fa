"""``python -m integrations.qtickets_api.loader``: one ingestion run from QTickets into ClickHouse."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from .cli import main_guard
from .config import load_settings
from .errors import ConfigError
from .ingest import RunOptions, RunResult, default_window, run_loader
from .logs import configure

PROG = "python -m integrations.qtickets_api.loader"
DEFAULT_WAIT_LEASE_MIN = 30.0
EARLIEST = date(2000, 1, 1)  # before QTickets existed: a date this old is a typo
MAX_SINCE_HOURS = 24 * 366 * 30


def parse_when(value: str, zone: str, *, end: bool) -> datetime:
    """A date (whole day; ``--until`` includes it) or a date-time, in the report time zone unless it has an offset."""
    from zoneinfo import ZoneInfo

    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime.combine(day + timedelta(days=1) if end else day, time(0), ZoneInfo(zone))
        else:
            moment = datetime.fromisoformat(text.replace(" ", "T", 1))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=ZoneInfo(zone))
    except (ValueError, OverflowError):
        raise ConfigError(
            f"{'--until' if end else '--since'} {value!r} is not a date",
            "use YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+03:00]",
        ) from None
    if moment.date() < EARLIEST or moment.year > 9000:
        raise ConfigError(
            f"{'--until' if end else '--since'} {value!r} is out of range",
            f"give a date from {EARLIEST:%Y-%m-%d} on, when the account could have sales",
        )
    return moment.astimezone(UTC)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--envfile", type=click.Path(path_type=Path), help="dotenv file with the settings (wins over the environment)."
)
@click.option(
    "--since-hours",
    type=click.FloatRange(min=0.01, max=MAX_SINCE_HOURS),
    help="Look back this many hours [default: QTICKETS_SINCE_HOURS or 24].",
)
@click.option("--since", "since_text", help="Backfill from this date or date-time (report time zone).")
@click.option("--until", "until_text", help="Backfill up to this date (inclusive) or date-time [default: now].")
@click.option("--dry-run", is_flag=True, help="Fetch and transform, write nothing, print what would be written.")
@click.option("--verbose", "-v", is_flag=True, help="Log requests, pages and timings (never the token).")
@click.option("--log-json", is_flag=True, help="Log JSON lines instead of text.")
@click.option("--skip-inventory", is_flag=True, help="Do not read seat inventory this run.")
@click.option(
    "--concurrency", type=click.IntRange(1, 16), help="Parallel order fetchers over disjoint id ranges [default: 1]."
)
@click.option("--per-page", type=click.IntRange(1, 5000), help="Page size asked of the API [default: 500].")
@click.option(
    "--wait-lease",
    type=click.FloatRange(0, 24 * 60),
    default=DEFAULT_WAIT_LEASE_MIN,
    show_default=True,
    help="Minutes to wait when another run holds the run lease; 0 skips at once (what the timer passes).",
)
@click.option("--strict-perms", is_flag=True, help="Refuse an env file that other users can read.")
def cli(
    envfile: Path | None,
    since_hours: float | None,
    since_text: str | None,
    until_text: str | None,
    dry_run: bool,
    verbose: bool,
    log_json: bool,
    skip_inventory: bool,
    concurrency: int | None,
    per_page: int | None,
    wait_lease: float,
    strict_perms: bool,
) -> None:
    """Load orders, events and seat inventory changed in a time window from QTickets into ClickHouse."""
    configure(verbose=verbose, json_lines=log_json)
    settings = load_settings(envfile, refuse_open_perms=strict_perms)
    configure(verbose=verbose, json_lines=log_json, secrets=[settings.api_token, settings.clickhouse_password])
    if since_hours is not None and since_text:
        raise ConfigError("--since-hours and --since cannot be used together", "choose one")
    if since_text:
        since = parse_when(since_text, settings.tz, end=False)
        until = (
            parse_when(until_text, settings.tz, end=True) if until_text else datetime.now(UTC).replace(microsecond=0)
        )
    else:
        if until_text:
            raise ConfigError("--until needs --since", "give both for a backfill")
        since, until = default_window(since_hours if since_hours is not None else settings.since_hours)
    if since >= until:
        if until_text:
            raise ConfigError(
                f"the window is empty: --since {since_text} is not before --until {until_text}", "swap them"
            )
        raise ConfigError(f"the window is empty: --since {since_text} is in the future", "give a date before now")
    options = RunOptions(
        since=since,
        until=until,
        dry_run=dry_run,
        skip_inventory=skip_inventory,
        concurrency=concurrency or settings.api_concurrency,
        per_page=per_page or settings.api_per_page,
        lease_wait_s=wait_lease * 60,
        trigger="timer" if wait_lease == 0 else "by hand",
    )
    if dry_run:
        print_preview(run_loader(settings, options))
        return
    run_loader(settings, options)


def print_preview(result: RunResult) -> None:
    preview = result.preview
    if preview is None:
        return
    console = Console()
    console.print("[bold]Dry run: nothing was written.[/bold] Rows this run would write or rebuild:")
    table = Table("table", "rows")
    for name, count in sorted(preview.rows.items()):
        table.add_row(name, str(count))
    console.print(table)
    sales = sorted(preview.sales.values(), key=lambda r: (r.sales_date, r.event_id, r.show_id))
    if sales:
        sample = Table("sales_date", "event_id", "event_name", "show_id", "tickets_sold", "revenue",
                       title=f"Sales rows from orders in the window ({len(sales)}, last 20)")  # fmt: skip
        for row in sales[-20:]:
            sample.add_row(str(row.sales_date), str(row.event_id), preview.event_names.get(row.event_id, ""),
                           str(row.show_id), str(row.tickets_sold), f"{row.revenue:.2f}")  # fmt: skip
        console.print(sample)
    if preview.inventory:
        inv = Table("city", "event_name", "show_id", "tickets_total", "tickets_left",
                    title=f"Inventory of {len(preview.inventory)} live shows (first 20)")  # fmt: skip
        for snap in preview.inventory[:20]:
            total, left = ("unknown" if v is None else str(v) for v in (snap[6], snap[7]))
            inv.add_row(str(snap[1]), str(snap[3]), str(snap[4]), total, left)
        console.print(inv)


main = main_guard(cli, PROG)

__all__ = ["cli", "main", "parse_when", "print_preview"]

if __name__ == "__main__":
    main()
