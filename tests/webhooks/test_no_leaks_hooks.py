"""Webhook bodies carry buyers' personal data and ticket credentials; none of it, and neither the webhook secret
nor the API token, reaches the service's log (verbose), a table, or a file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec

from qtickets_sim import FaultConfig, Simulator, SimulatorConfig
from qtickets_sim.webhooks import WebhookConfig, WebhookFaults
from tests.webhooks.support import SECRET, free_port, open_a_show, write_env
from tests.webhooks.test_kill import wait_up

REPO = Path(__file__).resolve().parents[2]
DUMP = """
import sys, msgspec
from pathlib import Path
from integrations.qtickets_api import connect, load_settings
with connect(load_settings(Path(sys.argv[1]))) as s:
    columns = s.rows("SELECT table, name FROM system.columns WHERE database = 'zakaz' AND type LIKE '%String%'")
    values = [str(v) for t, c in columns for (v,) in s.rows(f"SELECT toString(`{c}`) FROM zakaz.`{t}`")]
print(msgspec.json.encode(values).decode())
"""


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QTICKETS", "CLICKHOUSE", "DASHBOARD"))}
    env["PYTHONPATH"] = str(REPO)
    return env


def test_secret_token_and_personal_data_appear_nowhere(tmp_path: Path) -> None:
    token = "tok-LEAKCHECK-hooks-0123456789"
    sim = Simulator(
        SimulatorConfig(seed=23, orders=800, token=token, now=datetime.now(UTC) - timedelta(days=1),
                        activity_per_hour=600.0, scans_per_hour=300.0),
        faults=FaultConfig(malformed_orders=0),
    )  # fmt: skip
    open_a_show(sim)
    with sim.serve() as server:
        envfile = write_env(tmp_path / "secrets" / ".env", {
            "QTICKETS_API_BASE_URL": server.base_url, "QTICKETS_API_TOKEN": token,
            "CLICKHOUSE_DATA_DIR": str(tmp_path / "ch"), "QTICKETS_WEBHOOK_SECRET": SECRET,
        })  # fmt: skip
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = tmp_path / "serve.log"
        process = subprocess.Popen(
            [sys.executable, "-m", "integrations.qtickets_api.serve", "--envfile", str(envfile), "--port", str(port),
             "--no-schedule", "--verbose"],
            env=child_env(), stdout=log.open("wb"), stderr=subprocess.STDOUT, cwd=tmp_path,
        )  # fmt: skip
        try:
            wait_up(base, process)
            sender = sim.send_webhooks(WebhookConfig(
                url=base + "/webhooks/qtickets", secret=SECRET, time_scale=0.01,
                faults=WebhookFaults(p_duplicate=0.2, attacks_per_delivery=0.5),
            ))  # fmt: skip
            sim.set_faults(FaultConfig(malformed_orders=3))  # a change of one of them is sent damaged: a reject
            for _ in range(8):
                sim.advance(timedelta(minutes=15))
            assert sender.flush(60)
            time.sleep(2)
            sim.stop_webhooks()
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(60)
    out = log.read_text(encoding="utf-8", errors="replace")
    assert "Webhook" in out and "sha256:" in out, out[-2000:]
    stored = msgspec.json.decode(
        subprocess.run(
            [sys.executable, "-c", DUMP, str(envfile)], env=child_env(), capture_output=True, check=True, timeout=120
        ).stdout.splitlines()[-1]
    )
    assert len(stored) > 1000
    bodies = [msgspec.json.decode(r.body) for r in sender.records]
    emails = {b["client"]["email"] for b in bodies if isinstance(b.get("client"), dict) and b["client"].get("email")}
    barcodes = {k["barcode"] for b in bodies for k in b.get("baskets") or [] if k.get("barcode")}
    links = {k["pdf_url"] for b in bodies for k in b.get("baskets") or [] if k.get("pdf_url")}
    assert emails and barcodes and links, "the bodies carry no personal data: the test proves nothing"
    text = "\n".join([out, *stored])
    assert SECRET not in text and token not in text
    assert not [e for e in emails if e in text], "a buyer's e-mail in the log or a table"
    assert not [c for c in barcodes if c in text], "a barcode in the log or a table"
    assert not [u for u in links if u in text], "a ticket link in the log or a table"
    holders = [p for p in tmp_path.rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()]
    assert holders == [envfile], holders
