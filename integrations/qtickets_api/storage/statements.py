"""SQL typed by people and results read by people: split a script into its statements, and print a result as a
table (nothing cut, for pasting into a ticket) or as TSV. Shared by the ``sql`` command and the probe's report."""

from __future__ import annotations

import io
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table


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


def split_statements(sql: str) -> list[str]:
    """The statements of ``sql`` split on ``;`` outside quotes, identifiers and comments; empty ones dropped."""
    statements: list[str] = []
    current: list[str] = []
    has_code = False  # the current piece holds more than whitespace and comments
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in "'\"`":
            end = i + 1
            while end < n and sql[end] != ch:
                end += 2 if sql[end] == "\\" else 1
            current.append(sql[i : end + 1])
            has_code, i = True, end + 1
        elif sql.startswith("--", i) or ch == "#":
            end = sql.find("\n", i)
            end = n if end < 0 else end
            current.append(sql[i:end])
            i = end
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = n if end < 0 else end + 2
            current.append(sql[i:end])
            i = end
        elif ch == ";":
            if has_code:
                statements.append("".join(current).strip())
            current, has_code, i = [], False, i + 1
        else:
            current.append(ch)
            has_code = has_code or not ch.isspace()
            i += 1
    if has_code:
        statements.append("".join(current).strip())
    return statements


__all__ = ["render", "split_statements"]
