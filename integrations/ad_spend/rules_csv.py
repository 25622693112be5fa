"""The organiser's mapping rules as a CSV file: campaign name pattern -> city / event / show.

    pattern;channel;city;event_id;show_id
    *Снежная королева*Томск*;;Томск;1849;
    Дети — *(Барнаул);vk_ads;Барнаул;;
    *Бренд*;;;;

``pattern`` is a glob on the campaign name (``*`` any text, ``?`` one character), case-insensitive; ``channel``
is empty (any), ``yandex_direct`` or ``vk_ads``; a rule names a city, an event or a show (or nothing: a rule that
keeps matching campaigns unmapped on purpose). The first matching line wins. Written by hand or saved from Excel:
``;``, ``,`` or tab, UTF-8 with or without a BOM; headers in English as above or Russian (шаблон, канал, город,
мероприятие, сеанс). Every problem names its line; nothing is loaded unless every line is right.
"""

from __future__ import annotations

import csv
import io

from integrations.qtickets_api.errors import PlanFileError

from .mapping import SOURCES, Rule

HEADERS = {
    "pattern": ("pattern", "шаблон", "кампания"),
    "channel": ("channel", "канал"),
    "city": ("city", "город"),
    "event_id": ("event_id", "мероприятие", "id мероприятия"),
    "show_id": ("show_id", "сеанс", "id сеанса"),
}
MAX_RULES = 10_000


def parse_rules(text: str, *, name: str = "rules.csv") -> list[Rule]:
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise PlanFileError(f"{name} is empty", "write a header line and one line per rule")
    first = text.splitlines()[0]
    delimiter = ";" if ";" in first else "\t" if "\t" in first else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader)]
    columns = {key: header.index(title) for key, names in HEADERS.items() for title in names if title in header}
    if "pattern" not in columns:
        raise PlanFileError(
            f"{name}: the header must name the pattern column", "header: pattern;channel;city;event_id;show_id"
        )
    rules: list[Rule] = []
    for line_no, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        where = f"{name} line {line_no}"

        def cell(key: str, cells: list[str] = cells) -> str:
            position = columns.get(key)
            return cells[position].strip() if position is not None and position < len(cells) else ""

        pattern = cell("pattern")
        if not pattern:
            raise PlanFileError(f"{where}: the pattern is empty", "write a campaign name or a glob such as *Томск*")
        channel = cell("channel").lower()
        if channel and channel not in SOURCES:
            raise PlanFileError(
                f"{where}: channel {channel!r} is unknown", f"use {' or '.join(SOURCES)}, or leave it empty"
            )
        rules.append(Rule(line_no, channel, pattern, cell("city"), _whole(cell("event_id"), "event_id", where),
                          _whole(cell("show_id"), "show_id", where)))  # fmt: skip
        if len(rules) > MAX_RULES:
            raise PlanFileError(f"{name} has more than {MAX_RULES} rules", "split it or simplify the patterns")
    if not rules:
        raise PlanFileError(f"{name} has a header but no rule", "add one line per rule")
    return rules


def _whole(text: str, column: str, where: str) -> int:
    if not text:
        return 0
    cleaned = text.replace(" ", "").replace("\u00a0", "")
    if not cleaned.isdigit() or len(cleaned) > 19:
        raise PlanFileError(
            f"{where}: {column} {text!r} is not a whole number", f"write the QTickets {column} or leave it empty"
        )
    return int(cleaned)


__all__ = ["HEADERS", "parse_rules"]
