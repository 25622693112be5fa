"""The loader's ClickHouse server path (``CLICKHOUSE_HOST=http://…``) for real, over HTTP, against a test front
over the embedded engine (tests/support/ch_http_front.py): the same client, requests and error handling as with a
server. Then ClickHouse unreachable, refusing the credentials, or failing mid-run at each step: exit 1 with one
clear ``error:`` line, no half-written fact visible to the dashboard, the failure recorded when ClickHouse can
still take it, and the next run converging to the truth."""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from integrations.qtickets_api import RunOptions, Settings, load_settings, run_loader
from integrations.qtickets_api.storage import Storage, connect
from qtickets_sim import FaultConfig
from qtickets_sim.truth import expected_inventory
from tests.conftest import REPO, query, run_cli, write_env
from tests.loader.test_end_to_end import HISTORY_START, assert_facts_equal_truth, truth
from tests.support.ch_http_front import ChHttpFront

USER = "etl_writer"
Facts = dict[tuple[Any, int, int], tuple[int, Decimal]]
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (DEBUG|INFO|WARNING|ERROR|CRITICAL) ")


@pytest.fixture
def ch_password() -> str:
    return "pw-LEAKCHECK-" + secrets.token_hex(8)


@pytest.fixture
def front(tmp_path: Path, ch_password: str) -> Iterator[ChHttpFront]:
    with ChHttpFront(tmp_path / "server-data", user=USER, password=ch_password) as server:
        yield server


def server_env(path: Path, sim: Any, token: str, host: str, password: str) -> Path:
    return write_env(
        path / "secrets" / ".env.qtickets_api",
        {
            "QTICKETS_API_BASE_URL": sim.base_url,
            "QTICKETS_API_TOKEN": token,
            "CLICKHOUSE_HOST": host,
            "CLICKHOUSE_USER": USER,
            "CLICKHOUSE_PASSWORD": password,
            "CLICKHOUSE_DATA_DIR": str(path / "embedded-must-stay-unused"),
            "TZ": "Europe/Moscow",
            "QTICKETS_API_MAX_ATTEMPTS": "3",
        },
    )


@pytest.fixture
def ch_envfile(tmp_path: Path, sim: Any, token: str, front: ChHttpFront, ch_password: str) -> Path:
    return server_env(tmp_path, sim, token, front.url, ch_password)


@pytest.fixture
def ch_settings(ch_envfile: Path) -> Settings:
    return load_settings(ch_envfile)


# --- helpers ----------------------------------------------------------------------------------------------


def backfill(settings: Settings, sim: Any) -> None:
    result = run_loader(settings, RunOptions(since=HISTORY_START, until=sim.now() + timedelta(seconds=1)))
    assert result.record.status == "success"


def window(sim: Any) -> tuple[str, str]:
    """The last 96 hours of the simulator's clock (it runs ahead of the wall clock here)."""
    until = sim.now() + timedelta(seconds=1)
    return (until - timedelta(hours=96)).isoformat(), until.isoformat()


def loader_cli(envfile: Path, sim: Any) -> subprocess.CompletedProcess[str]:
    since, until = window(sim)
    args = ["integrations.qtickets_api.loader", "--envfile", str(envfile), "--since", since, "--until", until]
    result: subprocess.CompletedProcess[str] = run_cli(args, cwd=REPO, timeout=120)
    return result


def error_line(proc: subprocess.CompletedProcess[str], password: str) -> str:
    """The one ``error:`` line of a failed run; exit 1, no traceback, no password."""
    assert proc.returncode == 1, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, proc.stderr
    assert password not in proc.stderr and password not in proc.stdout
    return lines[0]


def run_id_of(proc: subprocess.CompletedProcess[str]) -> str:
    found = re.search(r"Starting QTickets API ingestion run ([0-9a-f]{32})", proc.stderr)
    assert found, proc.stderr
    return found.group(1)


def by_month(rows: Facts) -> dict[int, Facts]:
    months: dict[int, Facts] = defaultdict(dict)
    for key, value in rows.items():
        months[key[0].year * 100 + key[0].month][key] = value
    return months


