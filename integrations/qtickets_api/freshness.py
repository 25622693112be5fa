"""``python -m integrations.qtickets_api.freshness``: exit 1 when the last successful run is too old.

For monitoring (a cron/systemd check, Zabbix, Prometheus textfile): one line on stdout, exit 0 when
fresh, 1 when stale or never run, 2 when it cannot check.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from .cli import main_guard
from .config import load_settings
from .errors import StorageQueryError
from .storage import job_runs
from .storage.connection import connect

PROG = "python -m integrations.qtickets_api.freshness"


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--envfile", type=click.Path(path_type=Path), help="dotenv file with the settings.")
@click.option("--max-age-minutes", type=click.FloatRange(min=1), default=45.0, show_default=True)
def cli(envfile: Path | None, max_age_minutes: float) -> None:
    """Check that the loader succeeded recently."""
    settings = load_settings(envfile, overrides={"QTICKETS_API_BASE_URL": "http://unused", "QTICKETS_API_TOKEN": "x"})
    with connect(settings) as storage:
        try:
            last = job_runs.last_success(storage)
        except StorageQueryError as exc:  # the table may not exist yet: no run ever finished
            if exc.code not in ("UNKNOWN_TABLE", "UNKNOWN_DATABASE"):
                raise
            last = None
    if last is None:
        click.echo("STALE: no successful qtickets_api run recorded in meta_job_runs")
        sys.exit(1)
    if last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    age = (datetime.now(UTC) - last).total_seconds() / 60
    state = "OK" if age <= max_age_minutes else "STALE"
    click.echo(f"{state}: last successful qtickets_api run finished {age:.1f} min ago (limit {max_age_minutes:g})")
    sys.exit(0 if state == "OK" else 1)


main = main_guard(cli, PROG)

if __name__ == "__main__":
    main()
