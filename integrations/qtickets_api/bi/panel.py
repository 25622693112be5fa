"""What a panel is: a name, a Russian title, typed columns (stable English keys, Russian headers) and a query.

A panel's query gets a ``Reader`` (read-only ClickHouse: the dashboard never holds a connection that can write)
and the parsed ``Filters``, and returns rows as dicts keyed by its columns. The web layer turns them into JSON
or CSV; nothing here knows about HTTP.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .filters import Filters

Kind = Literal["text", "int", "money", "share", "date", "datetime_msk", "datetime_local", "minutes", "id"]
Row = dict[str, Any]


class Reader(Protocol):
    """Runs one read-only statement with bound parameters (``{name:Type}``) and returns its rows."""

    db: str

    def rows(self, sql: str, parameters: Mapping[str, Any] | None = None) -> list[Sequence[Any]]: ...


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: Kind = "int"
    unknown: str = ""  # how a NULL reads ("неизвестно" for an unknown capacity); "" leaves the cell empty
    labels: tuple[tuple[str, str], ...] = ()  # how a code reads in the CSV ('current' -> 'текущий'); JSON keeps it

    def label(self, value: str) -> str:
        return dict(self.labels).get(value, value)


SERIES_LABELS = (("current", "текущий"), ("previous", "предыдущий"), ("compare", "сравнение"), ("plan", "план"))


@dataclass(frozen=True)
class Panel:
    name: str
    title: str
    columns: tuple[Column, ...]
    query: Callable[[Reader, Filters], list[Row]]
    extra: Mapping[str, frozenset[str] | None] = field(default_factory=dict)  # the panel's own parameters
    uses_dates: bool = True  # False: the period filter does not apply (live shows, freshness)
    default_days: int = 30  # the period when the request names none: the last N days up to today

    def column(self, key: str) -> Column:
        for column in self.columns:
            if column.key == key:
                return column
        raise KeyError(key)


def as_rows(columns: Sequence[str], rows: list[Sequence[Any]]) -> list[Row]:
    return [dict(zip(columns, row, strict=True)) for row in rows]


def ratio(numerator: Any, denominator: Any) -> float | None:
    """sum(a) / sum(b), None when b is 0 or unknown: a ratio is never an average of ratios."""
    if numerator is None or not denominator:
        return None
    return float(numerator) / float(denominator)


REGISTRY: dict[str, Panel] = {}


def register(panel: Panel) -> Panel:
    if panel.name in REGISTRY:
        raise ValueError(f"panel {panel.name} registered twice")
    REGISTRY[panel.name] = panel
    return panel


def sales_where(alias: str = "", date_column: str = "sales_date") -> str:
    """The filters as SQL over bound parameters; 0 and '' mean "all"."""
    p = f"{alias}." if alias else ""
    return (
        f"{p}{date_column} BETWEEN {{date_from:Date}} AND {{date_to:Date}}"
        f" AND ({{city:String}} = '' OR {p}city = {{city:String}})"
        f" AND ({{event_id:UInt64}} = 0 OR {p}event_id = {{event_id:UInt64}})"
        f" AND ({{show_id:UInt64}} = 0 OR {p}show_id = {{show_id:UInt64}})"
    )


def scope_where(alias: str = "") -> str:
    """City, event and show filters without the period (for live shows)."""
    p = f"{alias}." if alias else ""
    return (
        f"({{city:String}} = '' OR {p}city = {{city:String}})"
        f" AND ({{event_id:UInt64}} = 0 OR {p}event_id = {{event_id:UInt64}})"
        f" AND ({{show_id:UInt64}} = 0 OR {p}show_id = {{show_id:UInt64}})"
    )


def day(value: date) -> str:
    return value.isoformat()


# Russia's zones as a promoter names them: by their city (IANA names the zone after one)
ZONE_CITIES = {
    "Europe/Kaliningrad": "Калининград", "Europe/Moscow": "Москва", "Europe/Simferopol": "Симферополь",
    "Europe/Kirov": "Киров", "Europe/Volgograd": "Волгоград", "Europe/Astrakhan": "Астрахань",
    "Europe/Saratov": "Саратов", "Europe/Ulyanovsk": "Ульяновск", "Europe/Samara": "Самара",
    "Asia/Yekaterinburg": "Екатеринбург", "Asia/Omsk": "Омск", "Asia/Novosibirsk": "Новосибирск",
    "Asia/Barnaul": "Барнаул", "Asia/Tomsk": "Томск", "Asia/Novokuznetsk": "Новокузнецк",
    "Asia/Krasnoyarsk": "Красноярск", "Asia/Irkutsk": "Иркутск", "Asia/Chita": "Чита", "Asia/Yakutsk": "Якутск",
    "Asia/Khandyga": "Хандыга", "Asia/Vladivostok": "Владивосток", "Asia/Ust-Nera": "Усть-Нера",
    "Asia/Magadan": "Магадан", "Asia/Sakhalin": "Южно-Сахалинск", "Asia/Srednekolymsk": "Среднеколымск",
    "Asia/Kamchatka": "Петропавловск-Камчатский", "Asia/Anadyr": "Анадырь",
}  # fmt: skip
_MOSCOW = ZoneInfo("Europe/Moscow")


def with_zone_labels(rows: list[Row]) -> list[Row]:
    """``show_zone`` beside ``show_timezone`` (kept as the IANA name): the label for the show's own date."""
    for row in rows:
        row["show_zone"] = zone_label(row.get("show_timezone") or "", row.get("show_start_local"))
    return rows


SHOW_ZONE = Column("show_zone", "Часовой пояс площадки", "text")


def zone_label(tz: str, on: date | datetime | None = None) -> str:
    """An IANA zone as a promoter reads it: «Новосибирск (МСК+4)» — the city, and the offset from Moscow on the
    day ``on`` (today when None); '' for no zone, the zone's own name for one ZoneInfo does not know."""
    if not tz:
        return ""
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return tz
    day = on.date() if isinstance(on, datetime) else on or date.today()
    moment = datetime.combine(day, time(12), tzinfo=_MOSCOW)
    there, here = moment.astimezone(zone).utcoffset(), moment.utcoffset()
    minutes = int(((there or timedelta(0)) - (here or timedelta(0))).total_seconds() // 60)
    city = ZONE_CITIES.get(tz) or tz.rsplit("/", 1)[-1].replace("_", " ")
    if minutes == 0:
        return f"{city} (МСК)"
    sign = "+" if minutes > 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"{city} (МСК{sign}{hours}{f':{rest:02d}' if rest else ''})"


__all__ = [
    "REGISTRY", "SERIES_LABELS", "SHOW_ZONE", "ZONE_CITIES", "Column", "Kind", "Panel", "Reader", "Row", "as_rows",
    "day", "ratio", "register", "sales_where", "scope_where", "with_zone_labels", "zone_label",
]  # fmt: skip
