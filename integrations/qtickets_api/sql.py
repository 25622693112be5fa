"""``python -m integrations.qtickets_api.sql``: run SQL statements on the configured ClickHouse.

Works the same on the embedded default and on a server, so every check in the README and the
runbook can be typed as written: ``python -m integrations.qtickets_api.sql -q "SELECT ..."``. Several
statements separated by ``;`` run one after the other, each printed under its own header, and the
first that fails stops the rest.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import click

from .cli import main_guard
from .config import load_settings
from .errors import ConfigError, StorageQueryError, StorageUnreachableError
from .storage.connection import Storage, connect
from .storage.statements import render, split_statements

PROG = "python -m integrations.qtickets_api.sql"
LOADER = "python -m integrations.qtickets_api.loader"
_MISSING = frozenset({"UNKNOWN_DATABASE", "UNKNOWN_TABLE"})


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
    overrides = {"QTICKETS_API_BASE_URL": "http://unused", "QTICKETS_API_TOKEN": "unused"}
    if user:
        overrides["CLICKHOUSE_USER"] = user
    if password:
        overrides["CLICKHOUSE_PASSWORD"] = password
    settings = load_settings(envfile, overrides=overrides)
    with connect(settings) as storage:
        if len(statements) == 1:
            click.echo(_run(storage, statements[0], fmt, envfile), nl=False)
            return
        for number, text in enumerate(statements, 1):
            header = f"-- [{number}/{len(statements)}] {' '.join(text.split())}"
            click.echo(("\n" if number > 1 else "") + header)
            try:
                click.echo(_run(storage, text, fmt, envfile), nl=False)
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


main = main_guard(cli, PROG)

__all__ = ["cli", "main", "render", "split_statements"]

if __name__ == "__main__":
    main()
