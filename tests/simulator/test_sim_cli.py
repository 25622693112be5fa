"""The standalone process: prints its base URL, serves, and exits cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def test_cli_serves_until_sigterm() -> None:
    command = [
        sys.executable, "-m", "qtickets_sim", "--port", "0", "--seed", "3", "--orders", "120",
        "--token", "cli-token", "--clock", "manual", "--now", "2026-11-20T15:00:00+03:00", "--latency-ms", "1",
        "--malformed-orders", "2", "--p-503", "0",
    ]  # fmt: skip
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment)
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/api/rest/v1")
        reply = httpx.get(f"{base_url}/orders", headers={"Authorization": "Bearer cli-token"})
        assert reply.status_code == 200 and reply.json()["paging"]["total"] == 120
        admin = base_url.removesuffix("/api/rest/v1") + "/_sim"
        assert httpx.get(f"{admin}/now").json()["now"].startswith("2026-11-20T15:00:00")
        assert httpx.get(f"{admin}/faults").json()["malformed_orders"] == 2
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
