"""The command line around the probe: --plan sends and writes nothing, errors are one line with exit 2,
the output folder is never a place the probe may wreck, and the leak scan is a real last line of defence."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from integrations.qtickets_api.domain import fingerprint
from integrations.qtickets_api.probe.artifacts import OutDir
from tests.conftest import run_cli
from tests.probe.conftest import PROBE, invoke, make_sim, probe_token, write_env


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.strip().splitlines() if line.startswith("error:")]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_plan_sends_nothing_and_writes_nothing(tmp_path: Path) -> None:
    token = probe_token()
    sim = make_sim(token)
    out = tmp_path / "out"
    with sim.serve(host="127.0.0.1", port=0) as server:
        env = write_env(tmp_path / ".env", {"QTICKETS_API_BASE_URL": server.base_url, "QTICKETS_API_TOKEN": token,
                                            "ORG_NAME": "test-org"})  # fmt: skip
        code, stdout, stderr = invoke(["--envfile", str(env), "--out", str(out), "--plan"])
        requests = sim.stats()["requests"]
    assert code == 0, stderr
    assert not requests, requests
    assert not out.exists()
    for step in ("A1", "A2", "A3", "B1", "C1", "C2", "D ", "E1", "E2", "X1", "X2b", "X3", "X4e", "X5", "F1", "G "):
        assert f"\n{step}" in stdout, step
    assert f"{server.base_url}/orders?organization=test-org&payed=1&since=" in stdout
    assert '"orderBy":{"id":"desc"},"perPage":5' in stdout
    assert "SKIPPED unless --allow-create-order" in stdout
    assert fingerprint(token) in stdout and token[:8] not in stdout


@pytest.fixture
def closed_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    yield port


def test_bad_flag_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = run_cli([PROBE, "--no-such-flag"], cwd=tmp_path)
    assert result.returncode == 2
    assert "--no-such-flag" in one_error_line(result.stderr)


def test_missing_token_is_one_line_and_exit_2(tmp_path: Path) -> None:
    env = write_env(tmp_path / "secrets" / ".env.qtickets_api", {"QTICKETS_API_BASE_URL": "http://127.0.0.1:9/api"})
    result = run_cli([PROBE, "--envfile", str(env), "--out", str(tmp_path / "out")], cwd=tmp_path)
    assert result.returncode == 2
    assert "QTICKETS_API_TOKEN" in one_error_line(result.stderr)
    assert not (tmp_path / "out").exists()


def test_refuses_to_empty_a_folder_with_foreign_files(tmp_path: Path) -> None:
    token = probe_token()
    env = write_env(tmp_path / ".env", {"QTICKETS_API_BASE_URL": "http://127.0.0.1:9/api", "QTICKETS_API_TOKEN": token})
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    (out / "stepA1_get_orders.json").write_text("{}", encoding="utf-8")
    code, _, stderr = invoke(["--envfile", str(env), "--out", str(out)])
    assert code == 2
    assert "notes.txt" in one_error_line(stderr)
    assert (out / "notes.txt").read_text(encoding="utf-8") == "keep me"
    assert (out / "stepA1_get_orders.json").exists()  # nothing was touched
    for dangerous in (Path("/"), Path.home(), Path.cwd()):
        code, _, stderr = invoke(["--envfile", str(env), "--out", str(dangerous)])
        assert code == 2 and "refusing" in one_error_line(stderr)


def test_no_answer_at_all_is_exit_2_with_a_report(tmp_path: Path, closed_port: int) -> None:
    token = probe_token()
    env = write_env(tmp_path / ".env", {"QTICKETS_API_BASE_URL": f"http://127.0.0.1:{closed_port}/api/rest/v1",
                                        "QTICKETS_API_TOKEN": token, "QTICKETS_API_TIMEOUT": "2"})  # fmt: skip
    out = tmp_path / "out"
    code, _, stderr = invoke(["--envfile", str(env), "--out", str(out), "--skip-loader"])
    assert code == 2
    assert "final_report.md" in one_error_line(stderr)
    assert "ни один запрос не получил ответа" in (out / "final_report.md").read_text(encoding="utf-8")


def test_leak_scan_finds_the_token_or_its_prefix_even_inside_the_archive(tmp_path: Path) -> None:
    token = probe_token()
    out = OutDir.prepare(tmp_path / "out", [token], force=False)
    out.write("final_report.md", f"token {token}\n")  # write() redacts
    assert out.scan() == []
    (out.path / "probe.log").write_text(f"printed the first characters: {token[:8]}…\n", encoding="utf-8")
    out.adopt("probe.log")
    out.archive()
    (out.path / "probe.log").unlink()  # only the archive still holds it
    found = out.scan()
    assert found and all("probe.log" in f for f in found)
    assert any("qtickets_orders_debug.tar.gz:" in f for f in found)
    assert all(token not in f and token[:8] not in f for f in found)


def test_a_leak_past_every_redaction_deletes_the_output_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from integrations.qtickets_api.probe import artifacts, exchange
    from qtickets_sim import FaultConfig

    token = probe_token()
    # break two layers on purpose: headers shown with the real token, and no redaction on write
    monkeypatch.setattr(exchange.Recorder, "auth_label", property(lambda self: f"Bearer {self._token}"))
    monkeypatch.setattr(artifacts, "redact", lambda text, secrets: text)
    sim = make_sim(token, FaultConfig(all_503=True))
    out = tmp_path / "out"
    with sim.serve(host="127.0.0.1", port=0) as server:
        env = write_env(tmp_path / ".env", {"QTICKETS_API_BASE_URL": server.base_url, "QTICKETS_API_TOKEN": token})
        code, stdout, stderr = invoke(["--envfile", str(env), "--out", str(out), "--retry-503-after", "0"])
    assert code == 2
    line = one_error_line(stderr)
    assert "secret" in line and token not in line and token[:8] not in stdout + stderr
    assert out.exists() and not list(out.iterdir())
