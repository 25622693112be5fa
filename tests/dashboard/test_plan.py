"""The plan: a CSV as the organiser writes it (or Excel saves it) becomes bi_plan, and the plan panel shows the
sales against it as sum / target, computed here from the simulator's orders."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from integrations.qtickets_api.bi import panels
from integrations.qtickets_api.bi.plan_csv import parse_plan
from integrations.qtickets_api.errors import PlanFileError
from integrations.qtickets_api.service import ReaderPool
from tests.dashboard.truth import Scope, Truth
from tests.dashboard.world import World

REPO = Path(__file__).resolve().parents[2]


def test_a_plan_saved_from_excel_parses() -> None:
    text = "\ufeffID мероприятия;ID сеанса;К дате;План, билеты;План, ₽\r\n1849;;;1 200;3 000 000\r\n1849;7155;15.01.2027;400;1000000,50\r\n"
    rows = parse_plan(text)
    assert rows[0].show_id == 0 and rows[0].plan_date is None and rows[0].target_tickets == 1200
    assert rows[1].plan_date == date(2027, 1, 15) and rows[1].target_revenue == Decimal("1000000.50")
    comma = parse_plan("event_id,show_id,plan_date,target_tickets,target_revenue\n5,,2026-12-31,10,\n")
    assert comma[0].plan_date == date(2026, 12, 31) and comma[0].target_revenue == 0


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "empty"),
        ("event_id;target_tickets\n", "no targets"),
        ("show_id;target_tickets\n1;2\n", "header"),
        ("event_id;target_tickets\nabc;2\n", "line 2: event_id"),
        ("event_id;target_tickets\n1;-5\n", "line 2: target_tickets"),
        ("event_id;plan_date;target_tickets\n1;31.02.2026;5\n", "line 2: plan_date"),
        ("event_id;target_tickets\n1;5\n1;6\n", "line 3: the same"),
        ("event_id;target_revenue\n1;1e400\n", "line 2: target_revenue"),
    ],
)
def test_every_problem_names_its_line(text: str, says: str) -> None:
    with pytest.raises(PlanFileError) as caught:
        parse_plan(text)
    assert says in str(caught.value)


def plan_command(world: World, csv_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QTICKETS", "CLICKHOUSE"))}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [sys.executable, "-m", "integrations.qtickets_api.plan", "--envfile", str(world.envfile), "--csv", str(csv_path),
         *extra],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_the_plan_command_loads_the_plan_and_the_panel_compares(world: World, truth: Truth, tmp_path: Path) -> None:
    everything = Scope(date(2000, 1, 1), date(2100, 1, 1))
    events = truth.by(everything, "event_id")
    event = max(events, key=lambda e: events[e]["tickets"])
    shows = truth.by(Scope(date(2000, 1, 1), date(2100, 1, 1), event_id=event), "show_id")
    show = max(shows, key=lambda s: shows[s]["tickets"])
    first_day = min(t.sales_date for t in truth.tickets if t.show_id == show)
    by_day = first_day + timedelta(days=10)
    path = tmp_path / "plan.csv"
    path.write_text(
        "event_id;show_id;plan_date;target_tickets;target_revenue\n"
        f"{event};;;{events[event]['tickets'] * 2};1 000 000,00\n"
        f"{event};{show};{by_day:%d.%m.%Y};50;\n",
        encoding="utf-8",
    )
    assert plan_command(world, path, "--dry-run").returncode == 0
    done = plan_command(world, path)
    assert done.returncode == 0, done.stderr
    assert "Loaded 2 targets" in done.stdout
    pool = ReaderPool(world.settings.clickhouse, size=1)
    try:
        _, _, rows = panels.run("plan", pool, {}, today=date.today())
    finally:
        pool.close()
    whole = next(r for r in rows if r["show_id"] == 0)
    assert whole["fact_tickets"] == events[event]["tickets"]
    assert whole["tickets_share"] == pytest.approx(0.5)
    dated = next(r for r in rows if r["show_id"] == show)
    want = truth.kpi(Scope(date(2000, 1, 1), by_day, event_id=event, show_id=show))["tickets"]
    assert dated["fact_tickets"] == want and dated["plan_date"] == by_day
    assert dated["tickets_share"] == pytest.approx(want / 50)
    bad = tmp_path / "bad.csv"
    bad.write_text("event_id;target_tickets\nx;1\n", encoding="utf-8")
    refused = plan_command(world, bad)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1 and "line 2" in refused.stderr
