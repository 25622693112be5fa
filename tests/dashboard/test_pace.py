"""The pace panel answers "are we on track?": the comparison is the most similar show that took place (same event,
then same city and weekday), chosen on the simulator's own events and the truth's sales, never on our SQL; the plan
line is the show's own target, absent where the show has none (the page says «нет плана»), and the event's target is
split across its shows only when asked."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from integrations.qtickets_api import connect
from integrations.qtickets_api.bi import panels
from integrations.qtickets_api.service import ReaderPool
from tests.dashboard.truth import Truth
from tests.dashboard.world import World


def _shows(world: World) -> dict[int, dict[str, Any]]:
    out = {}
    for e in world.sim.events():
        if e.get("deleted_at"):
            continue
        zone = ZoneInfo(e["city"]["timezone"])
        for s in e["shows"]:
            if s.get("deleted_at"):
                continue
            start = datetime.fromisoformat(s["start_date"])
            out[s["id"]] = {"event": e["id"], "city": e["city"]["name"], "start": start,
                            "weekday": start.astimezone(zone).isoweekday()}  # fmt: skip
    return out


def _expected_comparison(world: World, truth: Truth, show_id: int) -> tuple[int, str]:
    shows = _shows(world)
    sold = {t.show_id for t in truth.tickets}
    me = shows[show_id]
    now = world.now
    earlier = [sid for sid, s in shows.items() if sid != show_id and sid in sold and s["start"] < min(now, me["start"])]
    if not earlier:
        return 0, ""
    groups = [
        ("то же мероприятие", [sid for sid in earlier if shows[sid]["event"] == me["event"]]),
        ("тот же город и день недели",
         [sid for sid in earlier if shows[sid]["city"] == me["city"] and shows[sid]["weekday"] == me["weekday"]]),
        ("тот же город", [sid for sid in earlier if shows[sid]["city"] == me["city"]]),
        ("другой прошедший сеанс", earlier),
    ]  # fmt: skip
    for basis, group in groups:
        if group:
            return max(group, key=lambda sid: shows[sid]["start"]), basis
    return 0, ""


def _pace(readers: ReaderPool, **query: Any) -> list[dict[str, Any]]:
    return panels.run("pace", readers, {k: str(v) for k, v in query.items()}, today=date.today())[2]


def test_the_default_comparison_is_the_most_similar_past_show(readers: ReaderPool, world: World, truth: Truth) -> None:
    checked = 0
    upcoming = [sid for sid, s in _shows(world).items() if s["start"] > world.now]
    for show_id in upcoming:
        want, basis = _expected_comparison(world, truth, show_id)
        rows = _pace(readers, show_id=show_id)
        compare = [r for r in rows if r["series"] == "compare"]
        if not want:
            assert not compare
            continue
        assert compare and {r["show_id"] for r in compare} == {want}, show_id
        assert {r["compare_basis"] for r in compare} == {basis}
        checked += 1
    assert checked >= 3


def test_a_chosen_comparison_wins_and_none_draws_no_comparison(readers: ReaderPool, world: World, truth: Truth) -> None:
    shows = _shows(world)
    sold = {t.show_id for t in truth.tickets}
    upcoming = next(sid for sid, s in shows.items() if s["start"] > world.now and sid in sold)
    other = next(sid for sid, s in shows.items() if s["start"] < world.now and sid in sold)
    rows = _pace(readers, show_id=upcoming, compare_show_id=other)
    assert {r["show_id"] for r in rows if r["series"] == "compare"} == {other}
    assert not [r for r in _pace(readers, show_id=upcoming, compare="none") if r["series"] == "compare"]


def test_the_plan_line_is_the_shows_own_target(readers: ReaderPool, world: World, truth: Truth) -> None:
    shows = _shows(world)
    sold = {t.show_id for t in truth.tickets}
    by_event: dict[int, list[int]] = {}
    for sid, s in shows.items():
        by_event.setdefault(s["event"], []).append(sid)
    event = next(e for e, ids in by_event.items() if len(ids) >= 2 and len(set(ids) & sold) >= 2)
    planned, unplanned = sorted(set(by_event[event]) & sold)[:2]
    at = datetime.now(UTC)
    with connect(world.settings) as storage:
        storage.insert(
            "bi_plan",
            [[event, 0, None, 1000, Decimal("500000.00"), at], [event, planned, None, 300, Decimal("90000.00"), at]],
            ("event_id", "show_id", "plan_date", "target_tickets", "target_revenue", "loaded_at"),
        )
    plan = [r for r in _pace(readers, show_id=planned) if r["series"] == "plan"]
    assert [(r["show_id"], r["tickets_cum"], float(r["revenue_cum"])) for r in plan] == [(planned, 300, 90000.0)]
    # no plan of its own: no plan line (never the event's whole target, never 0)
    assert not [r for r in _pace(readers, show_id=unplanned) if r["series"] == "plan"]
    # split only when asked: the event's target over its shows
    split = [r for r in _pace(readers, show_id=unplanned, plan="split") if r["series"] == "plan"]
    count = len(by_event[event])
    assert [(r["tickets_cum"], float(r["revenue_cum"])) for r in split] == [
        (round(1000 / count), pytest.approx(500000 / count))
    ]


def test_pace_rows_carry_the_venue_time_and_zone(readers: ReaderPool, world: World) -> None:
    shows = _shows(world)
    show_id = next(sid for sid, s in shows.items() if s["start"] > world.now)
    rows = _pace(readers, show_id=show_id)
    assert rows
    zones = {s["id"]: e["city"]["timezone"] for e in world.sim.events() for s in e["shows"]}
    for row in rows:
        start = shows[row["show_id"]]["start"].astimezone(ZoneInfo(zones[row["show_id"]]))
        assert row["show_start_local"].strftime("%Y-%m-%d %H:%M") == start.strftime("%Y-%m-%d %H:%M")
        assert "(МСК" in row["show_zone"]


def test_the_options_offer_past_shows_to_compare_with(readers: ReaderPool, world: World) -> None:
    from integrations.qtickets_api.bi.options import filter_options

    shows = _shows(world)
    offered = filter_options(readers)["shows"]
    assert offered
    for show in offered:
        assert show["past"] == (shows[show["show_id"]]["start"] <= datetime.now(UTC)), show
        assert "(МСК" in show["show_zone"]
    assert any(s["past"] for s in offered) and not all(s["past"] for s in offered)
