"""The dashboard's filters, parsed from a request's query string and refused when hostile or malformed.

Every value ends up as a bound ClickHouse parameter (``{city:String}``), never in the SQL text; parsing here is
what turns "huge or malformed" into one clear line (HTTP 400) before any query runs, so that no ClickHouse error
text can ever reach a page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from ..errors import FilterError

DEFAULT_DAYS = 30
MAX_DAYS = 366 * 10
FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_TEXT = 200
MAX_ID = 2**63 - 1
COMMON = frozenset({"from", "to", "city", "event_id", "show_id"})

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ID = re.compile(r"^\d{1,19}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Filters:
    date_from: date
    date_to: date
    city: str = ""
    event_id: int = 0  # 0: every event
    show_id: int = 0  # 0: every show
    extra: tuple[tuple[str, str], ...] = ()  # a panel's own parameters (split, compare, compare_show_id)

    def params(self) -> dict[str, Any]:
        return {
            "date_from": self.date_from,
            "date_to": self.date_to,
            "city": self.city,
            "event_id": self.event_id,
            "show_id": self.show_id,
        }

    def get(self, name: str, default: str = "") -> str:
        return dict(self.extra).get(name, default)

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def previous(self) -> Filters:
        """The period of the same length just before this one."""
        return replace(
            self, date_from=self.date_from - timedelta(days=self.days), date_to=self.date_from - timedelta(days=1)
        )


def parse_filters(
    query: Mapping[str, str],
    *,
    today: date,
    extra: Mapping[str, frozenset[str] | None],
    default_days: int = DEFAULT_DAYS,
) -> Filters:
    """Filters from query parameters; ``extra`` names the panel's own parameters and their allowed values
    (None: a numeric id). Unknown parameters are refused, so that a typo never silently shows everything."""
    unknown = sorted(set(query) - COMMON - set(extra))
    if unknown:
        raise FilterError(f"неизвестный параметр {unknown[0][:40]!r}")
    date_to = _date(query, "to") or today
    date_from = _date(query, "from") or date_to - timedelta(days=default_days - 1)
    if date_from > date_to:
        raise FilterError("'from' — позже, чем 'to': начало периода должно быть не позже его конца")
    if (date_to - date_from).days >= MAX_DAYS:
        raise FilterError(f"период длиннее {MAX_DAYS} дней ('from' … 'to')")
    extras = []
    for name, allowed in extra.items():
        if name not in query:
            continue
        value = query[name]
        if allowed is None:
            extras.append((name, str(_id(query, name))))
        elif value in allowed:
            extras.append((name, value))
        else:
            raise FilterError(f"'{name}' — одно из значений: {', '.join(sorted(allowed))}")
    return Filters(
        date_from=date_from,
        date_to=date_to,
        city=_text(query, "city"),
        event_id=_id(query, "event_id"),
        show_id=_id(query, "show_id"),
        extra=tuple(extras),
    )


def _date(query: Mapping[str, str], name: str) -> date | None:
    raw = query.get(name, "")
    if raw == "":
        return None
    if len(raw) != 10 or not _DATE.match(raw):
        raise FilterError(f"'{name}' — дата в виде ГГГГ-ММ-ДД")
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise FilterError(f"'{name}' — такой даты нет в календаре") from None
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise FilterError(f"'{name}' — дата между {FIRST_YEAR} и {LAST_YEAR} годом")
    return value


def _id(query: Mapping[str, str], name: str) -> int:
    raw = query.get(name, "")
    if raw == "":
        return 0
    if not _ID.match(raw) or int(raw) > MAX_ID:
        raise FilterError(f"'{name}' — целое неотрицательное число")
    return int(raw)


def _text(query: Mapping[str, str], name: str) -> str:
    raw = query.get(name, "")
    if len(raw) > MAX_TEXT:
        raise FilterError(f"'{name}' — не длиннее {MAX_TEXT} символов")
    if _CONTROL.search(raw):
        raise FilterError(f"'{name}' содержит управляющие символы")
    return raw
