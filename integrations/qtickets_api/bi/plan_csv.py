"""The organiser's plan as a CSV file: one row per event (show_id empty or 0) or show, optionally by date.

    event_id;show_id;plan_date;target_tickets;target_revenue
    1849;;;1200;3 000 000
    1849;7155;15.01.2027;400;1000000,50

Written by hand or saved from Excel: ``;``, ``,`` or tab between cells, UTF-8 with or without a BOM, dates
``дд.мм.гггг`` or ``гггг-мм-дд``, numbers with spaces and a decimal comma. Headers may be the English keys above
or the dashboard's Russian ones. Every problem is reported with its line number; nothing is loaded unless every
line is right.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from ..errors import PlanFileError

HEADERS = {
    "event_id": ("event_id", "id мероприятия", "мероприятие"),
    "show_id": ("show_id", "id сеанса", "сеанс"),
    "plan_date": ("plan_date", "к дате", "дата"),
    "target_tickets": ("target_tickets", "план, билеты", "билеты"),
    "target_revenue": ("target_revenue", "план, ₽", "выручка", "план, руб"),
}
MAX_ROWS = 100_000


@dataclass(frozen=True)
class PlanRow:
    event_id: int
    show_id: int
    plan_date: date | None
    target_tickets: int
    target_revenue: Decimal


def parse_plan(text: str, *, name: str = "plan.csv") -> list[PlanRow]:
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise PlanFileError(f"{name} is empty", "write a header line and one line per target")
    first = text.splitlines()[0]
    # Excel (ru) writes ';', a hand-made file often ','; the Russian headers themselves contain commas
    delimiter = ";" if ";" in first else "\t" if "\t" in first else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader)]
    columns: dict[str, int] = {}
    for key, names in HEADERS.items():
        for position, title in enumerate(header):
            if title in names:
                columns[key] = position
    if "event_id" not in columns or not ({"target_tickets", "target_revenue"} & set(columns)):
        raise PlanFileError(
            f"{name}: the header must name event_id and target_tickets and/or target_revenue",
            "header: event_id;show_id;plan_date;target_tickets;target_revenue",
        )
    rows: list[PlanRow] = []
    seen: set[tuple[int, int, date | None]] = set()
    for line_no, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        where = f"{name} line {line_no}"

        def cell(key: str, cells: list[str] = cells) -> str:
            position = columns.get(key)
            return cells[position].strip() if position is not None and position < len(cells) else ""

        row = PlanRow(
            event_id=_whole(cell("event_id"), "event_id", where, required=True),
            show_id=_whole(cell("show_id"), "show_id", where),
            plan_date=_day(cell("plan_date"), where),
            target_tickets=_whole(cell("target_tickets"), "target_tickets", where),
            target_revenue=_money(cell("target_revenue"), where),
        )
        target = (row.event_id, row.show_id, row.plan_date)
        if target in seen:
            raise PlanFileError(f"{where}: the same event, show and date appear twice", "keep one line per target")
        seen.add(target)
        rows.append(row)
        if len(rows) > MAX_ROWS:
            raise PlanFileError(f"{name} has more than {MAX_ROWS} lines", "split the plan")
    if not rows:
        raise PlanFileError(f"{name} has a header but no targets", "add one line per event or show")
    return rows


def _whole(raw: str, what: str, where: str, *, required: bool = False) -> int:
    cleaned = re.sub(r"[\s\u00a0]", "", raw)
    if cleaned == "":
        if required:
            raise PlanFileError(f"{where}: {what} is empty", "every line needs the event's id")
        return 0
    if not cleaned.isdigit() or len(cleaned) > 18:
        raise PlanFileError(f"{where}: {what} {raw[:30]!r} is not a whole number", "write digits only")
    return int(cleaned)


def _money(raw: str, where: str) -> Decimal:
    cleaned = re.sub(r"[\s\u00a0₽]", "", raw).replace(",", ".")
    if cleaned == "":
        return Decimal(0)
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise PlanFileError(f"{where}: target_revenue {raw[:30]!r} is not an amount", "write e.g. 150000,50") from None
    if value < 0 or value >= Decimal(10) ** 15 or not value.is_finite():
        raise PlanFileError(f"{where}: target_revenue {raw[:30]!r} is out of range", "write a positive amount")
    return value.quantize(Decimal("0.01"))


def _day(raw: str, where: str) -> date | None:
    if raw == "":
        return None
    for pattern in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    raise PlanFileError(f"{where}: plan_date {raw[:30]!r} is not a date", "write дд.мм.гггг or гггг-мм-дд")


__all__ = ["PlanFileError", "PlanRow", "parse_plan"]
