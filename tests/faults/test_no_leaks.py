"""The token never appears in any output, and buyers' personal data never reaches logs or tables.

Runs the loader's scenarios end to end with a recognisable token (dry run, backfill under faults with
verbose logs, a failing run, the freshness check, the SQL command), then scans everything they left:
stdout/stderr, every string column of every table, and every file under the test's directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from integrations.qtickets_api import load_settings
from qtickets_sim import FaultConfig
from tests.conftest import query, run_cli


def test_token_and_personal_data_appear_nowhere(tmp_path: Path, envfile: Path, sim: Any, token: str) -> None:
    loader = ["integrations.qtickets_api.loader", "--envfile", str(envfile)]
    outputs = []
    sim.set_faults(FaultConfig(p_503=0.1, p_429=0.05, p_truncated_json=0.05, malformed_orders=3))
    for args in (
        [*loader, "--since-hours", "24", "--dry-run", "--verbose"],
        [*loader, "--since", "2021-01-01", "--verbose"],
        [*loader, "--since", "2021-01-01", "--verbose", "--log-json"],
    ):
        r = run_cli(args, cwd=tmp_path)
        outputs.append(r.stdout + r.stderr)
        assert r.returncode == 0, r.stderr
    sim.set_faults(FaultConfig(all_503=True))
    failed = run_cli([*loader, "--since-hours", "1", "--verbose"], cwd=tmp_path, env={})
    outputs.append(failed.stdout + failed.stderr)
    assert failed.returncode == 1
    for args in (
        ["integrations.qtickets_api.freshness", "--envfile", str(envfile)],
        ["integrations.qtickets_api.sql", "--envfile", str(envfile), "-q", "SELECT * FROM zakaz.meta_job_runs"],
    ):
        r = run_cli(args, cwd=tmp_path)
        outputs.append(r.stdout + r.stderr)

    settings = load_settings(envfile)
    columns = query(
        settings,
        "SELECT table, name FROM system.columns WHERE database = 'zakaz' AND type LIKE '%String%'",
    )
    stored = [
        str(value)
        for table, column in columns
        for (value,) in query(settings, f"SELECT toString(`{column}`) FROM zakaz.`{table}`")
    ]
    assert any("failed" in v for v in stored) and len(stored) > 1000

    holders = [p for p in tmp_path.rglob("*") if p.is_file() and token.encode() in p.read_bytes()]
    assert holders == [envfile], f"the token is in files other than the env file: {holders}"
    assert not any(token in text for text in outputs), "token in command output"
    assert not any(token in v for v in stored), "token in a table"

    emails = {
        o["client"]["email"] for o in sim.orders() if isinstance(o.get("client"), dict) and o["client"].get("email")
    }
    phones = {
        o["client"]["details"]["phone"]
        for o in sim.orders()
        if isinstance(o.get("client"), dict) and isinstance(o["client"].get("details"), dict)
        and o["client"]["details"].get("phone")
    }  # fmt: skip
    assert emails and phones
    text = "\n".join(outputs + stored)
    assert not [e for e in emails if e in text], "a buyer's e-mail in logs or tables"
    assert not [p for p in phones if p in text], "a buyer's phone in logs or tables"
    assert "sha256:" in "\n".join(outputs), "the token fingerprint is shown instead"
