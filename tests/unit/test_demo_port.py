"""`make demo`'s dashboard port: DEMO_PORT when given and free, 8080 or a free one otherwise, one line when busy."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tools import demo


@contextmanager
def held_port() -> Iterator[int]:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield int(holder.getsockname()[1])


def test_a_busy_demo_port_is_one_line_naming_it_and_what_to_do() -> None:
    with held_port() as busy:
        port, note = demo.demo_port(str(busy))
    assert port is None
    assert f"port {busy} (DEMO_PORT) is in use" in note and "DEMO_PORT=" in note


def test_a_bad_demo_port_is_refused() -> None:
    for bad in ("http", "0", "70000", "-1"):
        port, note = demo.demo_port(bad)
        assert port is None and "not a port number" in note, bad


def test_a_free_demo_port_is_taken_as_given() -> None:
    with held_port() as busy:
        pass  # released: free again
    assert demo.demo_port(str(busy)) == (busy, "")


def test_without_demo_port_a_taken_default_moves_to_a_free_port(monkeypatch: pytest.MonkeyPatch) -> None:
    with held_port() as busy:
        monkeypatch.setattr(demo, "DEFAULT_PORT", busy)
        port, note = demo.demo_port(None)
    assert port is not None and port != busy
    assert f"port {busy} is in use, so the dashboard takes {port}" in note
