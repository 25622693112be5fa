"""The probe against the simulator: one run per set-up (module scope), the command invoked in-process as a
person would type it. The simulator's clock is the wall clock at start, so the probe's "last 30 days"
always holds sales, whatever day the tests run."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import secrets
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from qtickets_sim import FaultConfig, Simulator, SimulatorConfig

PROBE = "integrations.qtickets_api.probe"


def probe_token() -> str:
    # recognisable, so that leak scans can find it (or its first characters) anywhere
    return "tok-PROBE-" + secrets.token_hex(12)


def write_env(path: Path, values: dict[str, str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()), encoding="utf-8")
    path.chmod(0o600)
    return path


def make_sim(token: str, faults: FaultConfig | None = None) -> Simulator:
    now = datetime.now(UTC).replace(microsecond=0)
    return Simulator(SimulatorConfig(seed=1, orders=1500, token=token, now=now, clock="manual"), faults=faults)


def invoke(args: list[str]) -> tuple[int, str, str]:
    """``python -m integrations.qtickets_api.probe ARGS`` in this process: (exit code, stdout, stderr)."""
    from integrations.qtickets_api.probe.__main__ import main

    logger = logging.getLogger("integrations")
    saved = (list(logger.handlers), logger.level, logger.propagate)
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        with (
            mock.patch.object(sys, "argv", [PROBE, *args]),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        logger.handlers[:] = saved[0]
        logger.setLevel(saved[1])
        logger.propagate = saved[2]
    return code, out.getvalue(), err.getvalue()


@dataclass
class Run:
    """One probe run against one simulator set-up, and everything needed to check it."""

    sim: Simulator
    token: str
    env: Path
    out: Path
    base_url: str
    code: int
    stdout: str
    stderr: str
    seconds: float
    orders_before: int
    orders_after: int
    records: dict[str, dict[str, Any]] = field(default_factory=dict)

    def text(self, name: str) -> str:
        return (self.out / name).read_text(encoding="utf-8")

    @property
    def report(self) -> str:
        return self.text("final_report.md")

    @property
    def diagnosis(self) -> str:
        return self.report.split("## Диагноз", 1)[1]


@contextlib.contextmanager
def probe_against(
    tmp: Path,
    faults: FaultConfig | None,
    extra: list[str],
    *,
    prepare: Any = None,
    token: str | None = None,
    org_name: str = "test-org",
) -> Iterator[Run]:
    """One probe run; the simulator keeps serving while the caller holds the run (to try what the report says)."""
    sim_token = probe_token()
    sim = make_sim(sim_token, faults)
    out = tmp / "logs" / "qtickets_orders_debug"
    if prepare is not None:
        prepare(out)
    with sim.serve(host="127.0.0.1", port=0) as server:
        used_token = token or sim_token
        env = write_env(
            tmp / "secrets" / ".env.qtickets_api",
            {
                "QTICKETS_API_BASE_URL": server.base_url,
                "QTICKETS_API_TOKEN": used_token,
                "CLICKHOUSE_DATA_DIR": str(tmp / "clickhouse"),
                "TZ": "Europe/Moscow",
                "ORG_NAME": org_name,
                "QTICKETS_API_MAX_ATTEMPTS": "2",
            },
        )
        before = len(sim.orders())
        started = time.perf_counter()
        code, stdout, stderr = invoke(["--envfile", str(env), "--out", str(out), "--retry-503-after", "0", *extra])
        seconds = time.perf_counter() - started
        after = len(sim.orders())
        run = Run(sim, used_token, env, out, server.base_url, code, stdout, stderr, seconds, before, after)
        records_file = out / "probe_records.json"
        if records_file.exists():
            run.records = {r["step"]: r for r in json.loads(records_file.read_text(encoding="utf-8"))}
        yield run


@pytest.fixture(scope="module")
def real_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    with probe_against(tmp_path_factory.mktemp("real"), FaultConfig(), []) as run:
        yield run


@pytest.fixture(scope="module")
def create_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    with probe_against(
        tmp_path_factory.mktemp("create"), FaultConfig(), ["--allow-create-order", "--skip-loader"]
    ) as run:
        yield run


@pytest.fixture(scope="module")
def strip_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    with probe_against(tmp_path_factory.mktemp("strip"), FaultConfig(strip_get_bodies=True), []) as run:
        yield run


def _stale_output(out: Path) -> None:
    # a previous probe's folder: the probe must empty it
    out.mkdir(parents=True)
    (out / "stepOLD_stale.json").write_text("{}", encoding="utf-8")
    (out / "support_ticket.md").write_text("old", encoding="utf-8")


@pytest.fixture(scope="module")
def failing_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    with probe_against(tmp_path_factory.mktemp("all503"), FaultConfig(all_503=True), [], prepare=_stale_output) as run:
        yield run


# an organisation name that a URL must encode (Cyrillic, spaces, quotes, an ampersand)
ORG_TO_ENCODE = "Концерты «Сибирь» & Co"


@pytest.fixture(scope="module")
def refused_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """A token QTickets refuses: every call answers 403."""
    with probe_against(
        tmp_path_factory.mktemp("refused"), FaultConfig(), [], token="tok-REFUSED-" + secrets.token_hex(12),
        org_name=ORG_TO_ENCODE,
    ) as run:  # fmt: skip
        yield run
