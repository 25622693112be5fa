"""Against a ClickHouse server: the dashboard's readers go over HTTP as the read-only user, with ``readonly = 2`` on
every query, and ``serve --no-schedule`` works unchanged (the server here is the test-only HTTP front on the
embedded engine: no ClickHouse server can be installed where the tests run)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from integrations.qtickets_api import StorageQueryError, Target
from integrations.qtickets_api.bi import panels
from integrations.qtickets_api.service import ReaderCredentials, ReaderPool
from tests.dashboard.world import World, write_env
from tests.support.ch_http_front import ChHttpFront

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_dashboard_reads_a_server_as_bi_reader_and_cannot_write(world: World, tmp_path: Path) -> None:
    with ChHttpFront(world.settings.clickhouse_data_dir, user="bi_reader", password="reader-pw") as front:
        target = Target(db="zakaz", host=front.url, user="etl_writer", password="not-this-one")
        pool = ReaderPool(target, size=1, credentials=ReaderCredentials("bi_reader", "reader-pw"))
        try:
            _, _, rows = panels.run("kpi", pool, {}, today=world.now.date())
            assert rows[0]["tickets"] > 0
            with pytest.raises(StorageQueryError) as caught:
                pool.rows("INSERT INTO zakaz.meta_job_runs (run_id) VALUES ('x')")
            assert caught.value.code == "READONLY"
        finally:
            pool.close()

        values = {line.split("=", 1)[0]: line.split("=", 1)[1] for line in world.envfile.read_text().splitlines()}
        values.update(
            {
                "CLICKHOUSE_HOST": front.url,
                "CLICKHOUSE_USER": "etl_writer",
                "CLICKHOUSE_PASSWORD": "writer-pw",
                "DASHBOARD_CLICKHOUSE_USER": "bi_reader",
                "DASHBOARD_CLICKHOUSE_PASSWORD": "reader-pw",
            }
        )
        envfile = write_env(tmp_path / "server.env", values)
        seen_before = len(front.statements())
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("QTICKETS", "CLICKHOUSE", "DASHBOARD"))}
        env["PYTHONPATH"] = str(REPO)
        process = subprocess.Popen(
            [sys.executable, "-m", "integrations.qtickets_api.serve", "--envfile", str(envfile), "--port", str(port),
             "--no-schedule"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            reply = None
            while time.monotonic() < deadline and process.poll() is None:
                try:
                    reply = httpx.get(f"http://127.0.0.1:{port}/api/panels/cities.json", timeout=5)
                    break
                except httpx.HTTPError:
                    time.sleep(0.2)
            assert reply is not None and reply.status_code == 200, process.stdout.read() if process.stdout else ""
            assert reply.json()["rows"]
        finally:
            process.terminate()
            process.wait(timeout=15)
        writes = [
            s
            for s in front.statements()[seen_before:]
            if s.lstrip().upper().startswith(("INSERT", "CREATE", "ALTER", "DROP"))
        ]
        assert writes == [], "serve --no-schedule against a server must not write"
