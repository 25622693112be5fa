"""The in-process gate: one writer of the facts at a time, and a loader run that asks goes before the next refresh."""

from __future__ import annotations

import threading
import time

from integrations.qtickets_api.storage.run_gate import RunGate


def _wait_until(predicate: object, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_a_waiting_loader_goes_before_a_waiting_refresh_and_no_two_hold_it() -> None:
    gate = RunGate()
    order: list[str] = []
    holding = [0]
    most = [0]

    def hold(kind: str) -> None:
        with gate.loader() if kind == "loader" else gate.refresh():
            holding[0] += 1
            most[0] = max(most[0], holding[0])
            order.append(kind)
            time.sleep(0.01)
            holding[0] -= 1

    with gate.refresh():  # a refresh holds the gate; a refresh, then a loader, start waiting
        refresh = threading.Thread(target=hold, args=("refresh",))
        refresh.start()
        _wait_until(lambda: refresh.is_alive())
        time.sleep(0.05)  # the refresh is waiting on the gate
        loader = threading.Thread(target=hold, args=("loader",))
        loader.start()
        _wait_until(lambda: gate._loaders_waiting == 1)
    refresh.join(5)
    loader.join(5)
    assert order == ["loader", "refresh"]
    assert most[0] == 1


def test_the_gate_is_free_again_after_an_error_inside() -> None:
    gate = RunGate()
    try:
        with gate.loader():
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    done = threading.Event()

    def refresh() -> None:
        with gate.refresh():
            done.set()

    threading.Thread(target=refresh).start()
    assert done.wait(5)
