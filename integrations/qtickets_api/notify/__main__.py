"""``python -m integrations.qtickets_api.notify --envfile F --digest|--check [--dry-run]``.

``--digest`` sends the morning digest now, ``--check`` evaluates the alerts now and sends what changed,
``--dry-run`` prints the messages instead of sending them (and records nothing).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from ..cli import main_guard
from ..config import load_storage_settings, read_env_sources
from ..errors import ConfigError
from ..storage.connection import connect
from ..storage.migrations import migrate
from . import alerts, run
from .sender import PrintSender, make_sender
from .settings import load_notify_settings

PROG = "python -m integrations.qtickets_api.notify"


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--envfile", type=click.Path(path_type=Path), help="dotenv file with the settings.")
@click.option("--digest", "do_digest", is_flag=True, help="Send the morning digest now.")
@click.option("--check", "do_check", is_flag=True, help="Evaluate the alerts now and send what started or ended.")
@click.option("--dry-run", is_flag=True, help="Print the messages instead of sending them; record nothing.")
def cli(envfile: Path | None, do_digest: bool, do_check: bool, dry_run: bool) -> None:
    """Send the Telegram digest or the alerts (see docs/telegram.md)."""
    if not (do_digest or do_check):
        if not dry_run:
            raise ConfigError("nothing to do", f"give --digest or --check (with --dry-run to print), see {PROG} --help")
        do_digest = True
    settings = load_storage_settings(envfile)
    notify = load_notify_settings(read_env_sources(envfile), settings.tz)
    sender = make_sender(notify, dry_run=dry_run)
    now = datetime.now(UTC)
    try:
        with connect(settings) as storage:
            migrate(storage, settings.tz)
            if do_digest:
                run.send_digest(storage, notify, sender, now)
            if do_check:
                if dry_run:
                    for condition in alerts.evaluate(storage, notify, now):
                        if condition.active:
                            sender.send("(dry run)", condition.start)
                else:
                    outcome = alerts.check(storage, notify, sender, now)
                    click.echo(
                        f"alerts: {len(outcome.active)} active, {len(outcome.sent)} sent, "
                        f"{len(outcome.held)} held by quiet hours",
                        err=True,
                    )
    finally:
        sender.close()
    if not isinstance(sender, PrintSender):
        click.echo(f"sent with bot {notify.token_fingerprint} to {len(notify.chat_ids)} chat(s)", err=True)


main = main_guard(cli, PROG)

__all__ = ["cli", "main"]

if __name__ == "__main__":
    main()