class Db:
    """The test's own reads through one client (``tests.conftest.query`` opens one, handshake included, per
    query); the same statements as ``tests.loader.test_end_to_end.facts`` and ``assert_no_duplicates``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._storage: Storage | None = None

    def rows(self, sql: str, parameters: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        if self._storage is None:
            self._storage = connect(self.settings)
        return [tuple(r) for r in self._storage.query(sql, parameters).result_rows]

    def close(self) -> None:
        if self._storage is not None:
            self._storage.close()

    def facts(self) -> Facts:
        rows = self.rows(
            "SELECT sales_date, event_id, show_id, sum(tickets_sold), sum(revenue) "
            "FROM zakaz.fact_qtickets_sales_daily GROUP BY sales_date, event_id, show_id"
        )
        return {(r[0], int(r[1]), int(r[2])): (int(r[3]), Decimal(r[4])) for r in rows}

    def inventory(self) -> dict[int, tuple[int | None, int | None]]:
        rows = self.rows("SELECT show_id, tickets_total, tickets_left FROM zakaz.fact_qtickets_inventory_latest")
        got = {int(r[0]): (r[1], r[2]) for r in rows}
        assert len(got) == len(rows), f"a show twice in the inventory: {sorted(r[0] for r in rows)}"
        return got

    def assert_no_duplicates(self) -> None:
        raw = self.rows("SELECT count(), uniqExact(order_id, version) FROM zakaz.stg_qtickets_api_orders_raw")[0]
        assert raw[0] == raw[1], f"duplicate order versions in the raw table: {raw}"
        keys = self.rows(
            "SELECT count(), uniqExact(sales_date, city, event_id, show_id) FROM zakaz.fact_qtickets_sales_daily"
        )[0]
        assert keys[0] == keys[1], f"duplicate fact rows: {keys}"


@pytest.fixture
def db(ch_settings: Settings) -> Iterator[Db]:
    reader = Db(ch_settings)
    yield reader
    reader.close()


def expected_inventory_now(sim: Any) -> dict[int, tuple[int | None, int | None]]:
    events = sim.events()
    seats = {s["id"]: sim.seats(s["id"], flat=True) for e in events for s in e.get("shows") or []}
    want: dict[int, tuple[int | None, int | None]] = expected_inventory(events, seats, sim.now())
    return want


def assert_dashboard_consistent(db: Db, before: Facts, after: Facts) -> None:
    """What a plain ``SELECT sum(...)`` shows: every month partition is either its previous or its new complete
    state, and no row is there twice."""
    db.assert_no_duplicates()
    got, old, new = by_month(db.facts()), by_month(before), by_month(after)
    for month in sorted(set(got) | set(old) | set(new)):
        state = got.get(month, {})
        assert state in (old.get(month, {}), new.get(month, {})), (
            f"month {month} is neither its previous nor its new complete state"
        )


# --- the server path works unchanged ------------------------------------------------------------------------


def test_a_full_load_over_http_equals_the_truth(
    ch_settings: Settings, ch_envfile: Path, sim: Any, front: ChHttpFront, db: Db
) -> None:
    backfill(ch_settings, sim)
    assert_facts_equal_truth(ch_settings, sim)
    assert db.inventory() == expected_inventory_now(sim)
    runs = query(ch_settings, "SELECT status, rows['stg_qtickets_api_orders_raw'], error FROM zakaz.meta_job_runs")
    assert len(runs) == 1 and runs[0][0] == "success" and runs[0][1] > 0 and runs[0][2] == ""
    # it went over HTTP to the front, not to an embedded engine: orders as lz4-compressed JSON rows, the other
    # inserts as Native bodies, answers compressed
    assert not ch_settings.clickhouse_data_dir.exists()
    inserts = [s for s in front.served if s.statement.startswith("INSERT INTO zakaz.stg_qtickets_api_orders_raw")]
    assert inserts and all(s.statement.endswith("FORMAT JSONCompactEachRow") and s.encoding == "lz4" for s in inserts)
    events = [s for s in front.served if s.statement.startswith("INSERT INTO zakaz.dim_qtickets_api_events")]
    assert events and all(s.statement.endswith("FORMAT Native") and s.encoding for s in events)
    assert front.statements(r"^ALTER TABLE zakaz\.fact_qtickets_sales_detail REPLACE PARTITION")
    assert any(s.response_encoding for s in front.served)
    assert all(s.outcome == "ok" for s in front.served), [s for s in front.served if s.outcome != "ok"][:3]
    # and the command line does the same, exit 0
    sim.advance(timedelta(hours=6))
    proc = loader_cli(ch_envfile, sim)
    assert proc.returncode == 0, proc.stderr
    assert_facts_equal_truth(ch_settings, sim)
    assert [r[0] for r in query(ch_settings, "SELECT status FROM zakaz.meta_job_runs")] == ["success", "success"]


# --- ClickHouse not there, or not letting us in -------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_clickhouse_unreachable_at_start(tmp_path: Path, sim: Any, token: str) -> None:
    host = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    proc = loader_cli(server_env(tmp_path, sim, token, host, "pw-unused"), sim)
    line = error_line(proc, "pw-unused")
    assert line.startswith(f"error: ClickHouse at {host} is unreachable"), line
    assert "nothing was written" in line
    assert "Traceback" not in proc.stderr


def test_wrong_password(tmp_path: Path, sim: Any, token: str, front: ChHttpFront) -> None:
    proc = loader_cli(server_env(tmp_path, sim, token, front.url, "wrong-" + secrets.token_hex(4)), sim)
    line = error_line(proc, front.password)
    assert line.startswith(f"error: ClickHouse at {front.url} refused the credentials of user '{USER}'"), line
    assert "CLICKHOUSE_USER and CLICKHOUSE_PASSWORD" in line
    assert "wrong-" not in proc.stderr
    assert "Traceback" not in proc.stderr
    assert [s.status for s in front.served] == [403], "one refused handshake, nothing else"


# --- ClickHouse failing mid-run ------------------------------------------------------------------------------

# (id, statement regex, mode, matches let through first, facts after the failed run, inventory after it):
# the staging inserts, the fact rebuild, the inventory swap and the final run record. Modes: "refuse" the server
# goes away, "500" an exception answer, "drop" the statement ran but its answer was cut. States: "old" the
# previous complete state, "new" the new one, "mixed" every month either its old or its new complete state.
MID_RUN = [
    ("staging_baskets_500", r"^INSERT INTO zakaz\.stg_qtickets_api_baskets ", "500", 0, "old", "old"),
    ("staging_orders_server_gone", r"^INSERT INTO zakaz\.stg_qtickets_api_orders_raw ", "refuse", 0, "old", "old"),
    ("fact_stage_insert_500", r"^INSERT INTO zakaz\.fact_qtickets_sales_detail__stage_[0-9a-f]{12} ", "500", 0, "old", "old"),
    # every month of a table is swapped by one ALTER: it fails whole, or runs and the answer is lost on the way
    # (fact_qtickets_sales_daily, which Db.facts reads, is a view over the detail)
    ("month_swaps_500", r"^ALTER TABLE zakaz\.fact_qtickets_sales_detail REPLACE", "500", 0, "old", "old"),
    ("month_swaps_cut", r"^ALTER TABLE zakaz\.fact_qtickets_sales_detail REPLACE", "drop", 0, "new", "old"),
    ("detail_swaps_server_gone", r"^ALTER TABLE zakaz\.fact_qtickets_sales_detail REPLACE", "refuse", 0, "old", "old"),
    ("refund_swaps_500", r"^ALTER TABLE zakaz\.fact_qtickets_refunds_daily REPLACE", "500", 0, "new", "old"),
    ("inventory_swap_500", r"^ALTER TABLE zakaz\.fact_qtickets_inventory_latest REPLACE", "500", 0, "new", "old"),
    ("inventory_stage_server_gone", r"^INSERT INTO zakaz\.fact_qtickets_inventory_latest__stage_[0-9a-f]{12} ", "refuse", 0, "new", "old"),
    ("run_record_500", r"^INSERT INTO zakaz\.meta_job_runs ", "500", 0, "new", "new"),
]  # fmt: skip
RECORDED_ERROR = {"500": "MEMORY_LIMIT_EXCEEDED", "drop": "Connection broken"}


@pytest.mark.parametrize(("pattern", "mode", "skip", "facts_state", "inventory_state"), [p[1:] for p in MID_RUN],
                         ids=[p[0] for p in MID_RUN])  # fmt: skip
def test_clickhouse_failing_mid_run(
    pattern: str,
    mode: Any,
    skip: int,
    facts_state: str,
    inventory_state: str,
    ch_settings: Settings,
    ch_envfile: Path,
    db: Db,
    sim: Any,
    front: ChHttpFront,
) -> None:
    # a previous complete load, then activity, so that "previous" and "new" states differ
    backfill(ch_settings, sim)
    before, inventory_before = db.facts(), db.inventory()
    sim.advance(timedelta(days=1))
    after, inventory_after = truth(sim), expected_inventory_now(sim)
    assert before != after and inventory_before != inventory_after, "no activity: the test proves nothing"

    fault = front.fail_matching(pattern, mode, skip=skip)
    proc = loader_cli(ch_envfile, sim)
    assert fault.hits == 1, "the fault never fired: the test proves nothing"
    line = error_line(proc, front.password)
    assert line.startswith("error: ClickHouse "), line
    assert "Traceback" not in proc.stderr
    front.heal()

    # the dashboard, read as the BI tool reads it: whole months, never a row twice, the inventory whole
    assert_dashboard_consistent(db, before, after)
    got = db.facts()
    if facts_state == "mixed":
        assert by_month(got) != by_month(before) and by_month(got) != by_month(after), "not a mix: proves nothing"
    else:
        assert got == {"old": before, "new": after}[facts_state]
    assert db.inventory() == {"old": inventory_before, "new": inventory_after}[inventory_state]
    # the failed run is recorded, with its error, whenever ClickHouse could still take the record
    runs = db.rows("SELECT status, error FROM zakaz.meta_job_runs WHERE run_id = {r:String}", {"r": run_id_of(proc)})
    if mode == "refuse":
        assert runs == []
    else:
        assert len(runs) == 1 and runs[0][0] == "failed" and RECORDED_ERROR[mode] in runs[0][1], runs

    # healed, the next run converges to the truth exactly
    since, until = window(sim)
    run_loader(ch_settings, RunOptions(since=datetime.fromisoformat(since), until=datetime.fromisoformat(until)))
    assert db.facts() == after
    db.assert_no_duplicates()
    assert db.inventory() == inventory_after


def test_two_processes_against_one_server_take_turns_through_the_lease(
    ch_envfile: Path, ch_settings: Settings, sim: Any, db: Db
) -> None:
    """The file lock only held on one machine: two loader processes (as on two hosts, or in two containers) against
    the same server. A timer tick skips with one line while the first holds the lease; a run by hand waits."""
    sim.set_faults(FaultConfig(latency_ms=40))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QTICKETS", "CLICKHOUSE"))}
    env["PYTHONPATH"] = str(REPO)

    def start(*extra: str) -> subprocess.Popen[str]:
        cmd = [sys.executable, "-m", "integrations.qtickets_api.loader", "--envfile", str(ch_envfile),
               "--since", "2021-01-01", "--per-page", "50", *extra]  # fmt: skip
        return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    first = start()
    assert first.stderr is not None
    for line in first.stderr:
        if "Fetched events/orders" in line:
            break
    tick = start("--wait-lease", "0")
    _out, err = tick.communicate(timeout=120)
    assert tick.returncode == 0, err
    assert "another loader run holds the run lease" in err and "this run is skipped" in err
    by_hand = start()
    _out, err_first = first.communicate(timeout=300)
    _out, err_hand = by_hand.communicate(timeout=300)
    assert first.returncode == 0 and by_hand.returncode == 0, err_first + err_hand
    assert "Waiting up to 30 min for the run lease" in err_hand
    assert [r[0] for r in db.rows("SELECT status FROM zakaz.meta_job_runs")] == ["success", "success"]
    sim.set_faults(FaultConfig())
    db.assert_no_duplicates()
    assert db.facts() == truth(sim)
