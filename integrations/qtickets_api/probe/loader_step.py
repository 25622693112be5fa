"""Step G: the real loader, in this process, over the window where orders were found; then the runbook's
two ClickHouse checks, run as written through the configured connection."""

from __future__ import annotations

import logging
from datetime import datetime

import httpx

from ..config import Settings
from ..domain.redaction import redact
from ..errors import StorageError, ZakazError
from ..ingest import RunOptions, run_loader
from ..storage.connection import connect
from ..storage.statements import render
from .artifacts import OutDir
from .diagnosis import LoaderOutcome
from .logs import capture

log = logging.getLogger("integrations.qtickets_api.probe")

LOADER_LOG = "stepG_loader.log"
LEASE_WAIT_S = 300.0  # a scheduled run holding the lease usually ends within minutes
# The runbook's queries, verbatim (without the trailing semicolon the client does not accept).
STG_SQL = "SELECT count(), min(order_ts), max(order_ts) FROM zakaz.stg_qtickets_api_orders_raw"
FACT_SQL = """SELECT
      min(sales_date),
      max(sales_date),
      sum(tickets_sold),
      sum(revenue)
    FROM zakaz.fact_qtickets_sales_daily"""
CHECKS = (("stepG_loader_stg.txt", STG_SQL), ("stepG_loader_fact.txt", FACT_SQL))


def run_step_g(
    settings: Settings,
    out: OutDir,
    *,
    since: datetime,
    until: datetime,
    form: str,
    secrets: list[str],
    transport: httpx.BaseTransport | None = None,
) -> LoaderOutcome:
    outcome = LoaderOutcome(since=since, until=until, form=form)
    with capture(out.file(LOADER_LOG), level=logging.DEBUG, secrets=secrets):
        out.adopt(LOADER_LOG)
        try:
            options = RunOptions(since=since, until=until, lease_wait_s=LEASE_WAIT_S, trigger="probe step G")
            result = run_loader(settings, options, transport=transport)
            outcome.status = result.record.status
            outcome.rows = dict(result.record.rows)
        except ZakazError as exc:
            outcome.status, outcome.error = "failed", redact(exc.one_line(), secrets)
            log.error("Loader run failed: %s", outcome.error)
        except Exception as exc:  # the probe must still write its report
            outcome.status = "failed"
            outcome.error = redact(f"{exc.__class__.__name__}: {exc}", secrets)[:300]
            log.exception("Loader run failed unexpectedly")
    _checks(settings, out, outcome, secrets)
    return outcome


def _checks(settings: Settings, out: OutDir, outcome: LoaderOutcome, secrets: list[str]) -> None:
    db = settings.clickhouse_db
    texts: dict[str, str] = {}
    try:
        with connect(settings) as storage:
            for name, sql in CHECKS:
                query = sql.replace("zakaz.", f"{db}.") if db != "zakaz" else sql
                header = f"-- {query}\n-- ClickHouse: {storage.target}\n\n"
                try:
                    result = storage.query(query)
                except StorageError as exc:
                    texts[name] = header + "ошибка: " + str(exc)[:500] + "\n"
                    continue
                rows = [list(row) for row in result.result_rows]
                texts[name] = header + render(list(result.column_names), rows, "table")
                if name == "stepG_loader_stg.txt" and rows and rows[0]:
                    outcome.stg_count = int(rows[0][0])
    except ZakazError as exc:
        message = exc.one_line()
        for name, sql in CHECKS:
            texts.setdefault(name, f"-- {sql}\n\nClickHouse недоступен: {message}\n")
    if db != "zakaz":
        for name in texts:
            texts[name] = f"-- база {db} вместо zakaz из runbook (CLICKHOUSE_DB)\n" + texts[name]
    outcome.stg_text = texts.get("stepG_loader_stg.txt", "")
    outcome.fact_text = texts.get("stepG_loader_fact.txt", "")
    for name, text in texts.items():
        out.write(name, redact(text, secrets))
