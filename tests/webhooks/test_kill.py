"""``kill -9`` of the service in the middle of a burst: every delivery it answered 200 is in the staging tables,
and the facts are rebuilt from them when it starts again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import msgspec

from integrations.qtickets_api.domain import decode_order
from qtickets_sim import Simulator, SimulatorConfig
from qtickets_sim.webhooks import WebhookConfig, WebhookFaults
from tests.webhooks.support import SECRET, free_port, write_env

REPO = Path(__file__).resolve().parents[2]
READ = """
import sys, msgspec
from integrations.qtickets_api import connect, load_settings
from pathlib import Path
with connect(load_settings(Path(sys.argv[1]))) as s:
    pairs = s.rows("SELECT order_id, version FROM zakaz.stg_qtickets_api_orders_raw")
    facts = s.rows("SELECT sum(tickets_sold) FROM zakaz.fact_qtickets_sales_daily")
print(msgspec.json.encode({"pairs": [[int(a), int(b)] for a, b in pairs], "tickets": int(facts[0][0] or 0)}).decode())
"""


def serve(envfile: Path, port: int) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QTICKETS", "CLICKHOUSE", "DASHBOARD"))}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.Popen(
        [sys.executable, "-m", "integrations.qtickets_api.serve", "--envfile", str(envfile), "--port", str(port),
         "--no-schedule"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip


def wait_up(base: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert process.poll() is None and time.monotonic() < deadline, "the service did not start"
        time.sleep(0.2)


def stored(envfile: Path) -> tuple[list[tuple[int, int]], int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QTICKETS", "CLICKHOUSE", "DASHBOARD"))}
    env["PYTHONPATH"] = str(REPO)
    out = subprocess.run(
        [sys.executable, "-c", READ, str(envfile)], env=env, capture_output=True, text=True, check=True, timeout=120
    ).stdout
    found = msgspec.json.decode(out.strip().splitlines()[-1])
    return [(a, b) for a, b in found["pairs"]], int(found["tickets"])


def test_kill_9_mid_burst_loses_nothing_that_was_answered_200(tmp_path: Path) -> None:
    token = "tok-kill-0123456789"
    sim = Simulator(SimulatorConfig(seed=21, orders=600, token=token, now=datetime.now(UTC) - timedelta(days=1)))
    with sim.serve() as server:
        envfile = write_env(tmp_path / "secrets" / ".env", {
            "QTICKETS_API_BASE_URL": server.base_url, "QTICKETS_API_TOKEN": token,
            "CLICKHOUSE_DATA_DIR": str(tmp_path / "ch"), "QTICKETS_WEBHOOK_SECRET": SECRET,
        })  # fmt: skip
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        victim = serve(envfile, port)
        try:
            wait_up(base, victim)
            sender = sim.send_webhooks(
                WebhookConfig(
                    url=base + "/webhooks/qtickets",
                    secret=SECRET,
                    time_scale=0.01,
                    workers=16,
                    faults=WebhookFaults(p_duplicate=0.2, p_reorder=0.2),
                ),
            )
            killed_at = None
            for n in range(3000):
                sim.sell_now()
                if n % 20 == 0:
                    time.sleep(0.01)
                if killed_at is None and sender.summary()["answered_200"] >= 300:
                    victim.send_signal(signal.SIGKILL)
                    killed_at = n
                if killed_at is not None and n > killed_at + 200:
                    break
            assert killed_at is not None, "the burst ended before the kill"
            victim.wait(30)
            assert victim.returncode == -signal.SIGKILL
            sim.stop_webhooks()
        finally:
            if victim.poll() is None:
                victim.kill()
    answered = {(r.order_id, decode_order(r.body).version) for r in sender.records if r.ok_at is not None}
    unanswered = [r for r in sender.records if r.ok_at is None]
    assert answered and unanswered, "the kill was not in the middle of the burst"
    pairs, _ = stored(envfile)
    assert answered <= set(pairs), f"{len(answered - set(pairs))} deliveries answered 200 are not stored"
    assert len(pairs) == len(set(pairs)), "a version stored twice"
    # started again, the service rebuilds the facts from what it stored before the kill
    again = serve(envfile, port)
    try:
        wait_up(base, again)
        time.sleep(3)
    finally:
        again.send_signal(signal.SIGTERM)
        again.wait(30)
    _, tickets = stored(envfile)
    assert tickets >= len({order for order, _ in answered}), "the facts were not rebuilt after the restart"
