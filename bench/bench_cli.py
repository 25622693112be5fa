"""The benchmarks' command lines, on click like every command of the product: one-line usage errors (exit 2)."""

from __future__ import annotations

import sys
from types import SimpleNamespace

import click


def parse(prog: str, options: list[click.Option], *, help: str | None = None, rest: bool = False) -> SimpleNamespace:
    """The values of ``options`` from ``sys.argv``; with ``rest`` the arguments left over are in ``.rest``."""
    params: list[click.Parameter] = list(options)
    settings: dict[str, object] = {"help_option_names": ["-h", "--help"]}
    if rest:
        params.append(click.Argument(["rest"], nargs=-1, type=click.UNPROCESSED))
        settings["ignore_unknown_options"] = True
    command = click.Command(prog, params=params, callback=lambda **values: values, help=help, context_settings=settings)
    try:
        values = command.main(sys.argv[1:], prog_name=prog, standalone_mode=False)
    except click.UsageError as exc:
        click.echo(f"error: {exc.format_message()} (see {prog} --help)", err=True)
        sys.exit(2)
    if not isinstance(values, dict):  # --help was printed
        sys.exit(0)
    return SimpleNamespace(**values)
