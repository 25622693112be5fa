"""``python -m integrations.qtickets_api.freshness``: exit 1 when the last successful run is too old.

For monitoring (a systemd timer with an ``OnFailure=`` hook, cron, Zabbix, a Prometheus textfile): one line on
stdout, exit 0 when fresh, 1 when stale or never run, 2 when it cannot check. It never mistakes a busy engine
for a stale one: on the embedded engine, while a loader run or the service holds the data directory, it waits a
moment, then reads the status file every run leaves beside the data; against a server it also says when a run
holds the run lease.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import click

from .cli import main_guard
from .config import Settings, load_storage_settings
from .errors import DataDirLockedError, StorageError, StorageQueryError
from .storage import job_runs, last_run
from .storage.connection import Storage, connect
from .storage.lease import Holder, who

PROG = "python -m integrations.qtickets_api.freshness"


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--envfile", type=click.Path(path_type=Path), help="dotenv file with the settings.")
@click.option("--max-age-minutes", type=click.FloatRange(min=1), default=45.0, show_default=True)
@click.option(
    "--wait-seconds",
    type=click.FloatRange(min=0, max=600),
    default=20.0,
    show_default=True,
    help="How long to wait for an embedded engine another process holds before reading its status file.",
)
def cli(envfile: Path | None, max_age_minutes: float, wait_seconds: float) -> None:
    """Check that the loader succeeded recently."""
    settings = load_storage_settings(envfile)
    where, last, running = "meta_job_runs", None, ""
    try:
        storage = _connect_waiting(settings, wait_seconds)
    except DataDirLockedError as exc:
        status = last_run.read(settings.clickhouse_data_dir.resolve())
        if status is None:
            raise StorageError(str(exc), "no run has left its status file yet: check again after a run") from None
        where, last, running = "the last run's status file", status.last_success, " (the engine is in use)"
    else:
        with storage:
            last = _last_success(storage)
            holder = _holder(storage)
            if holder is not None:
                running = f" (a run holds the lease: {holder.describe()})"
    if last is None:
        click.echo(f"STALE: no successful qtickets_api run recorded in {where}{running}")
        sys.exit(1)
    if last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    age = (datetime.now(UTC) - last).total_seconds() / 60
    state = "OK" if age <= max_age_minutes else "STALE"
    click.echo(
        f"{state}: last successful qtickets_api run finished {age:.1f} min ago (limit {max_age_minutes:g}){running}"
    )
    sys.exit(0 if state == "OK" else 1)


def _connect_waiting(settings: Settings, wait_seconds: float) -> Storage:
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return connect(settings)
        except DataDirLockedError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))


def _last_success(storage: Storage) -> datetime | None:
    try:
        return job_runs.last_success(storage)
    except StorageQueryError as exc:  # the table may not exist yet: no run ever finished
        if exc.code not in ("UNKNOWN_TABLE", "UNKNOWN_DATABASE"):
            raise
        return None


def _holder(storage: Storage) -> Holder | None:
    try:
        return who(storage)
    except StorageQueryError:  # a database from before the lease
        return None


main = main_guard(cli, PROG)

if __name__ == "__main__":
    main()
