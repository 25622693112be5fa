"""The receiver's settings, and what it writes to the log when it is flooded."""

from __future__ import annotations

import logging

import pytest

from integrations.qtickets_api import ConfigError
from integrations.qtickets_api.service import service_options
from integrations.qtickets_api.webhooks import Receiver

SECRET = "whsec-options-0123456789abcdef"


def test_the_secret_turns_the_receiver_on_and_never_shows() -> None:
    off = service_options({}, host="127.0.0.1", port=8080, schedule=True)
    assert not off.webhooks.enabled and off.webhooks.path == "/webhooks/qtickets"
    env = {"QTICKETS_WEBHOOK_SECRET": f"  {SECRET}  ", "QTICKETS_WEBHOOK_PATH": "/hooks/qt",
           "QTICKETS_WEBHOOK_MAX_BYTES": "2048", "QTICKETS_WEBHOOK_DEBOUNCE_MS": "0"}  # fmt: skip
    on = service_options(env, host="127.0.0.1", port=8080, schedule=False, api=False)
    hooks = on.webhooks
    assert hooks.enabled and hooks.secret == SECRET and hooks.path == "/hooks/qt"
    assert (hooks.max_bytes, hooks.debounce_s, hooks.inventory) == (2048, 0.0, False)
    assert SECRET not in repr(on) and hooks.secret_fingerprint.startswith("sha256:")
    assert SECRET not in hooks.secret_fingerprint


@pytest.mark.parametrize(
    "env",
    [
        {"QTICKETS_WEBHOOK_SECRET": "short"},
        {"QTICKETS_WEBHOOK_SECRET": SECRET, "QTICKETS_WEBHOOK_PATH": "/api/panels"},
        {"QTICKETS_WEBHOOK_SECRET": SECRET, "QTICKETS_WEBHOOK_PATH": "webhooks"},
        {"QTICKETS_WEBHOOK_SECRET": SECRET, "QTICKETS_WEBHOOK_MAX_BYTES": "0"},
        {"QTICKETS_WEBHOOK_SECRET": SECRET, "QTICKETS_WEBHOOK_MAX_BYTES": "1e6"},
    ],
)
def test_bad_settings_are_refused(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError) as caught:
        service_options(env, host="127.0.0.1", port=8080, schedule=True)
    assert SECRET not in caught.value.one_line()


def test_a_flood_of_forged_requests_is_one_log_line_a_minute(caplog: pytest.LogCaptureFixture) -> None:
    receiver = Receiver(secret=SECRET)
    with caplog.at_level(logging.WARNING, logger="integrations.qtickets_api"):
        for n in range(5000):
            receiver._note_refusal(401 if n % 2 else 413)
    assert len(caplog.records) == 1
