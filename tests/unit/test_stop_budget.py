"""The service's stop budget agrees with its systemd unit: the code is done within 10 s, and the unit waits
longer than that before it sends SIGKILL."""

from __future__ import annotations

from pathlib import Path

from integrations.qtickets_api.serve import GRACEFUL_S
from integrations.qtickets_api.service import runtime

UNIT = Path(__file__).resolve().parents[2] / "deploy" / "systemd" / "zakaz-dashboard.service"


def unit_settings() -> dict[str, str]:
    out = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", " ")):
            key, value = line.split("=", 1)
            out[key.strip()] = value.strip()
    return out


def test_the_code_stops_within_10_s() -> None:
    assert runtime.STORE_CLOSE_S + runtime.RECORD_S < runtime.STOP_BUDGET_S  # the run gets some grace
    assert max(runtime.STORE_CLOSE_S, runtime.REFRESH_CLOSE_S) <= runtime.STOP_BUDGET_S
    assert GRACEFUL_S + runtime.STOP_BUDGET_S <= 9.0  # a second of room for the record and the exit


def test_the_unit_sends_sigterm_and_waits_longer_than_the_code_takes() -> None:
    unit = unit_settings()
    assert unit["KillSignal"] == "SIGTERM"
    assert int(unit["TimeoutStopSec"]) >= 10 + 3
    assert "integrations.qtickets_api.serve" in UNIT.read_text(encoding="utf-8")
