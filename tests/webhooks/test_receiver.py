"""The receiver in the service: what each request is answered, and that only a signed order changes anything."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from integrations.qtickets_api.domain import decode_order
from integrations.qtickets_api.webhooks import Receiver, sign
from tests.support import fact_truth
from tests.webhooks.support import (
    SECRET,
    Running,
    World,
    facts_differences,
    free_port,
    post,
    running_service,
    staged_versions,
    staging_counts,
    world,
    write_env,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def hooked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, Running]]:
    with world(tmp_path_factory.mktemp("hooks")) as w, running_service(w) as run:
        yield w, run


def paid_order(w: World) -> dict[str, Any]:
    order = w.sim.sell_now()
    assert order["payed"] is True
    return dict(order)


def test_forged_unsigned_oversized_and_malformed_requests_change_nothing(hooked: tuple[World, Running]) -> None:
    w, run = hooked
    body = msgspec.json.encode(paid_order(w))
    before = staging_counts(run)
    store = run.service.webhook_store
    assert store is not None
    handed_over = store.stats.deliveries
    wrong = sign("not-the-secret-at-all", body)
    answers = {
        "unsigned": post(run.hook_url, body, signature=None).status_code,
        "empty signature": post(run.hook_url, body, signature="").status_code,
        "wrong secret": post(run.hook_url, body, signature=wrong).status_code,
        "signature of another body": post(run.hook_url, body + b" ", signature=sign(SECRET, body)).status_code,
        "tampered": post(
            run.hook_url, body.replace(b'"payed":true', b'"payed":false'), signature=sign(SECRET, body)
        ).status_code,
        "oversized": post(run.hook_url, b"{" + b" " * (1024 * 1024) + b"}", signature=None).status_code,
        "oversized, signed": post(
            run.hook_url, b" " * (1024 * 1024 + 1), signature=sign(SECRET, b" " * (1024 * 1024 + 1))
        ).status_code,
    }
    signed = {
        "not JSON": b"id=1&payed=1",
        "a JSON array": b"[1, 2]",
        "no id": b'{"payed": true}',
        "wrapped in data": msgspec.json.encode({"data": msgspec.json.decode(body)}),
    }
    for name, text in signed.items():
        answers[name] = post(run.hook_url, text, signature=sign(SECRET, text)).status_code
    answers["another model"] = httpx.post(
        run.hook_url, content=body, headers={"X-Signature": sign(SECRET, body), "X-Model-Name": "Client"}
    ).status_code
    answers["GET"] = httpx.get(run.hook_url).status_code
    assert answers == {
        "unsigned": 401, "empty signature": 401, "wrong secret": 401, "signature of another body": 401,
        "tampered": 401, "oversized": 413, "oversized, signed": 413, "not JSON": 400, "a JSON array": 400,
        "no id": 400, "wrapped in data": 400, "another model": 400, "GET": 405,
    }  # fmt: skip
    # every answer above came before the store was asked (it counts what it is handed): no wait needed
    assert store.stats.deliveries == handed_over
    assert staging_counts(run) == before
    assert post(run.hook_url, body, signature=sign(SECRET, body)).status_code == 200  # the real one


def test_a_signed_order_is_stored_once_and_shows_in_the_facts(hooked: tuple[World, Running]) -> None:
    w, run = hooked
    order = paid_order(w)
    body = msgspec.json.encode(order)
    version = decode_order(body).version
    refresher = run.service.refresher
    assert refresher is not None
    refreshes = refresher.stats.refreshes
    answer = post(run.hook_url, body, signature=sign(SECRET, body))
    assert answer.status_code == 200, answer.text
    assert staged_versions(run).get(order["id"]) == version  # stored before the answer
    before = staging_counts(run)
    for _ in range(3):  # duplicates and replays
        assert post(run.hook_url, body, signature=sign(SECRET, body)).status_code == 200
    assert staging_counts(run) == before
    run.settle()
    assert refresher.stats.refreshes > refreshes  # the webhook's own rebuild, not a scheduled run (none here)
    assert facts_differences(run, w) == []


def test_an_older_state_after_a_newer_one_never_wins(hooked: tuple[World, Running]) -> None:
    w, run = hooked
    event_id, show_id = w.sim.shows_on_sale()[0]
    reserved = w.sim.create_order({"event_id": event_id, "baskets": [{"show_id": show_id}]})
    before = {o["id"]: o["updated_at"] for o in fact_truth.well_formed(w.sim)}
    w.sim.advance(timedelta(minutes=31))  # the reservation expires: the order is cancelled
    # the history's own changes in these 31 minutes (how many depends on the hour of day): sent as webhooks too,
    # so that the facts can be compared with the whole truth
    for order in fact_truth.well_formed(w.sim):
        if order["id"] != reserved["id"] and before.get(order["id"]) != order["updated_at"]:
            body = msgspec.json.encode(order)
            assert post(run.hook_url, body, signature=sign(SECRET, body)).status_code == 200
    expired = w.sim.order(reserved["id"])
    assert expired is not None and expired["deleted_at"] is not None
    older, newer = msgspec.json.encode(reserved), msgspec.json.encode(expired)
    assert decode_order(older).version < decode_order(newer).version
    for body in (newer, older, newer, older):  # out of order, then replayed
        assert post(run.hook_url, body, signature=sign(SECRET, body)).status_code == 200
    latest = run.rows(
        "SELECT argMax(deleted_at, version) FROM zakaz.stg_qtickets_api_orders_raw WHERE order_id = {o:UInt64}",
        {"o": reserved["id"]},
    )
    assert latest[0][0] is not None, "the older state won"
    run.settle()
    assert facts_differences(run, w) == []


def test_a_signed_order_that_fails_validation_is_a_reject_and_answered_200(hooked: tuple[World, Running]) -> None:
    w, run = hooked
    order = paid_order(w)
    del order["event_id"]
    body = msgspec.json.encode(order)
    raw_before, baskets_before, rejects_before = staging_counts(run)
    answer = post(run.hook_url, body, signature=sign(SECRET, body))
    assert answer.status_code == 200 and answer.text.strip() == "rejected"
    assert staging_counts(run) == (raw_before, baskets_before, rejects_before + 1)
    reason, payload = run.rows(
        "SELECT reason, payload FROM zakaz.stg_qtickets_api_rejects WHERE entity_id = {i:String}",
        {"i": str(order["id"])},
    )[0]
    assert "event_id" in reason
    assert order["client"]["email"] not in payload and "barcode" not in payload
    # the same reject again: stored once
    assert post(run.hook_url, body, signature=sign(SECRET, body)).status_code == 200
    assert staging_counts(run)[2] == rejects_before + 1


def test_without_a_secret_the_route_answers_404_and_the_service_warns_once(tmp_path: Path) -> None:
    envfile = write_env(tmp_path / "secrets" / ".env", {"CLICKHOUSE_DATA_DIR": str(tmp_path / "ch")})
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QTICKETS", "CLICKHOUSE", "DASHBOARD"))}
    env["PYTHONPATH"] = str(REPO)
    process = subprocess.Popen(
        [sys.executable, "-m", "integrations.qtickets_api.serve", "--envfile", str(envfile), "--port", str(port),
         "--no-schedule"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/webhooks/qtickets"
        deadline = time.monotonic() + 90
        while True:
            try:
                answer = post(url, b'{"id": 1}', signature=sign(SECRET, b'{"id": 1}'))
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and process.poll() is None, "the service did not start"
                time.sleep(0.2)
        assert answer.status_code == 404
        assert post(url, b"{}", signature=None).status_code == 404
    finally:
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=30)
    assert out.count("QTICKETS_WEBHOOK_SECRET is not set") == 1, out


def test_refused_requests_are_summed_up_at_most_once_a_minute(caplog: pytest.LogCaptureFixture) -> None:
    now = [1000.0]
    receiver = Receiver(secret=SECRET, clock=lambda: now[0])

    def refuse(times: int) -> None:
        for _ in range(times):
            asyncio.run(ask(receiver, b'{"id": 1}', signature="0" * 40))

    with caplog.at_level(logging.WARNING, logger="integrations.qtickets_api"):
        refuse(3)  # the first is summed up at once, the next two wait for the minute
        now[0] += 59.9
        refuse(1)
        summaries = [r.getMessage() for r in caplog.records if "refused since the last summary" in r.getMessage()]
        assert summaries == ["Webhook requests refused since the last summary: 1 × 401"]
        now[0] += 0.1
        refuse(1)
    summaries = [r.getMessage() for r in caplog.records if "refused since the last summary" in r.getMessage()]
    assert summaries[1:] == ["Webhook requests refused since the last summary: 4 × 401"]
    assert receiver.stats.answers == {401: 5}


async def ask(app: Any, body: bytes, *, signature: str) -> int:
    """One POST straight to an ASGI app; its status."""
    sent: list[dict[str, Any]] = []
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if delivered:
            return {"type": "http.disconnect"}
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/webhooks/qtickets",
             "headers": [(b"x-signature", signature.encode()), (b"content-length", str(len(body)).encode())]}  # fmt: skip
    await app(scope, receive, send)
    return int(sent[0]["status"])
