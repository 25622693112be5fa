"""What the organiser reads and types after a probe: a refused token diagnosed as such (no support ticket),
every suggested command line runs as printed, organisation names readable, and no internal names or English
jargon in the Russian texts."""

from __future__ import annotations

import ast
import re
import shlex
from pathlib import Path

import click
import pytest

from integrations.qtickets_api.loader import cli as loader_cli
from integrations.qtickets_api.probe.__main__ import cli as probe_cli
from integrations.qtickets_api.sql import cli as sql_cli
from integrations.qtickets_api.storage import schema
from tests.conftest import REPO, run_cli
from tests.probe.conftest import ORG_TO_ENCODE, Run

SETUPS = ["real_run", "create_run", "strip_run", "failing_run", "refused_run"]
COMMANDS: dict[str, click.Command] = {
    "integrations.qtickets_api.loader": loader_cli,
    "integrations.qtickets_api.probe": probe_cli,
    "integrations.qtickets_api.sql": sql_cli,
}
RUSSIAN_TEXTS = ("final_report.md", "README_TESTING.md", "support_ticket.md")
# Latin words a Russian report may hold: the API's own vocabulary (methods, parameters, fields, headers, answers),
# the runbook's tools and words, names of products. Anything else is jargon or a leaked identifier.
_ALLOWED = """
    API REST v1 HTTP HTTPS http https JSON HTML URL GET POST HEAD UTC ISO ISO-8601 Unix SHA-256 hex
    QTickets ClickHouse Bearer runbook Runbook e-mail
    where orderBy page perPage per_page paging paging.perPage paging.total currentPage total data select flat
    column operator value filters desc asc id payed payed_at updated_at created_at deleted_at organization since
    status paid completed request_id Access denied Unknown error
    Accept Authorization Cache-Control Content-Type Content-Length User-Agent no-cache
    curl jq docker exec tar cd date clickhouse-client ch-zakaz admin run env length python -D -I -u -m -czf +%z
    YYYY-MM-DD HH:MM:SS sha256 client json
"""
ALLOWED_WORDS = frozenset(_ALLOWED.split())


def _command_lines(text: str) -> list[str]:
    return re.findall(r"`((?:[A-Z_]+=\S+ )*python -m integrations\.qtickets_api\.[a-z]+(?: [^`]*)?)`", text)


def _args(line: str) -> tuple[dict[str, str], str, list[str]]:
    """(environment assignments, module, arguments) of a printed command line."""
    words = shlex.split(line)
    env: dict[str, str] = {}
    while "=" in words[0] and not words[0].startswith("-"):
        key, value = words.pop(0).split("=", 1)
        env[key] = value
    assert words[:2] == ["python", "-m"], line
    return env, words[2], words[3:]


def _section(report: str, title: str) -> str:
    return report.split(title, 1)[1].split("\n#", 1)[0]


# --- a refused token --------------------------------------------------------------------------------------


def test_a_refused_token_is_diagnosed_as_such_and_drafts_no_ticket(refused_run: Run) -> None:
    run = refused_run
    assert run.code == 1, run.stderr
    sent = [r for r in run.records.values() if not r["skipped"]]
    assert sent and all(r["status"] == 403 or (r["status"] == 404 and r["body_kind"] == "html") for r in sent)
    for text in (run.stdout, run.report.split("\n## ", 1)[0], run.diagnosis):
        assert "Токен отклонён" in text and "Настройки → Основное → API" in text, text
    assert "сгенерируйте новый токен" in run.stdout.lower()
    assert not (run.out / "support_ticket.md").exists()
    assert "support_ticket.md" not in run.diagnosis
    assert "Не нужно" in _section(run.report, "## Обращение в поддержку")
    # the runbook's artifacts are where it expects them, whatever the verdict
    names = {p.name for p in run.out.iterdir()}
    for expected in (
        "step00_env.txt", "stepA1_get_orders.json", "stepA1_get_orders.headers.txt", "stepA1_get_orders.outcome.txt",
        "stepA2_get_orders_perpage.json", "stepB1_get_orders_status_paid.json", "stepB2_get_orders_status_only.json",
        "stepB3_get_orders_status_completed.json", "stepC1_get_orders_24h.json", "stepC2_get_orders_90d.json",
        "stepE1_post_filter.json", "post_filter_body.json", "post_orders_body.json", "final_report.md",
        "README_TESTING.md", "qtickets_orders_debug.tar.gz",
    ):  # fmt: skip
        assert expected in names, expected


def test_the_suggested_probe_command_runs_as_printed(refused_run: Run, tmp_path: Path) -> None:
    steps = _section(refused_run.report, "### Что делать")
    assert f"QTICKETS_API_TOKEN в {refused_run.env.resolve()}" in steps
    (line,) = _command_lines(steps)
    env, module, args = _args(line)
    assert module == "integrations.qtickets_api.probe" and not env
    assert args[args.index("--envfile") + 1] == str(refused_run.env.resolve())
    result = run_cli([module, *args], cwd=tmp_path)  # another folder: the line holds absolute paths
    assert result.returncode == 1, result.stderr
    assert "Токен отклонён" in result.stdout


# --- every command the probe prints -----------------------------------------------------------------------


@pytest.mark.parametrize("setup", SETUPS)
def test_every_printed_command_line_parses(setup: str, request: pytest.FixtureRequest) -> None:
    run: Run = request.getfixturevalue(setup)
    texts = [run.text(name) for name in RUSSIAN_TEXTS if (run.out / name).exists()]
    lines = [line for text in texts for line in _command_lines(text)]
    assert lines
    # every command is set apart in backticks, whole: what is between them is what to type
    assert sum(text.count("python -m integrations.qtickets_api.") for text in texts) == len(lines)
    for line in lines:
        _, module, args = _args(line)
        assert "YYYY" not in line and "…" not in line and "<" not in line, line
        command = COMMANDS[module]
        command.make_context(module, list(args))  # a usage error raises here
        if "--envfile" in args:
            assert Path(args[args.index("--envfile") + 1]) == run.env.resolve(), line


