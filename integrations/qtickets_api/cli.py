"""What every command line of the product shares: one-line errors, exit codes, env file options."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click

from .errors import ZakazError


def fail(message: str, code: int) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def main_guard(command: click.Command, prog: str) -> Callable[[], None]:
    """Run a click command so that every failure ends as one line on stderr and a meaningful exit code."""

    def run() -> None:
        try:
            command.main(prog_name=prog, standalone_mode=False)
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
            sys.exit(2)
        except click.UsageError as exc:
            fail(f"{exc.format_message()} (see {prog} --help)", 2)
        except click.ClickException as exc:
            fail(exc.format_message(), exc.exit_code)
        except click.exceptions.Abort:
            fail("aborted", 130)
        except ZakazError as exc:
            if exc.exit_code == 0:
                click.echo(exc.one_line(), err=True)
                sys.exit(0)
            fail(exc.one_line(), exc.exit_code)
        except KeyboardInterrupt:
            fail("interrupted; the next run will pick up where this one stopped", 130)
        except OSError as exc:
            fail(f"{exc.__class__.__name__}: {exc}", 1)

    return run
