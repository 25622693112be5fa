"""The embedded engine is an extra: a server install (the Docker image) has no chdb, imports every command without
it, and a run that would need it ends in one line that says what to do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WITHOUT_CHDB = "import sys; sys.modules['chdb'] = None\n"  # `import chdb` now raises ImportError, as if not installed


def _python(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for key in [k for k in env if k.startswith(("CLICKHOUSE_", "QTICKETS_"))]:
        del env[key]
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_CHDB + code],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120, check=False,
    )  # fmt: skip


def test_every_command_imports_without_the_embedded_engine(tmp_path: Path) -> None:
    modules = ["loader", "sql", "plan", "freshness", "serve", "probe.__main__", "service", "dashboard.app"]
    code = "".join(f"import integrations.qtickets_api.{m}\n" for m in modules) + "print('imported')\n"
    done = _python(code, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "imported"


def test_a_run_without_a_server_or_the_engine_is_one_clear_line(tmp_path: Path) -> None:
    envfile = tmp_path / ".env.qtickets_api"
    envfile.write_text(
        "QTICKETS_API_BASE_URL=http://127.0.0.1:9/api/rest/v1\nQTICKETS_API_TOKEN=t0k-never-printed\n"
        f"CLICKHOUSE_DATA_DIR={tmp_path / 'ch'}\n",
        encoding="utf-8",
    )
    envfile.chmod(0o600)
    code = (
        "from integrations.qtickets_api.loader import main\n"
        f"sys.argv = ['loader', '--envfile', {str(envfile)!r}]\n"
        "main()\n"
    )
    done = _python(code, tmp_path)
    assert done.returncode != 0
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and done.stderr.rstrip().endswith(errors[0]), done.stderr  # the run's last word
    lines = errors
    assert "embedded ClickHouse engine is not installed" in lines[0]
    assert "CLICKHOUSE_HOST" in lines[0] and "[embedded]" in lines[0]
    assert "t0k-never-printed" not in done.stderr + done.stdout