def test_the_backfill_advice_runs_as_printed_against_the_simulator(real_run: Run, tmp_path: Path) -> None:
    steps = _section(real_run.report, "### Что делать")
    lines = _command_lines(steps)
    backfill = [line for line in lines if " --since " in line]
    assert len(backfill) == 1 and len(lines) == 2, lines
    since = re.search(r"--since (\d{4}-\d\d-\d\d)\b", backfill[0])
    assert since is not None
    oldest = min(o["created_at"][:10] for o in real_run.sim.orders())
    assert since.group(1) <= oldest  # the account's whole history
    for line in lines:
        env, module, args = _args(line)
        assert module == "integrations.qtickets_api.loader" and not env
        result = run_cli([module, *args], cwd=tmp_path)
        assert result.returncode == 0, f"{line}\n{result.stderr}"
        assert "Finished QTickets API ingestion run" in result.stderr


def test_the_proxy_advice_names_the_api_host(strip_run: Run) -> None:
    (line,) = [line for line in _command_lines(strip_run.diagnosis) if line.startswith("NO_PROXY=")]
    env, module, _ = _args(line)
    assert env == {"NO_PROXY": "127.0.0.1"} and module == "integrations.qtickets_api.probe"


# --- readable names, plain Russian ------------------------------------------------------------------------


def test_organisation_names_are_readable_in_the_report(refused_run: Run) -> None:
    run = refused_run
    for name in ("final_report.md", "README_TESTING.md"):
        text = run.text(name)
        assert "%D0" not in text and "%20" not in text and "%26" not in text, name
    assert f"organization={ORG_TO_ENCODE}&payed=1" in run.report
    # what was sent stays exact in the machine-readable records
    assert "organization=%D0%9A" in run.text("stepA1_get_orders.headers.txt")
    assert "%D0%9A" in run.records["A1"]["url"]


def _our_identifiers() -> set[str]:
    """Module, function and class names of the product that look like code (snake_case or CamelCase)."""
    names: set[str] = set()
    for path in (REPO / "integrations").rglob("*.py"):
        names.add(path.stem)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name.lstrip("_"))
    tables = {table.name for table in schema.ALL}
    return {
        n
        for n in names
        if ("_" in n or sum(c.isupper() for c in n) >= 2) and len(n) > 4 and n not in tables and n not in ALLOWED_WORDS
    }


FORBIDDEN = ("fetch_orders_get", "canary", "pipeline", "api_client", "Traceback", "None", "True", "False")


def _latin_words(text: str, org_name: str) -> set[str]:
    """The Latin words a person reads in ``text``: no quoted bodies, commands, paths, file or setting names."""
    text = re.sub(r"(?s)(`{3,}).*?\1", " ", text)  # request and answer bodies, quoted as QTickets sent them
    text = text.replace(org_name, " ").replace("qtickets_api:latest", " ")  # the runbook's docker image
    text = re.sub(r"python -m integrations\.qtickets_api\.(loader|probe|sql)\b", " ", text)
    tables = {table.name for table in schema.ALL}
    words: set[str] = set()
    for token in re.split(r"[\s|()«»,;:*\[\]{}<>=\"'!?&`]+", text):
        token = re.sub(r"-[а-яё].*$", "", token.strip("."))  # "JSON-телом" is read as "JSON"
        if not re.search(r"[A-Za-z]", token) or re.search(r"[/\\@]", token):
            continue  # paths, addresses
        if (
            token.startswith("--")
            or re.fullmatch(r"[A-Z0-9_*]+", token)  # setting names (QTICKETS_API_TOKEN)
            or re.fullmatch(r"[A-Z]\d*[a-z]?(–[A-Z]?\d*[a-z]?)?", token)  # step ids (X2a, B1–B3, A–C)
            or re.fullmatch(r"[\w.-]+\.(json|txt|md|log|gz|env)", token)  # artifact and env file names
            or re.fullmatch(r"[0-9a-f]{12}|\d[\dT:+.-]*", token)  # fingerprints, times
            or token in tables
        ):
            continue
        words.add(token)
    return words


@pytest.mark.parametrize("setup", SETUPS)
def test_no_internal_names_or_english_jargon_in_the_russian_texts(setup: str, request: pytest.FixtureRequest) -> None:
    run: Run = request.getfixturevalue(setup)
    org_name = ORG_TO_ENCODE if setup == "refused_run" else "test-org"
    identifiers = _our_identifiers()
    assert {"run_loader", "diagnose", "LoaderOutcome", "loader_step"} & identifiers
    texts = {name: run.text(name) for name in RUSSIAN_TEXTS if (run.out / name).exists()}
    texts["stdout"] = run.stdout
    for name, text in texts.items():
        words = _latin_words(text, org_name)
        leaked = sorted(w for w in words for part in re.split(r"[.-]", w) if part in identifiers or part in FORBIDDEN)
        assert not leaked, f"{name}: {leaked}"
        jargon = sorted(words - ALLOWED_WORDS)
        assert not jargon, f"{name}: {jargon}"


def test_the_scan_catches_what_it_is_for() -> None:
    identifiers = _our_identifiers()
    assert "run_loader" in identifiers
    assert _latin_words("Загрузчик (run_loader) и canary; шаг X2a, файл stepA1_get_orders.json", "test-org") == {
        "run_loader",
        "canary",
    }
