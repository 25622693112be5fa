"""The ``where`` / ``orderBy`` / ``page`` / ``perPage`` / ``select`` language of list calls.

The real server turns these into SQL on MySQL, so comparisons follow MySQL: booleans are 0/1, a string compared
with a number is read as a number (``"true"`` is 0), a string compared with a DATETIME is read as Moscow
wall-clock time (a trailing offset is ignored), NULL matches no comparison. Anything the SQL layer would reject
(unknown column or operator, a date that is not a date, an array where a scalar goes) raises QueryError, which the
server answers with 503 UNKNOWN_ERROR.
"""

from __future__ import annotations

import bisect
import operator
import re
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from .dates import key_number, msk_key, sql_datetime_key

Record = Mapping[str, Any]
Predicate = Callable[[Record], bool]


class Kind(Enum):
    INT = "int"
    BOOL = "bool"
    NUM = "num"
    STR = "str"
    DATETIME = "datetime"


Schema = Mapping[str, Kind]
# The fields ``select`` may name: None for a scalar, a nested tree for a relation or a list of objects, ANY for an
# object keyed by data (any path below it is accepted).
FieldTree = Mapping[str, Any]
ANY: Any = object()

DEFAULT_PER_PAGE = 50
COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}
CANONICAL_OPERATORS = {
    **{op: op for op in COMPARISONS},
    "in": "in",
    "not in": "not in",
    "in array": "in",
    "not in array": "not in",
    "null": "null",
    "not null": "not null",
}
_NUMBER_PREFIX = re.compile(r"\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_INT_PREFIX = re.compile(r"\s*[+-]?\d+")


class QueryError(Exception):
    """A request the SQL layer of the real server would fail on."""


@dataclass(frozen=True, slots=True)
class Condition:
    column: str
    op: str  # canonical: "in array" is "in"
    value: Hashable  # JSON value, lists frozen to tuples


@dataclass(frozen=True, slots=True)
class ListQuery:
    where: tuple[Condition, ...] = ()
    order: tuple[tuple[str, bool], ...] = ()  # (column, descending)
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    select: tuple[str, ...] | None = None


# -- parsing the body ------------------------------------------------------------------------------------------


def parse_list_query(
    body: Mapping[str, Any],
    schema: Schema,
    per_page_cap: int,
    fields: Collection[str],
    default_per_page: int = DEFAULT_PER_PAGE,
) -> ListQuery:
    """The list body; ``perPage`` is honoured up to ``per_page_cap``, and the size used is what ``paging`` reports."""
    return ListQuery(
        where=parse_where(body.get("where"), schema),
        order=parse_order(body.get("orderBy"), schema),
        page=_paging_int(body.get("page"), 1),
        per_page=min(per_page_cap, _paging_int(body.get("perPage"), default_per_page)),
        select=parse_select(body.get("select"), fields),
    )


def parse_where(raw: Any, schema: Schema) -> tuple[Condition, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise QueryError("where must be a list of conditions")
    conditions = []
    for item in raw:
        if not isinstance(item, dict):
            raise QueryError("a where condition must be an object")
        column = item.get("column")
        if not isinstance(column, str) or column not in schema:
            raise QueryError(f"Unknown column {column!r} in 'where clause'")
        raw_op = item.get("operator", "=")
        op = CANONICAL_OPERATORS.get(" ".join(raw_op.lower().split())) if isinstance(raw_op, str) else None
        if op is None:
            raise QueryError(f"unknown operator {raw_op!r}")
        value = item.get("value")
        if op in ("in", "not in"):
            if not isinstance(value, list) or any(isinstance(element, (list, dict)) for element in value):
                raise QueryError(f"{op} needs a list of scalars")
            frozen: Hashable = tuple(value)
        elif op in COMPARISONS:
            if isinstance(value, (list, dict)):
                raise QueryError("Array to string conversion")
            frozen = value
        else:
            frozen = None
        conditions.append(Condition(column, op, frozen))
        predicate(conditions[-1], schema)  # fail now on values the SQL layer rejects
    return tuple(conditions)


def parse_order(raw: Any, schema: Schema) -> tuple[tuple[str, bool], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise QueryError("orderBy must be an object")
    order = []
    for column, direction in raw.items():
        if column not in schema:
            raise QueryError(f"Unknown column {column!r} in 'order clause'")
        if not isinstance(direction, str) or direction.lower() not in ("asc", "desc"):
            raise QueryError('Order direction must be "asc" or "desc".')
        order.append((column, direction.lower() == "desc"))
    return tuple(order)


def parse_select(raw: Any, fields: Collection[str]) -> tuple[str, ...] | None:
    if raw is None:
        return None
    paths = [raw] if isinstance(raw, str) else raw
    if not isinstance(paths, list) or not paths or not all(isinstance(path, str) for path in paths):
        raise QueryError("select must be a list of columns")
    for path in paths:
        if not _known_path(path, fields):
            raise QueryError(f"Unknown column {path!r} in 'field list'")
    return tuple(paths)


def _known_path(path: str, fields: Collection[str]) -> bool:
    """A dotted path into the field tree (a plain collection of names: only its first part is checked)."""
    parts = path.split(".")
    if not isinstance(fields, Mapping):
        return parts[0] in fields
    node: Any = fields
    for position, part in enumerate(parts):
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
        if node is ANY:
            return True
        if not isinstance(node, Mapping):
            # A scalar (None, or a column Kind): nothing may follow it.
            return position == len(parts) - 1
    return True


def _paging_int(value: Any, default: int) -> int:
    """Read like PHP's (int) cast; anything below 1 means the default."""
    number: int | None = None
    if isinstance(value, bool):
        number = int(value)
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value == value and abs(value) < 1e18:
        number = int(value)
    elif isinstance(value, str) and (match := _INT_PREFIX.match(value)) is not None:
        number = int(match.group())
    return number if number is not None and number >= 1 else default


# -- MySQL comparison semantics ------------------------------------------------------------------------------------


def mysql_number(value: Any) -> int | float:
    """A scalar as MySQL reads it in a numeric context: true is 1, ``"12abc"`` is 12, ``"abc"`` is 0."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return value
    match = _NUMBER_PREFIX.match(value) if isinstance(value, str) else None
    if match is None:
        return 0
    text = match.group().strip()
    try:
        return int(text)
    except ValueError:
        return float(text)


def _fold(text: str) -> str:
    # utf8mb4 *_ci collations: case-insensitive, trailing spaces ignored
    return text.rstrip(" ").casefold()


def _as_domain(kind: Kind, value: Any) -> tuple[str, Any]:
    """Which domain a comparison runs in (num, str or dt), and the value converted to it."""
    if kind in (Kind.INT, Kind.BOOL, Kind.NUM):
        return "num", mysql_number(value)
    if isinstance(value, str):
        if kind is Kind.STR:
            return "str", _fold(value)
        try:
            return "dt", sql_datetime_key(value)
        except ValueError as error:
            raise QueryError(f"Invalid datetime format: {value!r}") from error
    return "num", mysql_number(value)


def _getter(column: str, kind: Kind, domain: str) -> Callable[[Record], Any]:
    if domain == "str":
        return lambda record: None if (value := record.get(column)) is None else _fold(value)
    if domain == "dt":
        return lambda record: None if (value := record.get(column)) is None else msk_key(value)
    if kind is Kind.STR:
        return lambda record: None if (value := record.get(column)) is None else mysql_number(value)
    if kind is Kind.DATETIME:
        return lambda record: None if (value := record.get(column)) is None else key_number(msk_key(value))
    return lambda record: record.get(column)


def predicate(condition: Condition, schema: Schema) -> Predicate:
    column, op, value = condition.column, condition.op, condition.value
    kind = schema[column]
    if op == "null":
        return lambda record: record.get(column) is None
    if op == "not null":
        return lambda record: record.get(column) is not None
    if op in COMPARISONS:
        if value is None:
            return lambda record: False  # col = NULL is NULL, never true
        domain, target = _as_domain(kind, value)
        get = _getter(column, kind, domain)
        compare = COMPARISONS[op]
        return lambda record: (current := get(record)) is not None and compare(current, target)
    assert isinstance(value, tuple)
    if not value:
        # Laravel writes an empty IN as 0 = 1 and an empty NOT IN as 1 = 1.
        return (lambda record: False) if op == "in" else (lambda record: True)
    has_null = any(element is None for element in value)
    sets: dict[str, set[Any]] = {}
    for element in value:
        if element is not None:
            domain, target = _as_domain(kind, element)
            sets.setdefault(domain, set()).add(target)
    probes = [(_getter(column, kind, domain), targets) for domain, targets in sets.items()]

    def contained(record: Record) -> bool | None:
        if record.get(column) is None:
            return None
        if any(get(record) in targets for get, targets in probes):
            return True
        return None if has_null else False

    if op == "in":
        return lambda record: contained(record) is True
    return lambda record: contained(record) is False


def sort_records(records: Sequence[Record], order: Sequence[tuple[str, bool]], schema: Schema) -> list[Record]:
    """ORDER BY: NULLs first ascending, last descending; ties keep ascending id (the scan order)."""
    result = list(records)
    for column, descending in reversed(order):
        kind = schema[column]
        convert: Callable[[Any], Any]
        if kind is Kind.STR:
            convert = _fold
        elif kind is Kind.DATETIME:
            convert = msk_key
        else:
            convert = _identity
        result.sort(key=_sort_key(column, convert), reverse=descending)
    return result


def _identity(value: Any) -> Any:
    return value


def _sort_key(column: str, convert: Callable[[Any], Any]) -> Callable[[Record], tuple[bool, Any]]:
    def key(record: Record) -> tuple[bool, Any]:
        value = record.get(column)
        return (False, 0) if value is None else (True, convert(value))

    return key


# -- running a list query ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListSource:
    """Records of one list route, ascending by id, with the data version they belong to."""

    name: str
    records: Sequence[Record]
    ids: Sequence[int]
    schema: Schema
    version: int


@dataclass(frozen=True, slots=True)
class _Selection:
    records: Sequence[Record]
    ids: Sequence[int]


class ResultCache:
    """Filtered and sorted selections of the current data version, so deep pages cost a bisect and a slice."""

    def __init__(self, limit: int = 32) -> None:
        self._limit = limit
        self._version: int | None = None
        self._entries: OrderedDict[Hashable, _Selection] = OrderedDict()

    def get(self, key: Hashable, version: int) -> _Selection | None:
        if version != self._version:
            self._entries.clear()
            self._version = version
            return None
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, key: Hashable, version: int, entry: _Selection) -> None:
        if version != self._version:
            self._entries.clear()
            self._version = version
        self._entries[key] = entry
        while len(self._entries) > self._limit:
            self._entries.popitem(last=False)


_RANGE_OPS = ("=", "<", ">", "<=", ">=")


def run_query(source: ListSource, query: ListQuery, cache: ResultCache) -> tuple[list[Record], int]:
    """One page of records and the total number of matching records."""
    by_id = query.order in ((), (("id", False),), (("id", True),))
    descending = by_id and bool(query.order) and query.order[0][1]
    ranges: list[tuple[str, int | float]] = []
    rest: list[Condition] = []
    for condition in query.where:
        if by_id and condition.column == "id" and condition.op in _RANGE_OPS and condition.value is not None:
            ranges.append((condition.op, mysql_number(condition.value)))
        else:
            rest.append(condition)
    key = (source.name, tuple(rest), "id" if by_id else query.order)
    selection = cache.get(key, source.version)
    if selection is None:
        selection = _select(source, rest, None if by_id else query.order)
        cache.put(key, source.version, selection)
    offset = (query.page - 1) * query.per_page
    if not by_id:
        return list(selection.records[offset : offset + query.per_page]), len(selection.records)
    low, high = _id_range(selection.ids, ranges)
    total = max(0, high - low)
    if descending:
        end = high - offset
        start = max(low, end - query.per_page)
        page = list(reversed(selection.records[start:end])) if end > low else []
    else:
        start = low + offset
        page = list(selection.records[start : min(high, start + query.per_page)])
    return page, total


def _select(
    source: ListSource, conditions: Sequence[Condition], order: tuple[tuple[str, bool], ...] | None
) -> _Selection:
    if not conditions and order is None:
        return _Selection(source.records, source.ids)
    tests = [predicate(condition, source.schema) for condition in conditions]
    if len(tests) == 1:
        only = tests[0]
        records: list[Record] = [record for record in source.records if only(record)]
    else:
        records = [record for record in source.records if all(test(record) for test in tests)]
    if order is not None:
        return _Selection(sort_records(records, order, source.schema), ())
    return _Selection(records, [record["id"] for record in records])


def _id_range(ids: Sequence[int], ranges: Sequence[tuple[str, int | float]]) -> tuple[int, int]:
    low, high = 0, len(ids)
    for op, value in ranges:
        if op in ("=", ">="):
            low = max(low, bisect.bisect_left(ids, value))
        if op == ">":
            low = max(low, bisect.bisect_right(ids, value))
        if op in ("=", "<="):
            high = min(high, bisect.bisect_right(ids, value))
        if op == "<":
            high = min(high, bisect.bisect_left(ids, value))
    return low, high


# -- select --------------------------------------------------------------------------------------------------------


def projector(paths: Sequence[str]) -> Callable[[Any], Any]:
    """Keep only the selected fields; ``city.name`` keeps a field of a relation, of each item of a list."""
    tree: dict[str, Any] = {}
    for path in paths:
        node = tree
        parts = path.split(".")
        for part in parts[:-1]:
            child = node.get(part, {})
            if child is None:
                break
            node = node.setdefault(part, child)
        else:
            node[parts[-1]] = None

    def apply(value: Any, node: dict[str, Any] | None) -> Any:
        if node is None:
            return value
        if isinstance(value, list):
            return [apply(item, node) for item in value]
        if isinstance(value, dict):
            return {name: apply(value[name], child) for name, child in node.items() if name in value}
        return value

    return lambda record: apply(record, tree)


__all__ = [
    "ANY",
    "DEFAULT_PER_PAGE",
    "Condition",
    "FieldTree",
    "Kind",
    "ListQuery",
    "ListSource",
    "QueryError",
    "ResultCache",
    "mysql_number",
    "parse_list_query",
    "parse_order",
    "parse_select",
    "parse_where",
    "predicate",
    "projector",
    "run_query",
    "sort_records",
]
