"""The simulator's webhooks: the documented request, every kind of change, n³ retries of a refusing or slow
receiver, and the faults (duplicates, reordering, drops, forgeries)."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from integrations.qtickets_api.webhooks import sign
from qtickets_sim import Simulator, SimulatorConfig
from qtickets_sim.webhooks import WebhookConfig, WebhookFaults
from tests.webhooks.support import open_a_show

SECRET = "whsec-sender-test-0123456789"
REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


class Receiver:
    """A plain HTTP server that records what it receives; ``answer(n)`` gives the status of request n."""

    def __init__(self, answer: Callable[[int], int] = lambda n: 200, delay_s: float = 0.0) -> None:
        self.requests: list[tuple[float, dict[str, str], bytes]] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with outer.lock:
                    outer.requests.append((time.monotonic(), {k.lower(): v for k, v in self.headers.items()}, body))
                    n = len(outer.requests)
                if delay_s:
                    time.sleep(delay_s)
                status = answer(n)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def simulator(**config: Any) -> Simulator:
    return Simulator(SimulatorConfig(seed=5, orders=800, now=NOW, **config))


def test_every_change_is_sent_as_qtickets_documents_it(receiver: Receiver) -> None:
    sim = simulator(activity_per_hour=400.0, scans_per_hour=300.0)
    open_a_show(sim)
    sender = sim.send_webhooks(WebhookConfig(url=receiver.url, secret=SECRET))
    try:
        summary = sim.advance(timedelta(hours=3))
        assert sender.flush(30)
    finally:
        sim.stop_webhooks()
    assert summary["new_orders"] and summary["payments"] and summary["refunds"] and summary["scans"]
    kinds: dict[str, int] = {}
    for _, headers, body in receiver.requests:
        assert headers["x-signature"] == sign(SECRET, body)
        assert headers["x-model-name"] == "Order" and headers["user-agent"] == "Qtickets-Webhooks/2.0"
        assert headers["content-type"] == "application/json"
        kind = headers["x-event-type"]
        kinds[kind] = kinds.get(kind, 0) + 1
        order = msgspec.json.decode(body)
        assert "data" not in order and isinstance(order["id"], int) and order["baskets"]
        assert "client" in order  # the real shape: personal data is in the body, the receiver must drop it
        if kind == "refunded":
            assert order["refunded_baskets"] and all(b["refunded_at"] for b in order["refunded_baskets"])
        if kind == "checked":
            assert order["checked_basket"]["checked_at"]
    assert set(kinds) == {"created", "payed", "deleted", "refunded", "checked", "updated"}, kinds
    assert kinds["created"] == summary["new_orders"]
    assert kinds["refunded"] == summary["refunds"] and kinds["checked"] == summary["scans"]
    # the body of an order's last change is the order as the API serves it now
    last: dict[int, bytes] = {}
    for record in sender.records:
        last[record.order_id] = record.body
    for order_id, body in list(last.items())[:50]:
        sent = msgspec.json.decode(body)
        sent.pop("refunded_baskets", None)
        sent.pop("checked_basket", None)
        assert sent == sim.order(order_id)


def test_a_refusing_receiver_gets_ten_attempts_n_cubed_apart() -> None:
    refusing = Receiver(answer=lambda n: 503)
    scale = 0.002
    sim = simulator(activity_per_hour=0.0)
    sender = sim.send_webhooks(WebhookConfig(url=refusing.url, secret=SECRET, time_scale=scale))
    try:
        sim.sell_now()
        assert sender.flush(30)
    finally:
        sim.stop_webhooks()
        refusing.close()
    created = [t for t, h, _ in refusing.requests if h["x-event-type"] == "created"]
    assert len(created) == 10
    gaps = [b - a for a, b in itertools.pairwise(created)]
    for n, gap in enumerate(gaps, start=1):
        assert gap >= n**3 * scale * 0.95, (n, gap)
    assert sender.summary()["given_up"] == 2  # created and payed


def test_a_slow_or_recovering_receiver_is_retried_until_200() -> None:
    flaky = Receiver(answer=lambda n: 200 if n > 3 else 500)
    sim = simulator(activity_per_hour=0.0)
    sender = sim.send_webhooks(WebhookConfig(url=flaky.url, secret=SECRET, time_scale=0.001))
    try:
        sim.sell_now()
        assert sender.flush(30)
        assert sender.summary()["answered_200"] == 2 and sender.summary()["given_up"] == 0
    finally:
        sim.stop_webhooks()
        flaky.close()
    slow = Receiver(delay_s=0.6)
    sim = simulator(activity_per_hour=0.0)
    sender = sim.send_webhooks(WebhookConfig(url=slow.url, secret=SECRET, time_scale=0.001, timeout_s=0.2))
    try:
        sim.sell_now()
        assert sender.flush(30)
        record = sender.records[0]
        assert record.statuses[0] == 0 and len(record.statuses) == 10  # each attempt timed out
    finally:
        sim.stop_webhooks()
        slow.close()
    refused = simulator(activity_per_hour=0.0)  # nothing listens there at all
    sender = refused.send_webhooks(WebhookConfig(url="http://127.0.0.1:9/hook", secret=SECRET, time_scale=0.0005))
    try:
        refused.sell_now()
        assert sender.flush(30)
        assert all(r.given_up and set(r.statuses) == {0} for r in sender.records)
    finally:
        refused.stop_webhooks()


def test_faults_duplicate_reorder_drop_and_forge(receiver: Receiver) -> None:
    sim = simulator(activity_per_hour=0.0)
    faults = WebhookFaults(p_duplicate=0.3, p_reorder=0.3, reorder_delay_s=0.2, p_drop=0.2, attacks_per_delivery=0.5)
    sender = sim.send_webhooks(WebhookConfig(url=receiver.url, secret=SECRET, faults=faults, seed=1))
    try:
        for _ in range(100):
            sim.sell_now()
        assert sender.flush(30)
    finally:
        sim.stop_webhooks()
    summary = sender.summary()
    assert summary["deliveries"] == 200
    assert 20 < summary["dropped"] < 70 and 30 < summary["duplicated"] < 100
    assert summary["answered_200"] == summary["deliveries"] - summary["dropped"]
    forged = [(h, b) for _, h, b in receiver.requests if h.get("x-signature") != sign(SECRET, b)]
    assert len(forged) == sum(summary["attacks"].values()) > 20
    assert any("x-signature" not in h for h, _ in forged)
    genuine = [msgspec.json.decode(b)["id"] for _, h, b in receiver.requests if h.get("x-signature") == sign(SECRET, b)]
    assert genuine != sorted(genuine), "nothing was reordered"
    assert len(genuine) > len(set(genuine)) * 2 - summary["dropped"] - 10  # duplicates arrived


def test_the_simulator_process_sends_its_activity_with_the_secret_from_the_environment(receiver: Receiver) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QTICKETS")}
    env.update(PYTHONPATH=str(REPO), QTICKETS_WEBHOOK_SECRET=SECRET)
    process = subprocess.Popen(
        [sys.executable, "-m", "qtickets_sim", "--port", "0", "--orders", "300",
         "--clock", "wall", "--speed", "600", "--activity-per-hour", "600", "--webhook-url", receiver.url,
         "--webhook-p-duplicate", "0.5"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        base = process.stdout.readline().strip()
        admin = base.split("/api/")[0] + "/_sim/webhooks"
        deadline = time.monotonic() + 60
        while len(receiver.requests) < 10:
            assert time.monotonic() < deadline and process.poll() is None, "no webhook arrived"
            time.sleep(0.2)
        summary = httpx.get(admin).json()
        assert summary["sending"] is True and summary["answered_200"] >= 5 and summary["duplicated"] >= 1
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert SECRET not in err
    assert all(h["x-signature"] == sign(SECRET, b) for _, h, b in receiver.requests)
