"""Every failure an operator meets is one line on stderr naming the problem and what to do: extreme values, several
SQL statements, an unusable data directory, a redirect, embedded-mode advice, no stray lines from the libraries
underneath, and ``--log-json`` for the last line too."""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from clickhouse_connect.driver.exceptions import OperationalError

from integrations.qtickets_api import sql as sql_command
from integrations.qtickets_api.errors import StorageUnreachableError
from integrations.qtickets_api.storage import Storage
from tests.conftest import run_cli, write_env
from tests.support.ch_http_front import ChHttpFront

LOADER = "integrations.qtickets_api.loader"
SQL = "integrations.qtickets_api.sql"
PROBE = "integrations.qtickets_api.probe"
# a line of ours: the log format of logs.configure, or the final error line
OUR_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (DEBUG|INFO|WARNING|ERROR|CRITICAL) |error: )")


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.startswith("error:")]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def only_our_lines(stderr: str) -> None:
    stray = [line for line in stderr.splitlines() if line.strip() and not OUR_LINE.match(line)]
    assert not stray, stderr


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# --- extreme values -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "1e12", "0"])
def test_extreme_since_hours_are_one_line_and_exit_2(tmp_path: Path, envfile: Path, value: str) -> None:
    result = run_cli([LOADER, "--envfile", str(envfile), "--since-hours", value, "--dry-run"], cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    line = one_error_line(result.stderr)
    assert "--since-hours" in line and "range" in line
    only_our_lines(result.stderr)


def test_since_hours_nan_in_the_env_file_is_one_line(tmp_path: Path, envfile: Path) -> None:
    envfile.write_text(envfile.read_text(encoding="utf-8") + "QTICKETS_SINCE_HOURS=nan\n", encoding="utf-8")
    result = run_cli([LOADER, "--envfile", str(envfile), "--dry-run"], cwd=tmp_path)
    assert result.returncode == 2 and "QTICKETS_SINCE_HOURS" in one_error_line(result.stderr)


# --- the SQL command ----------------------------------------------------------------------------------------


def test_split_statements_respects_quotes_and_comments() -> None:
    split_statements = sql_command.split_statements
    sql = "SELECT 'a;b' AS x; -- one; two\nSELECT `c;d` FROM t /* ; */ ;; SELECT \"e;\";\n-- only a comment;\n"
    assert split_statements(sql) == ["SELECT 'a;b' AS x", "-- one; two\nSELECT `c;d` FROM t /* ; */", 'SELECT "e;"']
    assert split_statements("SELECT 1;") == ["SELECT 1"]
    assert split_statements(" ; -- nothing\n") == []


def test_several_statements_run_each_under_its_own_header(tmp_path: Path, envfile: Path) -> None:
    result = run_cli([SQL, "--envfile", str(envfile), "-q", "SELECT 1 AS first; SELECT 'x;y' AS second;"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "-- [1/2] SELECT 1 AS first" in out and "-- [2/2] SELECT 'x;y' AS second" in out
    first, second = out.split("-- [2/2]")
    assert "first" in first and "second" not in first and "x;y" in second
    assert result.stderr == ""
    single = run_cli([SQL, "--envfile", str(envfile), "-q", "SELECT 1 AS only;"], cwd=tmp_path)
    assert single.returncode == 0 and "-- [" not in single.stdout and "only" in single.stdout


def test_a_failing_statement_stops_the_rest_in_one_line(tmp_path: Path, envfile: Path) -> None:
    result = run_cli(
        [SQL, "--envfile", str(envfile), "-q", "SELECT 1 AS ran; SELEC 2; SELECT 3 AS never"], cwd=tmp_path
    )
    assert result.returncode == 1
    line = one_error_line(result.stderr)
    assert line.startswith("error: statement 2 of 3 failed; statement 3 did not run")
    assert "correct the statement" in line
    assert "ran" in result.stdout and "never" not in result.stdout
    only_our_lines(result.stderr)


def test_a_table_not_loaded_yet_says_to_run_the_loader(tmp_path: Path, envfile: Path) -> None:
    result = run_cli([SQL, "--envfile", str(envfile), "-q", "SELECT count() FROM zakaz.fact_qtickets_sales_daily"],
                     cwd=tmp_path)  # fmt: skip
    assert result.returncode == 1
    line = one_error_line(result.stderr)
    assert f"run python -m {LOADER} --envfile {envfile}" in line
    assert "server" not in line.split(" — ", 1)[1]
    only_our_lines(result.stderr)


# --- the embedded data directory ----------------------------------------------------------------------------


@pytest.mark.parametrize("command", [[LOADER], [SQL, "-q", "SELECT 1"]])
def test_a_data_directory_that_cannot_be_made_is_one_line(
    tmp_path: Path, sim: Any, token: str, command: list[str]
) -> None:
    # tests run as root, which may write anywhere: a path under a regular file is refused to root as well
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file\n", encoding="utf-8")
    env = write_env(tmp_path / "e.env", {"QTICKETS_API_BASE_URL": sim.base_url, "QTICKETS_API_TOKEN": token,
                                         "CLICKHOUSE_DATA_DIR": str(blocker / "clickhouse")})  # fmt: skip
    result = run_cli([command[0], "--envfile", str(env), *command[1:]], cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    line = one_error_line(result.stderr)
    assert f"data directory {blocker / 'clickhouse'} cannot be used" in line
    assert f"{blocker} is a file, not a directory: set CLICKHOUSE_DATA_DIR" in line
    assert "server" not in line
    only_our_lines(result.stderr)


def test_an_embedded_engine_failure_gives_embedded_advice() -> None:
    class Broken:
        def query(self, *args: Any, **kwargs: Any) -> Any:
            raise OperationalError("engine gone")

        def close(self) -> None:
            pass

    for target, expected in (("embedded:/data/ch", "data directory"), ("http://ch:8123", "server is up")):
        storage = Storage(_client=Broken(), db="zakaz", target=target)  # type: ignore[arg-type]
        with pytest.raises(StorageUnreachableError) as failure:
            storage.query("SELECT 1")
        assert expected in failure.value.hint
        if target.startswith("embedded:"):
            assert "server" not in failure.value.one_line()


# --- a redirect from the API ----------------------------------------------------------------------------------


@pytest.fixture
def redirecting_api() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            status, location = (302, "/moved/orders") if "orders" in self.path else (301, None)
            self.send_response(status)
            self.send_header("Location", location or f"https://qtickets.example{self.path}")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/rest/v1"
    finally:
        server.shutdown()
        server.server_close()


def test_a_redirect_names_its_location(tmp_path: Path, token: str, redirecting_api: str) -> None:
    env = write_env(tmp_path / "e.env", {"QTICKETS_API_BASE_URL": redirecting_api, "QTICKETS_API_TOKEN": token,
                                         "CLICKHOUSE_DATA_DIR": str(tmp_path / "ch")})  # fmt: skip
    result = run_cli([LOADER, "--envfile", str(env), "--dry-run"], cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    line = one_error_line(result.stderr)
    assert "HTTP 301 on GET /events, redirecting to https://qtickets.example/api/rest/v1/events" in line
    assert "set QTICKETS_API_BASE_URL=https://qtickets.example/api/rest/v1;" in line
    assert token not in result.stderr
    only_our_lines(result.stderr)


# --- nothing but our own lines, and JSON when asked ------------------------------------------------------------


@pytest.fixture
def front(tmp_path: Path) -> Iterator[ChHttpFront]:
    with ChHttpFront(tmp_path / "server-data") as server:
        yield server


def server_env(tmp_path: Path, sim: Any, token: str, front: ChHttpFront) -> Path:
    return write_env(tmp_path / "server.env", {"QTICKETS_API_BASE_URL": sim.base_url, "QTICKETS_API_TOKEN": token,
                                               "CLICKHOUSE_HOST": front.url, "TZ": "Europe/Moscow"})  # fmt: skip


@pytest.mark.parametrize("mode", ["drop", "reset"])
def test_a_dropped_connection_prints_only_our_line(
    tmp_path: Path, sim: Any, token: str, front: ChHttpFront, mode: str
) -> None:
    # the driver logs a traceback ("unexpected failure to read next chunk") or "Unexpected Http Driver Exception"
    # before it raises the error we report
    env = server_env(tmp_path, sim, token, front)
    front.fail_matching(r"SELECT 42", mode, times=None)
    result = run_cli([SQL, "--envfile", str(env), "-q", "SELECT 42"], cwd=tmp_path, timeout=120)
    assert result.returncode == 1
    only_our_lines(result.stderr)
    assert "check that the server in CLICKHOUSE_HOST is up" in one_error_line(result.stderr)
    front.heal()
    front.fail_matching(r"meta_schema_migrations", mode, times=None)
    result = run_cli([LOADER, "--envfile", str(env), "--since-hours", "1"], cwd=tmp_path, timeout=120)
    assert result.returncode == 1
    one_error_line(result.stderr)
    only_our_lines(result.stderr)


def test_succeeding_commands_print_only_our_lines(tmp_path: Path, sim: Any, token: str, front: ChHttpFront) -> None:
    env = server_env(tmp_path, sim, token, front)
    load = run_cli([LOADER, "--envfile", str(env), "--since", "2021-01-01"], cwd=tmp_path, timeout=300)
    assert load.returncode == 0, load.stderr
    only_our_lines(load.stderr)
    check = run_cli([SQL, "--envfile", str(env), "-q", "SELECT count() FROM zakaz.fact_qtickets_sales_daily"],
                    cwd=tmp_path)  # fmt: skip
    assert check.returncode == 0 and check.stderr == "", check.stderr


def json_lines(stderr: str) -> list[dict[str, Any]]:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines, stderr
    return [json.loads(line) for line in lines]  # every line is one JSON object


def test_log_json_makes_the_final_error_line_json(tmp_path: Path, token: str, closed_port: int) -> None:
    env = write_env(tmp_path / "e.env", {
        "QTICKETS_API_BASE_URL": f"http://127.0.0.1:{closed_port}/api/rest/v1", "QTICKETS_API_TOKEN": token,
        "CLICKHOUSE_DATA_DIR": str(tmp_path / "ch"), "QTICKETS_API_MAX_ATTEMPTS": "1", "QTICKETS_API_TIMEOUT": "2",
    })  # fmt: skip
    loader = run_cli([LOADER, "--envfile", str(env), "--log-json"], cwd=tmp_path)
    assert loader.returncode == 1
    docs = json_lines(loader.stderr)
    assert docs[-1]["level"] == "error" and "unreachable" in docs[-1]["message"]
    assert not docs[-1]["message"].startswith("error:")
    usage = run_cli([LOADER, "--envfile", str(env), "--log-json", "--since-hourz", "3"], cwd=tmp_path)
    assert usage.returncode == 2
    (doc,) = json_lines(usage.stderr)
    assert doc["level"] == "error" and "--since-hourz" in doc["message"]
    probe = run_cli([PROBE, "--envfile", str(env), "--log-json", "--out", str(tmp_path / "out"), "--skip-loader"],
                    cwd=tmp_path)  # fmt: skip
    assert probe.returncode == 2
    docs = json_lines(probe.stderr)
    assert docs[-1]["level"] == "error" and "did not answer any request" in docs[-1]["message"]
    assert all(token not in json.dumps(d) for d in docs)
