"""The probe in three set-ups of the simulator — the real API's behaviour, a proxy that strips GET bodies,
an account where every call fails with 503 — and what it must conclude in each."""

from __future__ import annotations

import re
import tarfile
from pathlib import Path

import pytest

from integrations.qtickets_api.domain import fingerprint
from tests.probe.conftest import Run

ARCHIVE = "qtickets_orders_debug.tar.gz"


def table_rows(report: str) -> dict[str, tuple[str, str]]:
    """Step id -> (HTTP, items) as printed in the report's table."""
    section = report.split("## Таблица", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, tuple[str, str]] = {}
    for line in section.splitlines():
        if not line.startswith("| ") or line.startswith("| Шаг"):
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        rows[cells[0].split()[0]] = (cells[2], cells[3])
    return rows


def assert_table_matches_records(run: Run) -> None:
    rows = table_rows(run.report)
    assert list(rows) == list(run.records)
    for step, record in run.records.items():
        if record["skipped"]:
            assert rows[step] == ("—", "—"), step
        else:
            assert rows[step] == (str(record["status"]), str(record["item_count"])), step


# --- 1. the real behaviour -------------------------------------------------------------------------------


def test_real_behaviour_finds_the_documented_form(real_run: Run) -> None:
    run = real_run
    assert run.code == 0, run.stderr
    assert "Рабочая форма найдена" in run.stdout
    oldest = sorted(o["id"] for o in run.sim.orders())[:50]
    for step in ("A1", "A2"):
        record = run.records[step]
        assert record["status"] == 200 and record["item_count"] == 50
        assert record["created_at_range"][0].startswith("2021-05")
        assert sorted(i["id"] for i in record["items"]) == oldest
        assert record["filter_honoured"] is False
    assert "строка запроса игнорируется" in run.report.lower()
    for step in ("B1", "B2", "B3"):
        assert run.records[step]["skipped"] and "вернул пусто" in run.records[step]["skipped"]
    assert "B1–B3" in run.text("README_TESTING.md")
    e1 = run.records["E1"]
    assert e1["status"] == 404 and e1["body_kind"] == "html"
    assert (run.out / "post_filter_body.json").exists()
    assert "СОЗДАНИЯ заказа" in run.records["E2"]["skipped"] and "--allow-create-order" in run.records["E2"]["skipped"]
    assert "E2" in run.text("README_TESTING.md")
    assert run.orders_after == run.orders_before
    assert "тело прочитано" in run.records["X2b"]["note"]
    newest = max(o["id"] for o in run.sim.orders())
    assert run.records["X2b"]["first_id"] == newest
    assert run.records["X1"]["filter_honoured"] is True and run.records["X1"]["item_count"] > 0
    assert "perPage учтён" in run.records["X3"]["note"]
    assert run.records["X5"]["filter_honoured"] is True
    assert "GET /orders с JSON-телом" in run.diagnosis
    assert "уже использует GET /orders с JSON-телом" in run.diagnosis and "updated_at" in run.diagnosis
    assert not (run.out / "support_ticket.md").exists()


def test_real_behaviour_judges_date_formats(real_run: Run) -> None:
    notes = {step: real_run.records[step]["note"] for step in ("X4a", "X4b", "X4c", "X4d", "X4e")}
    assert notes["X4a"].startswith("принят") and notes["X4c"].startswith("принят")
    # the simulator reads a trailing Z as Moscow wall-clock time, like MySQL: three hours early
    assert notes["X4d"].startswith("понят неверно") and "3 ч" in notes["X4d"]
    assert "Форматы даты" in real_run.diagnosis


def test_real_behaviour_runs_the_loader_and_the_clickhouse_checks(real_run: Run) -> None:
    stg = real_run.text("stepG_loader_stg.txt")
    assert "SELECT count(), min(order_ts), max(order_ts) FROM zakaz.stg_qtickets_api_orders_raw" in stg
    count = int(re.search(r"│\s*(\d+)\s*│", stg).group(1))  # type: ignore[union-attr]
    assert count > 0
    assert "sum(tickets_sold)" in real_run.text("stepG_loader_fact.txt")
    log = real_run.text("stepG_loader.log")
    assert "Starting QTickets API ingestion run" in log and "Finished QTickets API ingestion run" in log
    assert f"{count} стро" in real_run.diagnosis


def test_real_behaviour_table_is_computed_from_the_records(real_run: Run) -> None:
    assert_table_matches_records(real_run)
    assert "«дополнительно»" in real_run.report
    assert real_run.seconds < 30


def test_create_order_only_with_the_flag_and_nothing_created(create_run: Run) -> None:
    run = create_run
    assert run.code == 0, run.stderr
    e2 = run.records["E2"]
    assert e2["method"] == "POST" and e2["status"] == 503 and e2["error_code"] == "UNKNOWN_ERROR"
    assert run.orders_after == run.orders_before
    # F1 never repeats a create-order call; it only sends the HEAD
    assert run.records["F1"]["skipped"] and run.records["F1h"]["method"] == "HEAD"
    assert "HEAD" in run.text("stepF1_503.txt")
    assert "--skip-loader" in run.text("README_TESTING.md")
    assert not (run.out / "stepG_loader.log").exists()
    assert_table_matches_records(run)


