"""``python -m integrations.qtickets_api.sql``: run one SQL statement on the configured ClickHouse.

Works the same on the embedded default and on a server, so every check in the README and the
runbook can be typed as written: ``python -m integrations.qtickets_api.sql -q "SELECT ..."``.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Sequence
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from .cli import main_guard
from .config import load_settings
from .errors import ConfigError
from .storage.connection import connect

PROG = "python -m integrations.qtickets_api.sql"


def render(columns: Sequence[str], rows: Sequence[Sequence[object]], fmt: str) -> str:
    if fmt == "tsv":
        lines = ["\t".join(columns)] + ["\t".join("" if v is None else str(v) for v in row) for row in rows]
        return "\n".join(lines) + "\n"
    cells = [["NULL" if v is None else str(v) for v in row] for row in rows]
    table = Table(*columns)
    for row in cells:
        table.add_row(*row)
    # wide enough that no value is cut or wrapped: these checks are read by people and pasted into tickets
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    console = Console(record=True, width=max(80, sum(widths) + 3 * len(widths) + 1), file=io.StringIO())
    console.print(table)
    return console.export_text()


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("statement", required=False)
@click.option("-q", "--query", "query", help="The SQL statement (or give it as the argument, or on stdin).")
@click.option("--envfile", type=click.Path(path_type=Path), help="dotenv file with the settings.")
@click.option("--format", "fmt", type=click.Choice(["table", "tsv"]), default="table", show_default=True)
@click.option("--user", help="ClickHouse user (server only; overrides CLICKHOUSE_USER), as clickhouse-client takes it.")
@click.option("--password", help="ClickHouse password (server only; overrides CLICKHOUSE_PASSWORD).")
def cli(
    statement: str | None, query: str | None, envfile: Path | None, fmt: str, user: str | None, password: str | None
) -> None:
    """Run one SQL statement against ClickHouse (embedded or server) and print the result."""
    sql = query or statement
    if sql is None and not sys.stdin.isatty():
        sql = sys.stdin.read()
    if not sql or not sql.strip():
        raise ConfigError("no SQL statement given", f'use {PROG} -q "SELECT 1"')
    sql = sql.strip().rstrip(";").strip()
    overrides = {"QTICKETS_API_BASE_URL": "http://unused", "QTICKETS_API_TOKEN": "unused"}
    if user:
        overrides["CLICKHOUSE_USER"] = user
    if password:
        overrides["CLICKHOUSE_PASSWORD"] = password
    settings = load_settings(envfile, overrides=overrides)
    with connect(settings) as storage:
        result = storage.query(sql)
        click.echo(render(list(result.column_names), list(result.result_rows), fmt), nl=False)


main = main_guard(cli, PROG)

if __name__ == "__main__":
    main()
