"""The simulator started on a port another program holds: one line on stderr, a non-zero exit, no traceback, and
before it spends time generating its data."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def run_simulator(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "qtickets_sim", *args]
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(command, capture_output=True, text=True, env=environment, timeout=120)


def test_a_busy_port_is_one_line_and_a_non_zero_exit(busy_port: int) -> None:
    # a history this large takes minutes to generate: the answer must come before it
    result = run_simulator("--port", str(busy_port), "--orders", "2000000")
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: cannot listen on 127.0.0.1:{busy_port}: the port is already in use")
    assert "--port 0" in lines[0]


def test_an_address_not_on_this_machine_is_one_line() -> None:
    result = run_simulator("--host", "192.0.2.1", "--port", "8765", "--orders", "10")  # TEST-NET-1, never local
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: cannot listen on 192.0.2.1:8765:") and "--host" in line
