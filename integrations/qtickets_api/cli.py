"""What every command line of the product shares: one-line errors, exit codes, env file options."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .errors import PlanFileError, ZakazError
from .logs import final_line, quiet_libraries


def fail(message: str, code: int, *, json_lines: bool | None = None) -> None:
    click.echo(final_line(message, json_lines=json_lines), err=True)
    sys.exit(code)


class FiniteFloatRange(click.FloatRange):
    """A ``FloatRange`` that also refuses ``nan`` (every comparison with nan is false, so a range lets it in)."""

    name = "float range"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if isinstance(number, float) and math.isnan(number):
            self.fail(f"{value!r} is not a number: give a value in the range {self._describe_range()}", param, ctx)
        return number


def _refuse_nan(command: click.Command) -> None:
    """Every float range option of ``command`` refuses nan too, so no command has to remember it."""
    for param in command.params:
        kind = param.type
        if isinstance(kind, click.FloatRange) and not isinstance(kind, FiniteFloatRange):
            param.type = FiniteFloatRange(kind.min, kind.max, kind.min_open, kind.max_open, kind.clamp)


def _json_requested(args: list[str]) -> bool:
    # read from the command line itself, so that even a usage error before any option is parsed comes out as JSON
    return "--log-json" in (args[: args.index("--")] if "--" in args else args)


def main_guard(command: click.Command, prog: str) -> Callable[[], None]:
    """Run a click command so that every failure ends as one line on stderr and a meaningful exit code."""

    _refuse_nan(command)

    def run() -> None:
        quiet_libraries()
        json_lines = _json_requested(sys.argv[1:]) or None
        try:
            command.main(prog_name=prog, standalone_mode=False)
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
            sys.exit(2)
        except click.UsageError as exc:
            fail(f"{exc.format_message()} (see {prog} --help)", 2, json_lines=json_lines)
        except click.ClickException as exc:
            fail(exc.format_message(), exc.exit_code, json_lines=json_lines)
        except click.exceptions.Abort:
            fail("aborted", 130, json_lines=json_lines)
        except ZakazError as exc:
            if exc.exit_code == 0:
                click.echo(final_line(exc.one_line(), level="info", json_lines=json_lines), err=True)
                sys.exit(0)
            fail(exc.one_line(), exc.exit_code, json_lines=json_lines)
        except KeyboardInterrupt:
            fail("interrupted; the next run will pick up where this one stopped", 130, json_lines=json_lines)
        except OSError as exc:
            hint = " — check that path and its rights" if exc.filename else ""
            fail(f"{exc.__class__.__name__}: {exc}{hint}", 1, json_lines=json_lines)

    return run


def read_csv_text(path: Path) -> str:
    """An organiser's CSV (the plan, the ad mapping rules) as text, or one line saying why it cannot be read."""
    try:
        return path.read_bytes().decode("utf-8")  # a BOM is left for the parsers, which drop it
    except OSError as exc:
        raise PlanFileError(f"{path} cannot be read: {exc.strerror or exc}", "check the path") from None
    except UnicodeDecodeError:
        raise PlanFileError(f"{path} is not UTF-8", "save it from Excel as «CSV UTF-8»") from None
