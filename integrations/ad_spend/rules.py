"""``python -m integrations.ad_spend.rules --envfile F --csv rules.csv [--dry-run]``: load the organiser's rules
that map campaigns to cities, events and shows (:mod:`.rules_csv`), and map the stored spend again at once.

The file is the whole set: the latest load is the one in force (earlier loads stay as history). Exit codes: 0
loaded, 1 ClickHouse failed, 2 the file or the settings are wrong.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path

import click

from integrations.qtickets_api.cli import main_guard, read_csv_text
from integrations.qtickets_api.config import load_storage_settings
from integrations.qtickets_api.storage import connect, migrations, schema

from .rules_csv import parse_rules
from .store import read_inputs, remap

PROG = "python -m integrations.ad_spend.rules"
TABLE = schema.AD_RULES.name
COLUMNS = schema.AD_RULES.columns


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--envfile", type=click.Path(path_type=Path), help="dotenv file with the settings.")
@click.option("--csv", "csv_path", type=click.Path(path_type=Path, dir_okay=False), required=True, help="the rules.")
@click.option("--dry-run", is_flag=True, help="check the file and print what would be loaded.")
def cli(envfile: Path | None, csv_path: Path, dry_run: bool) -> None:
    """Load the organiser's campaign mapping rules (campaign name pattern -> city / event / show)."""
    text = read_csv_text(csv_path)
    rules = parse_rules(text, name=csv_path.name)
    if dry_run:
        click.echo(f"Would load {len(rules)} rules from {csv_path.name}")
        return
    settings = load_storage_settings(envfile)
    loaded_at = datetime.now(UTC)
    with connect(settings) as storage:
        migrations.migrate(storage, settings.tz)
        storage.insert(
            TABLE,
            [[r.position, r.channel, r.pattern, r.city, r.event_id, r.show_id, loaded_at] for r in rules],
            COLUMNS,
        )
        remapped = remap(storage, read_inputs(storage), "rules-" + secrets.token_hex(4))
    click.echo(f"Loaded {len(rules)} rules from {csv_path.name}; {remapped} campaigns mapped anew")


main = main_guard(cli, PROG)

__all__ = ["cli", "main"]

if __name__ == "__main__":
    main()
