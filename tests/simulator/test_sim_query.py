"""query.py on its own: MySQL comparison rules, NULLs, ordering, paging parameters, select."""

from __future__ import annotations

from typing import Any

import pytest

from qtickets_sim.query import (
    Kind,
    ListQuery,
    ListSource,
    QueryError,
    ResultCache,
    mysql_number,
    parse_list_query,
    parse_where,
    predicate,
    projector,
    run_query,
    sort_records,
)

SCHEMA = {"id": Kind.INT, "name": Kind.STR, "flag": Kind.BOOL, "at": Kind.DATETIME, "price": Kind.NUM}
RECORDS: list[dict[str, Any]] = [
    {"id": 1, "name": "Alpha", "flag": True, "at": "2025-10-01T00:00:00+03:00", "price": 100},
    {"id": 2, "name": "beta ", "flag": False, "at": "2025-09-30T23:59:59+03:00", "price": 99.5},
    {"id": 3, "name": None, "flag": True, "at": None, "price": None},
    {"id": 4, "name": "12 chairs", "flag": False, "at": "2025-10-01T05:00:00+07:00", "price": 0},
]


def matching(*conditions: dict[str, Any]) -> list[int]:
    tests = [predicate(condition, SCHEMA) for condition in parse_where(list(conditions), SCHEMA)]
    return [record["id"] for record in RECORDS if all(test(record) for test in tests)]


@pytest.mark.parametrize(
    ("value", "number"), [(True, 1), (False, 0), ("1", 1), ("12abc", 12), ("abc", 0), (" 2.5x", 2.5), ("", 0)]
)
def test_mysql_number(value: Any, number: float) -> None:
    assert mysql_number(value) == number


def test_booleans_and_strings() -> None:
    assert matching({"column": "flag", "value": True}) == [1, 3]
    assert matching({"column": "flag", "value": "true"}) == [2, 4]  # "true" is 0 in a numeric context
    assert matching({"column": "name", "value": "ALPHA"}) == [1]  # case-insensitive collation
    assert matching({"column": "name", "value": "beta"}) == [2]  # trailing spaces do not count
    assert matching({"column": "name", "value": 12}) == [4]  # a string column against a number: numeric


def test_datetimes_are_moscow_wall_clock() -> None:
    assert matching({"column": "at", "operator": ">=", "value": "2025-10-01"}) == [1, 4]
    assert matching({"column": "at", "operator": "<", "value": "2025-10-01 00:00:00"}) == [2]
    assert matching({"column": "at", "operator": ">=", "value": "2025-10-01T00:30:00Z"}) == [4]
    assert matching({"column": "at", "value": "2025-10-01 01:00"}) == [4]  # 05:00+07:00 is 01:00 in Moscow
    with pytest.raises(QueryError):
        matching({"column": "at", "operator": ">", "value": "soon"})


def test_null_matches_no_comparison() -> None:
    assert matching({"column": "price", "operator": "!=", "value": 5}) == [1, 2, 4]
    assert matching({"column": "price", "operator": "<", "value": 1000}) == [1, 2, 4]
    assert matching({"column": "price", "operator": "not in", "value": [5]}) == [1, 2, 4]
    assert matching({"column": "price", "operator": "not in", "value": [5, None]}) == []
    assert matching({"column": "price", "operator": "in", "value": [100, None]}) == [1]
    assert matching({"column": "price", "operator": "null"}) == [3]
    assert matching({"column": "price", "value": None}) == []


def test_operator_spelling() -> None:
    assert matching({"column": "id", "operator": "IN", "value": [1, 2]}) == [1, 2]
    assert matching({"column": "id", "operator": "not  in  array", "value": [1, 2]}) == [3, 4]
    for bad in ("<>", "like", "between", 5, None):
        with pytest.raises(QueryError):
            parse_where([{"column": "id", "operator": bad, "value": 1}], SCHEMA)


def test_sorting_puts_nulls_first_ascending_and_keeps_ties_by_id() -> None:
    ascending = sort_records(RECORDS, [("price", False)], SCHEMA)
    assert [record["id"] for record in ascending] == [3, 4, 2, 1]
    descending = sort_records(RECORDS, [("flag", True)], SCHEMA)
    assert [record["id"] for record in descending] == [1, 3, 2, 4]
    by_time = sort_records(RECORDS, [("at", True)], SCHEMA)
    assert [record["id"] for record in by_time] == [4, 1, 2, 3]


def test_paging_parameters() -> None:
    query = parse_list_query({"page": "3", "perPage": 10_000}, SCHEMA, 500, SCHEMA)
    assert (query.page, query.per_page) == (3, 500)
    query = parse_list_query({"page": 0, "perPage": -1}, SCHEMA, 500, SCHEMA)
    assert (query.page, query.per_page) == (1, 50)
    query = parse_list_query({"page": 2.9, "perPage": "abc"}, SCHEMA, 500, SCHEMA)
    assert (query.page, query.per_page) == (2, 50)


def test_run_query_bisects_id_ranges_and_counts_the_total() -> None:
    records = [{"id": i, "flag": i % 3 == 0} for i in range(1, 1001)]
    source = ListSource("t", records, [r["id"] for r in records], {"id": Kind.INT, "flag": Kind.BOOL}, 0)
    cache = ResultCache()
    where = parse_where(
        [{"column": "id", "operator": ">", "value": 900}, {"column": "flag", "value": 1}], source.schema
    )
    page, total = run_query(source, ListQuery(where=where, per_page=10), cache)
    assert total == 33 and [r["id"] for r in page] == list(range(903, 931, 3))
    page, total = run_query(source, ListQuery(where=where, order=(("id", True),), per_page=5, page=2), cache)
    assert total == 33 and [r["id"] for r in page] == [984, 981, 978, 975, 972]
    where = parse_where([{"column": "id", "operator": "<=", "value": 3}], source.schema)
    assert run_query(source, ListQuery(where=where, page=2, per_page=2), cache) == ([records[2]], 3)


def test_projector() -> None:
    keep = projector(["id", "city.name", "shows.id"])
    event = {"id": 1, "name": "x", "city": {"id": 2, "name": "Казань"}, "shows": [{"id": 5, "x": 1}, {"id": 6}]}
    assert keep(event) == {"id": 1, "city": {"name": "Казань"}, "shows": [{"id": 5}, {"id": 6}]}
    assert projector(["city", "city.name"])(event)["city"] == event["city"]
