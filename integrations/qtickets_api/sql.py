"""``python -m integrations.qtickets_api.sql``: run SQL statements on the configured ClickHouse.

Works the same on the embedded default and on a server, so every check in the README and the
runbook can be typed as written: ``python -m integrations.qtickets_api.sql -q "SELECT ..."``. Several
statements separated by ``;`` run one after the other, each printed under its own header, and the
first that fails stops the rest.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click
import httpx
import msgspec

from .cli import main_guard
from .config import load_storage_settings
from .errors import ConfigError, DataDirLockedError, StorageError, StorageQueryError, StorageUnreachableError
from .storage import service_endpoint
from .storage.connection import LOCK_NAME, Storage, connect
from .storage.locks import FileLock
from .storage.statements import render, split_statements

PROG = "python -m integrations.qtickets_api.sql"
LOADER = "python -m integrations.qtickets_api.loader"
_MISSING = frozenset({"UNKNOWN_DATABASE", "UNKNOWN_TABLE"})
_READ_ONLY = frozenset({"READONLY", "ACCESS_DENIED"})
TIMEOUT_S = 300.0


def _run(storage: Storage, statement: str, fmt: str, envfile: Path | None) -> str:
    try:
        result = storage.query(statement)
    except StorageQueryError as exc:
        if exc.code in _MISSING:
            loader = LOADER + (f" --envfile {shlex.quote(str(envfile))}" if envfile else "")
            where = (
                f"the embedded ClickHouse at {storage.target.removeprefix('embedded:')}"
                if storage.embedded
                else f"ClickHouse at {storage.target}"
            )
            raise StorageQueryError(
                str(exc), f"no loader run has created it in {where} yet: run {loader}", code=exc.code
            ) from None
        raise StorageQueryError(str(exc), "correct the statement and run it again", code=exc.code) from None
    except StorageUnreachableError as exc:
        if storage.embedded:
            raise
        raise StorageUnreachableError(
            str(exc), "check that the server in CLICKHOUSE_HOST is up and reachable from here"
        ) from None
    return render(list(result.column_names), list(result.result_rows), fmt)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("statement", required=False)
@click.option(
    "-q", "--query", "query", help="The SQL (or give it as the argument, or on stdin); statements separated by ';'."
)
@click.option("--envfile", type=click.Path(path_type=Path), help="dotenv file with the settings.")
@click.option("--format", "fmt", type=click.Choice(["table", "tsv"]), default="table", show_default=True)
@click.option("--user", help="ClickHouse user (server only; overrides CLICKHOUSE_USER), as clickhouse-client takes it.")
@click.option("--password", help="ClickHouse password (server only; overrides CLICKHOUSE_PASSWORD).")
def cli(
    statement: str | None, query: str | None, envfile: Path | None, fmt: str, user: str | None, password: str | None
) -> None:
    """Run SQL against ClickHouse (embedded or server) and print each result."""
    sql = query or statement
    if sql is None and not sys.stdin.isatty():
        sql = sys.stdin.read()
    statements = split_statements(sql or "")
    if not statements:
        raise ConfigError("no SQL statement given", f'use {PROG} -q "SELECT 1"')
    overrides = {}
    if user:
        overrides["CLICKHOUSE_USER"] = user
    if password:
        overrides["CLICKHOUSE_PASSWORD"] = password
    settings = load_storage_settings(envfile, overrides=overrides)
    try:
        storage = connect(settings)
    except DataDirLockedError as exc:
        service = through_service(settings.clickhouse.data_dir, exc)
        click.echo("(the service holds the embedded ClickHouse: these statements run through it, read-only)", err=True)
        _each(statements, lambda text: service.run(text, fmt, envfile))
        return
    with storage:
        _each(statements, lambda text: _run(storage, text, fmt, envfile))


def _each(statements: list[str], run: Callable[[str], str]) -> None:
    """One statement printed as is; several each under its header, the first failure stopping the rest."""
    if len(statements) == 1:
        click.echo(run(statements[0]), nl=False)
        return
    for number, text in enumerate(statements, 1):
        header = f"-- [{number}/{len(statements)}] {' '.join(text.split())}"
        click.echo(("\n" if number > 1 else "") + header)
        try:
            click.echo(run(text), nl=False)
        except StorageQueryError as exc:
            rest = len(statements) - number
            tail = (
                ""
                if not rest
                else f"; statement {number + 1} did not run"
                if rest == 1
                else (f"; statements {number + 1}–{len(statements)} did not run")
            )
            raise StorageQueryError(
                f"statement {number} of {len(statements)} failed{tail}: {exc}", exc.hint, code=exc.code
            ) from None


@dataclass(frozen=True)
class ThroughService:
    """The statements sent to the running service that holds the embedded data directory (read-only)."""

    endpoint: service_endpoint.Endpoint

    def run(self, statement: str, fmt: str, envfile: Path | None) -> str:
        try:
            reply = httpx.post(
                self.endpoint.url,
                content=msgspec.json.encode({"statement": statement, "format": fmt}),
                headers={"Authorization": f"Bearer {self.endpoint.token}", "Content-Type": "application/json"},
                timeout=TIMEOUT_S,
            )
        except httpx.HTTPError as exc:
            raise StorageError(
                f"the service (pid {self.endpoint.pid}) holds the data directory but did not answer: "
                f"{exc.__class__.__name__}",
                "check that it runs (systemctl status zakaz-dashboard), or stop it to run SQL here",
            ) from None
        if reply.status_code == 200:
            return reply.text
        if reply.status_code == 400 and reply.headers.get("content-type", "").startswith("application/json"):
            failed = msgspec.json.decode(reply.content)
            code = str(failed.get("code") or "")
            if code in _READ_ONLY:
                hint = "the running service answers read-only statements only: stop it to write"
            elif code in _MISSING:
                hint = f"no loader run has created it yet: the service's first run will (or run {LOADER})"
            else:
                hint = "correct the statement and run it again"
            raise StorageQueryError(str(failed.get("error") or "the statement failed"), hint, code=code)
        raise StorageError(
            f"the service (pid {self.endpoint.pid}) refused the statement: HTTP {reply.status_code} "
            f"{reply.text.strip()[:200]}",
            "restart the service, or stop it to run SQL here",
        )


def through_service(data_dir: Path, locked: DataDirLockedError) -> ThroughService:
    """The service that holds ``data_dir``, or the lock's own error when the holder is not one (a loader run)."""
    resolved = data_dir.resolve()
    endpoint = service_endpoint.read(resolved)
    holder = FileLock(resolved / LOCK_NAME).holder()
    if endpoint is None or str(endpoint.pid) != holder:
        raise locked
    return ThroughService(endpoint)


main = main_guard(cli, PROG)

__all__ = ["cli", "main", "render", "split_statements"]

if __name__ == "__main__":
    main()