# --- 2. a proxy strips GET bodies --------------------------------------------------------------------------


def test_stripped_bodies_are_caught_by_the_canary(strip_run: Run) -> None:
    run = strip_run
    assert run.code == 1, run.stderr
    assert "тело проигнорировано или отброшено" in run.records["X2b"]["note"]
    assert run.records["X1"]["filter_honoured"] is False
    assert "не доходит" in run.diagnosis and "прокси" in run.diagnosis
    assert "NO_PROXY" in run.diagnosis  # a concrete recommendation, not a ticket
    assert not (run.out / "support_ticket.md").exists()
    assert not (run.out / "stepG_loader.log").exists()
    assert "G:" in run.text("README_TESTING.md")
    assert_table_matches_records(run)


# --- 3. every call fails with 503 ----------------------------------------------------------------------------


def test_all_503_retries_and_drafts_the_support_ticket(failing_run: Run) -> None:
    run = failing_run
    assert run.code == 1, run.stderr
    assert all(r["status"] == 503 for r in run.records.values() if not r["skipped"])
    f1 = run.text("stepF1_503.txt")
    assert "UTC" in f1 and "МСК" in f1 and "HEAD" in f1 and "UNKNOWN_ERROR" in f1
    ticket = run.text("support_ticket.md")
    assert fingerprint(run.token) in ticket
    assert "test-org" in ticket
    assert f"GET {run.base_url}/orders" in ticket
    assert '"column":"payed_at"' in ticket  # the exact body
    assert "UTC" in ticket and "МСК" in ticket
    assert '"code": "UNKNOWN_ERROR"' in ticket
    assert "## Черновик обращения в поддержку" in run.report
    assert "Что это исключает" in run.diagnosis
    assert_table_matches_records(run)


def test_a_previous_probes_folder_is_emptied(failing_run: Run) -> None:
    assert not (failing_run.out / "stepOLD_stale.json").exists()
    assert failing_run.text("support_ticket.md") != "old"


# --- 4. no secret and no buyer's data in anything written ----------------------------------------------------


@pytest.mark.parametrize("setup", ["real_run", "create_run", "strip_run", "failing_run", "refused_run"])
def test_no_token_and_no_personal_data_in_any_file(setup: str, request: pytest.FixtureRequest) -> None:
    run: Run = request.getfixturevalue(setup)
    needles = [run.token.encode(), run.token[:8].encode()]
    emails = {o["client"]["email"].encode() for o in run.sim.orders() if o.get("client") and o["client"].get("email")}
    assert emails
    blobs: dict[str, bytes] = {p.name: p.read_bytes() for p in run.out.rglob("*") if p.is_file()}
    with tarfile.open(run.out / ARCHIVE, "r:gz") as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}  # type: ignore[union-attr]
    # the archive holds every other artifact, under the folder's name, and not itself
    assert {name.split("/", 1)[1] for name in members} == set(blobs) - {ARCHIVE}
    assert all(name.startswith("qtickets_orders_debug/") for name in members)
    blobs.update({f"{ARCHIVE}:{k}": v for k, v in members.items()})
    for name, data in blobs.items():
        for needle in needles:
            assert needle not in data, f"token leaked into {name}"
        leaked = [e for e in emails if e in data]
        assert not leaked, f"buyers' e-mails in {name}"
    for text in (run.stdout, run.stderr):
        assert run.token[:8] not in text
    assert fingerprint(run.token) in (run.out / "step00_env.txt").read_text(encoding="utf-8")


def test_every_runbook_artifact_name_is_there(real_run: Run) -> None:
    names = {p.name for p in Path(real_run.out).iterdir()}
    for expected in (
        "step00_env.txt",
        "stepA1_get_orders.json",
        "stepA1_get_orders.headers.txt",
        "stepA1_get_orders.outcome.txt",
        "stepA2_get_orders_perpage.json",
        "stepA3_get_orders_page2.json",
        "stepC1_get_orders_24h.json",
        "stepC2_get_orders_90d.json",
        "stepE1_post_filter.json",
        "post_filter_body.json",
        "post_orders_body.json",
        "stepG_loader.log",
        "stepG_loader_stg.txt",
        "stepG_loader_fact.txt",
        "final_report.md",
        "README_TESTING.md",
        "probe.log",
        ARCHIVE,
    ):
        assert expected in names, expected
    assert any(n.startswith("stepD_get_orders_id_") for n in names)
    outcome = real_run.text("stepA1_get_orders.outcome.txt")
    assert "HTTP: 200" in outcome and "items: 50" in outcome
