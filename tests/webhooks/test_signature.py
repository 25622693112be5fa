"""The signature against an implementation that is not ours: OpenSSL's HMAC over the same bytes."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime

import msgspec
import pytest

from integrations.qtickets_api.webhooks import sign, signature_ok
from qtickets_sim import Simulator, SimulatorConfig
from qtickets_sim.webhooks import WebhookConfig, WebhookSender

SECRET = "whsec-Фыва-0123456789abcdef"


def openssl_hmac_sha1(secret: str, body: bytes) -> str:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    out = subprocess.run(
        [openssl, "dgst", "-sha1", "-hmac", secret], input=body, capture_output=True, check=True, timeout=30
    ).stdout.decode()
    return out.strip().rsplit(" ", 1)[-1]  # "HMAC-SHA1(stdin)= <hex>"


def bodies() -> list[bytes]:
    sim = Simulator(SimulatorConfig(seed=3, orders=50, now=datetime(2026, 11, 20, 12, 0, tzinfo=UTC)))
    order = sim.orders()[-1]
    return [
        msgspec.json.encode(order),  # a real-shaped order: Cyrillic names, nested baskets
        msgspec.json.format(
            msgspec.json.encode(order), indent=2
        ),  # the same order spelled otherwise: another signature
        b"",
        bytes(range(256)),
        b'{"id": 1}\n',
    ]


@pytest.mark.parametrize("body", bodies(), ids=["order", "order-indented", "empty", "binary", "newline"])
def test_our_signature_is_openssls(body: bytes) -> None:
    expected = openssl_hmac_sha1(SECRET, body)
    assert sign(SECRET, body) == expected
    assert expected == expected.lower() and len(expected) == 40
    assert signature_ok(SECRET, body, expected)
    assert signature_ok(SECRET, body, f" {expected.upper()} ")  # hex is hex; surrounding space is no signature
    assert not signature_ok(SECRET, body, None)
    assert not signature_ok(SECRET, body, "")
    assert not signature_ok(SECRET, body, expected[:-1])
    assert not signature_ok(SECRET, body + b" ", expected)
    assert not signature_ok("", body, sign("", body))  # no secret configured: nothing verifies
    assert not signature_ok(SECRET + "x", body, expected)


def test_the_simulators_sender_signs_as_openssl_does() -> None:
    sender = WebhookSender(WebhookConfig(url="http://127.0.0.1:9/", secret=SECRET))
    try:
        for body in bodies():
            assert sender._sign(body) == openssl_hmac_sha1(SECRET, body)
    finally:
        sender.close()
