"""``python -m integrations.qtickets_api.plan``: load the organiser's plan from a CSV into ``bi_plan``.

    python -m integrations.qtickets_api.plan --envfile secrets/.env.qtickets_api --csv plan.csv [--dry-run]

The file is the whole plan: the dashboard and ``bi_plan_vs_fact`` read the latest load only, so a line left out of
a new file is no longer a target (earlier loads stay in the table as history). On the embedded engine the data
directory is the running service's: stop it for the load, or point the command at a ClickHouse server. Exit codes:
0 loaded, 1 ClickHouse failed, 2 the file or the settings are wrong.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from .bi.plan_csv import parse_plan
from .cli import main_guard, read_csv_text
from .config import load_storage_settings
from .errors import StorageQueryError
from .storage import connect, schema

PROG = "python -m integrations.qtickets_api.plan"
TABLE = schema.PLAN.name
COLUMNS = schema.PLAN.columns


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--envfile", type=click.Path(path_type=Path), help="dotenv file with the settings.")
@click.option("--csv", "csv_path", type=click.Path(path_type=Path, dir_okay=False), required=True, help="the plan.")
@click.option("--dry-run", is_flag=True, help="check the file and print what would be loaded.")
def cli(envfile: Path | None, csv_path: Path, dry_run: bool) -> None:
    """Load the organiser's plan (targets per event or show, optionally by date)."""
    text = read_csv_text(csv_path)
    rows = parse_plan(text, name=csv_path.name)
    events = {r.event_id for r in rows}
    shows = {r.show_id for r in rows if r.show_id}
    summary = f"{len(rows)} targets ({len(events)} events, {len(shows)} shows) from {csv_path.name}"
    if dry_run:
        click.echo(f"Would load {summary}")
        return
    settings = load_storage_settings(envfile)
    loaded_at = datetime.now(UTC)
    with connect(settings) as storage:
        try:
            storage.insert(
                TABLE,
                [[r.event_id, r.show_id, r.plan_date, r.target_tickets, r.target_revenue, loaded_at] for r in rows],
                COLUMNS,
            )
        except StorageQueryError as exc:
            if exc.code in ("UNKNOWN_TABLE", "UNKNOWN_DATABASE"):
                raise StorageQueryError(
                    f"{storage.db}.{TABLE} does not exist yet", "run the loader (or the service) once: it creates it"
                ) from None
            raise
    click.echo(f"Loaded {summary}; the dashboard now shows this plan")


main = main_guard(cli, PROG)

if __name__ == "__main__":
    main()
