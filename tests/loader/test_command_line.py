"""The user's command lines, run as the user would type them, and their one-line failures."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from integrations.qtickets_api import load_settings
from integrations.qtickets_api.storage import connect
from tests.conftest import REPO, run_cli, write_env

VERBATIM = [
    "integrations.qtickets_api.loader", "--envfile", "secrets/.env.qtickets_api",
    "--since-hours", "24", "--dry-run", "--verbose",
]  # fmt: skip


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.startswith("error:")]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_readme_smoke_command_works_verbatim_and_writes_nothing(tmp_path: Path, envfile: Path, token: str) -> None:
    result = run_cli(VERBATIM, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for line in ("Starting QTickets API ingestion run", "Fetched events/orders", "Transformed orders into sales rows"):
        assert line in result.stderr
    assert "GET /orders" in result.stderr  # --verbose shows the requests
    assert "Dry run: nothing was written" in result.stdout
    assert not (tmp_path / "clickhouse").exists()
    assert token not in result.stdout + result.stderr


def test_persisting_run_then_sql_checks_from_the_readme(tmp_path: Path, envfile: Path, token: str) -> None:
    load = run_cli(
        ["integrations.qtickets_api.loader", "--envfile", str(envfile), "--since", "2021-01-01"], cwd=tmp_path
    )
    assert load.returncode == 0, load.stderr
    for sql in (
        "SELECT count(), max(sale_ts) FROM zakaz.fact_qtickets_sales_daily;",
        "SELECT city, sum(tickets_left) FROM zakaz.fact_qtickets_inventory_latest GROUP BY city ORDER BY city;",
        "SELECT * FROM zakaz.meta_job_runs WHERE job = 'qtickets_api' ORDER BY started_at DESC LIMIT 5;",
        "SELECT count(), min(order_ts), max(order_ts) FROM zakaz.stg_qtickets_api_orders_raw;",
        "SELECT min(sales_date), max(sales_date), sum(tickets_sold), sum(revenue) FROM zakaz.fact_qtickets_sales_daily;",
    ):
        out = run_cli(["integrations.qtickets_api.sql", "--envfile", str(envfile), "-q", sql], cwd=tmp_path)
        assert out.returncode == 0, out.stderr
        assert "count()" in out.stdout or "city" in out.stdout or "run_id" in out.stdout or "min(" in out.stdout
    runs = run_cli(
        ["integrations.qtickets_api.sql", "--envfile", str(envfile), "--format", "tsv", "-q",
         "SELECT status FROM zakaz.meta_job_runs"], cwd=tmp_path,
    )  # fmt: skip
    assert runs.stdout.split() == ["status", "success"]
    assert token not in load.stderr + load.stdout


def test_missing_token_is_one_line_and_exit_2(tmp_path: Path, sim: Any) -> None:
    env = write_env(tmp_path / "e.env", {"QTICKETS_API_BASE_URL": sim.base_url})
    r = run_cli(["integrations.qtickets_api.loader", "--envfile", str(env)], cwd=tmp_path)
    assert r.returncode == 2
    line = one_error_line(r.stderr)
    assert "QTICKETS_API_TOKEN" in line and ".env.qtickets_api.sample" in line


def test_runbook_aliases_are_accepted(tmp_path: Path, sim: Any, token: str) -> None:
    env = write_env(
        tmp_path / "e.env",
        {"QTICKETS_BASE_URL": sim.base_url, "QTICKETS_TOKEN": token, "REPORT_TZ": "Asia/Novosibirsk",
         "QTICKETS_SINCE_HOURS": "48"},
    )  # fmt: skip
    s = load_settings(env)
    assert (s.api_base_url, s.api_token, s.tz, s.since_hours) == (sim.base_url, token, "Asia/Novosibirsk", 48.0)


def test_bad_url_and_bad_flag(tmp_path: Path, token: str) -> None:
    env = write_env(tmp_path / "e.env", {"QTICKETS_API_BASE_URL": "qtickets.ru/api", "QTICKETS_API_TOKEN": token})
    r = run_cli(["integrations.qtickets_api.loader", "--envfile", str(env)], cwd=tmp_path)
    assert r.returncode == 2 and "QTICKETS_API_BASE_URL" in one_error_line(r.stderr)
    r = run_cli(["integrations.qtickets_api.loader", "--envfile", str(env), "--since-hourz", "3"], cwd=tmp_path)
    assert r.returncode == 2 and "--since-hourz" in one_error_line(r.stderr)


def test_unreachable_api_is_one_line_and_recorded_as_failed(tmp_path: Path, token: str) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = write_env(
        tmp_path / "e.env",
        {"QTICKETS_API_BASE_URL": f"http://127.0.0.1:{port}/api/rest/v1", "QTICKETS_API_TOKEN": token,
         "CLICKHOUSE_DATA_DIR": str(tmp_path / "ch"), "QTICKETS_API_MAX_ATTEMPTS": "2"},
    )  # fmt: skip
    r = run_cli(["integrations.qtickets_api.loader", "--envfile", str(env)], cwd=tmp_path)
    assert r.returncode == 1
    assert "unreachable" in one_error_line(r.stderr)
    with connect(load_settings(env)) as storage:
        rows = storage.query("SELECT status, error FROM zakaz.meta_job_runs").result_rows
    assert rows and rows[0][0] == "failed" and "unreachable" in rows[0][1]


def test_wrong_token_fails_clearly(tmp_path: Path, sim: Any) -> None:
    env = write_env(
        tmp_path / "e.env",
        {"QTICKETS_API_BASE_URL": sim.base_url, "QTICKETS_API_TOKEN": "wrong-token-value",
         "CLICKHOUSE_DATA_DIR": str(tmp_path / "ch")},
    )  # fmt: skip
    r = run_cli(["integrations.qtickets_api.loader", "--envfile", str(env)], cwd=tmp_path)
    assert r.returncode == 1 and "refused the token" in one_error_line(r.stderr)
    assert "wrong-token-value" not in r.stderr


def test_locked_data_directory_is_one_line(tmp_path: Path, envfile: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; "
         "from integrations.qtickets_api import load_settings; "
         "from integrations.qtickets_api.storage import connect; "
         "s = connect(load_settings(Path(sys.argv[1]))); print('ready', flush=True); time.sleep(60)",
         str(envfile)],
        cwd=REPO, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        r = run_cli(["integrations.qtickets_api.sql", "--envfile", str(envfile), "-q", "SELECT 1"], cwd=tmp_path)
        assert r.returncode == 1
        assert "in use by another process" in one_error_line(r.stderr)
    finally:
        holder.kill()
        holder.wait()
