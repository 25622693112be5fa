"""The probe run: the runbook's blocks in order (0, A–E), the additions (X1–X5), F1, G, H.

Each block decides from the records so far whether it runs (as the runbook's "if A was empty…" lines
say) and records every skip and every departure from the runbook as a deviation for README_TESTING.md.
"""

from __future__ import annotations

import logging
import os
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from .._version import __version__
from ..config import Settings
from ..errors import ProbeError
from .artifacts import ARCHIVE, OutDir
from .diagnosis import (
    Commands,
    Diagnosis,
    LoaderOutcome,
    RetryResult,
    diagnose,
    orders_count,
    rows_text,
    violations,
)
from .exchange import Exchange, Recorder, both_times, id_like_headers, msk_text, utc_text
from .loader_step import run_step_g
from .logs import capture
from .report import (
    Deviation,
    DeviationKind,
    ReportInput,
    body_file_text,
    final_report,
    headers_text,
    outcome_text,
    readme_testing,
    records_json,
    support_ticket,
)
from .steps import Context, StepRun, StepSpec, addition_steps, api_time, curl_time, format_steps, runbook_steps

log = logging.getLogger("integrations.qtickets_api.probe")

RUNBOOK_DIR = "/opt/zakaz_dashboard/logs/qtickets_orders_debug/"
RUNBOOK_ENV = "/opt/zakaz_dashboard/secrets/.env.qtickets_api"
PROG = "python -m integrations.qtickets_api.probe"
LOADER = "python -m integrations.qtickets_api.loader"


@dataclass(frozen=True)
class ProbeOptions:
    out: Path
    order_id: int | None = None
    since_days: int = 30
    retry_503_after: float = 300.0
    allow_create_order: bool = False
    skip_loader: bool = False
    force: bool = False
    envfile: Path | None = None

    def command(self) -> str:
        parts = PROG.split()
        if self.envfile is not None:
            parts += ["--envfile", str(self.envfile)]
        parts += ["--out", str(self.out)]
        if self.order_id is not None:
            parts += ["--order-id", str(self.order_id)]
        if self.since_days != 30:
            parts += ["--since-days", str(self.since_days)]
        if self.retry_503_after != 300:
            parts += ["--retry-503-after", f"{self.retry_503_after:g}"]
        parts += [
            flag
            for flag, on in (
                ("--allow-create-order", self.allow_create_order),
                ("--skip-loader", self.skip_loader),
                ("--force", self.force),
            )
            if on
        ]
        return shlex.join(parts)


@dataclass
class ProbeResult:
    exit_code: int
    out: Path
    diagnosis: Diagnosis
    files: list[str]
    requests_sent: int
    message: str = ""


def proxy_note() -> str:
    """Proxies this process would use (hosts only: a proxy URL can carry a password)."""
    found = []
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY"):
        value = os.environ.get(name) or os.environ.get(name.lower())
        if value:
            parts = urlsplit(value if "://" in value else f"http://{value}")
            found.append(f"{name}={parts.hostname}{f':{parts.port}' if parts.port else ''}")
    if not found:
        return ""
    no_proxy = os.environ.get("NO_PROXY") or os.environ.get("no_proxy")
    tail = f" (NO_PROXY={no_proxy})" if no_proxy else ""
    return "На этой машине задан прокси: " + ", ".join(found) + tail + " — запросы к API могут идти через него."


# --- the plan ------------------------------------------------------------------------------------------


def plan_text(settings: Settings, options: ProbeOptions, *, now: datetime | None = None) -> str:
    """Every request the probe may send, in order, with the condition under which it is sent."""
    ctx = Context(
        settings.api_base_url, settings.org_name, (now or datetime.now(UTC)).replace(microsecond=0), options.since_days
    )
    auth = Recorder(settings.api_token).auth_label
    lines = [
        f"Plan of {PROG} (nothing is sent, nothing is written).",
        f"API {ctx.base_url}, ORG_NAME={settings.org_name!r}, every request carries 'Authorization: {auth}'.",
        f"SINCE={curl_time(ctx.since)} ({options.since_days} days), SINCE24={curl_time(ctx.since24)}, "
        f"SINCE90={curl_time(ctx.since90)}",
        "",
        f"00   write step00_env.txt in {options.out} (emptied first; no request)",
    ]
    order_id: int | str = options.order_id if options.order_id is not None else "{ORDER_ID}"
    specs = runbook_steps(ctx, order_id=order_id) + addition_steps(ctx)
    specs = specs[:-1] + format_steps(ctx.since) + specs[-1:]
    for spec in specs:
        condition = spec.condition
        if spec.id == "E2" and options.allow_create_order:
            condition = "SENT because --allow-create-order was given: POST /orders CREATES an order"
        if spec.id.startswith("X4"):
            condition = "value: payed_at of a paid order from X1 + 1 s (SINCE shown); 503 = format rejected"
        lines.append(
            f"{spec.id:<4} {spec.method} {spec.url(ctx.base_url)}" + ("   [addition]" if spec.addition else "")
        )
        for name, value in spec.headers:
            lines.append(f"       {name}: {value}")
        content = spec.content()
        if content is not None:
            lines.append(f"       body: {content.decode()}")
        if condition:
            lines.append(f"       when: {condition}")
    lines += [
        f"F1   if a step (not X4) answered 503: wait {options.retry_503_after:g} s, send it once more (never a POST "
        "/orders), then HEAD the same URL",
        "G    "
        + (
            "skipped (--skip-loader)"
            if options.skip_loader
            else "if a form returned orders with its filters honoured: run the loader over a window covering them, "
            "then the runbook's two ClickHouse queries"
        ),
        "H    final_report.md, README_TESTING.md, probe_records.json, "
        f"support_ticket.md (when only QTickets support can answer), {ARCHIVE}",
    ]
    return "\n".join(lines) + "\n"


# --- the run ------------------------------------------------------------------------------------------------


class ProbeRun:
    def __init__(
        self,
        settings: Settings,
        options: ProbeOptions,
        *,
        transport: httpx.BaseTransport | None = None,
        now: datetime | None = None,
        sleep: Callable[[float], None] = time.sleep,
        command: str | None = None,
    ) -> None:
        self.settings = settings
        self.options = options
        self.transport = transport
        self.sleep = sleep
        self.command = command or options.command()
        self.started_at = (now or datetime.now(UTC)).replace(microsecond=0)
        self.ctx = Context(settings.api_base_url, settings.org_name, self.started_at, options.since_days)
        self.secrets = [s for s in (settings.api_token, settings.clickhouse_password) if s]
        self.runs: dict[str, StepRun] = {}
        self.deviations: list[Deviation] = []
        self.notes: dict[str, str] = {}
        self.retry: RetryResult | None = None
        self.loader: LoaderOutcome | None = None
        self.proxy = proxy_note()
        self.out: OutDir
        self.rec: Recorder

    # --- helpers ---------------------------------------------------------------------------------------

    def deviate(self, kind: DeviationKind, text: str) -> None:
        self.deviations.append(Deviation(kind, text))

    def send(self, spec: StepSpec) -> StepRun:
        if spec.body_file:
            self.out.write(spec.body_file, spec.body_file_text())
        record = self.rec.send(
            spec.id, spec.method, spec.url(self.ctx.base_url), content=spec.content(), headers=spec.header_dict()
        )
        run = StepRun(spec, record)
        self.runs[spec.id] = run
        self.out.write(f"{spec.stem}.json", body_file_text(record))
        self.out.write(f"{spec.stem}.headers.txt", headers_text(record))
        log.info(
            "%s %s -> %s, %d items%s",
            spec.id,
            record.request_line(),
            record.status_text(),
            record.item_count,
            f", ids {record.first_id}..{record.last_id}" if record.ids else "",
        )
        return run

    def skip(self, spec: StepSpec, reason: str) -> None:
        self.runs[spec.id] = StepRun(spec, skipped=reason)
        log.info("%s skipped: %s", spec.id, reason)

    def items(self, *step_ids: str) -> int:
        return sum(
            run.record.item_count
            for step_id in step_ids
            if (run := self.runs.get(step_id)) is not None and run.record is not None and run.record.ok
        )

    # --- blocks ------------------------------------------------------------------------------------------

    def step00(self) -> None:
        ctx, s = self.ctx, self.settings
        described = s.describe()
        lines = [
            "# Шаг 0: переменные, с которыми работает проба (токен заменён отпечатком)",
            f"QTICKETS_BASE_URL={s.api_base_url}",
            f"QTICKETS_TOKEN={described['QTICKETS_API_TOKEN']}",
            f"ORG_NAME={s.org_name}",
            f"REPORT_TZ={s.tz}",
            f"SINCE={curl_time(ctx.since)}",
            f"SINCE24={curl_time(ctx.since24)}",
            f"SINCE90={curl_time(ctx.since90)}",
            f"ORDER_ID={self.options.order_id if self.options.order_id is not None else '<не задан>'}",
            "",
            "# проверка заполненности",
            f"QTICKETS_BASE_URL: {'ok' if s.api_base_url else 'ПУСТО'}",
            "QTICKETS_TOKEN: ok (задан)",
            f"ORG_NAME: {'ok' if s.org_name else 'ПУСТО — в запросах будет organization= (пусто)'}",
            f"REPORT_TZ: {'ok' if s.tz == 'Europe/Moscow' else f'ВНИМАНИЕ: {s.tz}, runbook требует Europe/Moscow'}",
            "",
            "# все настройки (как их видит загрузчик)",
            *(f"{key}={value}" for key, value in described.items()),
            "",
            "# проба",
            f"version={__version__}",
            f"envfile={s.envfile or '<нет: переменные окружения>'}",
            f"out={self.out.path}",
            f"command={self.command}",
            f"started={both_times(self.started_at)}",
            f"proxy={self.proxy or 'не задан'}",
        ]
        self.out.write("step00_env.txt", "\n".join(lines) + "\n")
        if not s.org_name:
            self.deviate("other", "ORG_NAME не задан: в запросы A–D ушло пустое organization=.")

    def block_a(self, specs: dict[str, StepSpec]) -> None:
        self.send(specs["A1"])
        self.send(specs["A2"])
        found = self.items("A1", "A2")
        if found:
            self.send(specs["A3"])
        else:
            reason = "A1/A2 не вернули заказов (runbook: «если первая вернула >0»)"
            self.skip(specs["A3"], reason)
            self.deviate("skipped", f"A3: {reason}.")

    def block_b(self, specs: dict[str, StepSpec]) -> None:
        found = self.items("A1", "A2", "A3")
        if found:
            reason = f"шаг A вернул {orders_count(found)}, а runbook выполняет B, только «если шаг A вернул пусто»"
            for step_id in ("B1", "B2", "B3"):
                self.skip(specs[step_id], reason)
            self.deviate(
                "skipped",
                f"B1–B3: {reason}. Строку запроса сервер всё равно игнорирует (см. A и X2), так что B ничего бы не "
                "добавили.",
            )
            return
        for step_id in ("B1", "B2", "B3"):
            self.send(specs[step_id])

    def block_d(self) -> None:
        order_id = self.options.order_id
        if order_id is None:
            seen = [
                i
                for k in ("A1", "A2", "A3", "B1", "B2", "B3", "C1", "C2")
                if (run := self.runs.get(k)) and run.record is not None and run.record.ok
                for i in run.record.ids
            ]
            if seen:
                order_id = max(seen)
                self.deviate(
                    "other",
                    f"D: ORDER_ID не задан (--order-id); взят наибольший id из ответов A–C: {order_id}. Это не "
                    "заказ из письма: шаг D так проверяет лишь то, что токен видит заказы.",
                )
        spec = next(s for s in runbook_steps(self.ctx, order_id=order_id or "{ORDER_ID}") if s.id == "D")
        if order_id is None:
            reason = "ORDER_ID неизвестен: не задан --order-id и ни один шаг A–C не вернул заказов"
            self.skip(spec, reason)
            self.deviate("skipped", f"D: {reason}.")
            return
        self.send(spec)

    def block_e(self, specs: dict[str, StepSpec]) -> None:
        self.send(specs["E1"])
        e2 = specs["E2"]
        if self.options.allow_create_order:
            log.warning("E2: sending POST /orders because --allow-create-order was given (it creates orders)")
            self.deviate(
                "other",
                "E2 выполнен по явному флагу --allow-create-order. POST /orders — вызов СОЗДАНИЯ заказа в QTickets.",
            )
            self.send(e2)
            return
        self.out.write(e2.body_file or "post_orders_body.json", e2.body_file_text())
        reason = (
            "POST /orders в QTickets — вызов СОЗДАНИЯ заказа, а не поиска; проба не вызывает его без явного флага "
            "--allow-create-order (тело записано в post_orders_body.json)"
        )
        self.skip(e2, reason)
        self.deviate("skipped", f"E2: {reason}.")

    def additions(self, extra: list[StepSpec]) -> None:
        by_id = {spec.id: spec for spec in extra}
        for step_id in ("X1", "X2a", "X2b", "X3"):
            self.send(by_id[step_id])
        threshold = self.format_threshold()
        for spec in format_steps(threshold):
            self.send(spec)
        self.send(by_id["X5"])
        self.deviate(
            "added",
            "X1: документированная форма — GET /orders с JSON-телом "
            f"{{where payed=1, payed_at >= {api_time(self.ctx.since)}}}, orderBy id desc, perPage 100.",
        )
        self.deviate(
            "added",
            "X2a/X2b: контрольный запрос — GET /orders без тела и с телом {orderBy: id desc, perPage: 5}; "
            "новейший заказ первым = тело читается, самый старый = тело проигнорировано или срезано по пути.",
        )
        self.deviate("added", "X3: учитывается ли perPage (тело {perPage: 7}).")
        self.deviate(
            "added",
            "X4a–X4e: в каком формате фильтр payed_at >= принимает дату (МСК «YYYY-MM-DD "
            "HH:MM:SS», дата, ISO +03:00, ISO Z, Unix-время); порог — "
            f"{both_times(threshold)}. 503 здесь — «формат отклонён», F1 их не повторяет.",
        )
        self.deviate("added", "X5: фильтр updated_at >= — на нём держится загрузчик.")

    def format_threshold(self) -> datetime:
        """A payed_at inside X1's answer (+1 s), so a format read with the wrong offset shows up; else SINCE."""
        run = self.runs.get("X1")
        record = run.record if run is not None else None
        if (
            run is not None
            and record is not None
            and record.ok
            and record.items
            and not violations(record, run.spec.check)
        ):
            stamps = sorted(ts for ts in (item.ts("payed_at") for item in record.items) if ts is not None)
            if len(stamps) >= 2:
                return stamps[len(stamps) // 2].astimezone(UTC) + timedelta(seconds=1)
        return self.ctx.since

    def block_f1(self) -> None:
        candidates = [
            run
            for run in self.runs.values()
            if run.record is not None and run.record.status == 503 and run.spec.retry_on_503
        ]
        others = [k for k, run in self.runs.items() if run.record is not None and run.record.status == 503]
        if not candidates:
            if others:
                self.notes["F1"] = (
                    f"Не требовался: 503 был только на проверке формата даты ({', '.join(others)}) — это ответ "
                    "«значение отклонено», а не сбой сервера."
                )
                self.deviate("other", f"F1 не повторял {', '.join(others)}: 503 там означает «формат отклонён».")
            else:
                self.notes["F1"] = "Не требовался: ни один запрос не ответил 503."
            return
        source = next((run for run in candidates if not run.spec.write), candidates[0])
        assert source.record is not None
        delay = self.options.retry_503_after
        if delay != 300:
            self.deviate("other", f"F1: пауза перед повтором {delay:g} с вместо 5 минут (--retry-503-after).")
        if not source.spec.write:
            log.info("F1: %s answered 503; repeating it in %g s", source.spec.id, delay)
            if delay > 0:
                self.sleep(delay)
        spec = replace(
            source.spec,
            id="F1",
            slug="503",
            title=f"повтор {source.spec.id} через {delay:g} с",
            addition=False,
            retry_on_503=False,
            body_file=None,
        )
        repeat: Exchange | None = None
        if source.spec.write:
            reason = "повтор POST /orders не отправлен: это вызов создания заказа"
            self.runs["F1"] = StepRun(spec, skipped=reason)
            self.deviate("skipped", f"F1: {reason} (отправлен только HEAD).")
        else:
            repeat = self.rec.send(
                "F1", source.record.method, source.record.url, content=spec.content(), headers=spec.header_dict()
            )
            self.runs["F1"] = StepRun(spec, repeat)
        head_headers = {k: v for k, v in spec.headers if k.lower() != "content-type"}
        head = self.rec.send("F1h", "HEAD", source.record.url, headers=head_headers)
        head_spec = replace(
            spec,
            id="F1h",
            slug="503_head",
            title="HEAD того же URL (curl -I)",
            method="HEAD",
            body=None,
            headers=tuple(head_headers.items()),
        )
        self.runs["F1h"] = StepRun(head_spec, head)
        stable = repeat is not None and repeat.status == 503
        note = (
            f"{source.spec.id} ответил 503; повтор через {delay:g} с: "
            f"{repeat.status_text() if repeat else 'не отправлялся'}; HEAD: {head.status_text()}."
            + (" 503 стабилен." if stable else "")
        )
        self.retry = RetryResult(source=source, delay_s=delay, repeat=repeat, head=head, note=note)
        self.notes["F1"] = note + " Подробности — stepF1_503.txt."
        self.out.write("stepF1_503.txt", self.f1_text(source, delay, repeat, head))
        log.info("F1: %s", note)

    def f1_text(self, source: StepRun, delay: float, repeat: Exchange | None, head: Exchange) -> str:
        first = source.record
        assert first is not None

        def block(title: str, record: Exchange) -> list[str]:
            ids = id_like_headers(record.response_headers)
            lines = [
                f"{title}:",
                f"  время: {utc_text(record.started_at)} / {msk_text(record.started_at)}",
                f"  статус: {record.status_text()}",
                "  request_id-заголовки: " + ("; ".join(f"{k}: {v}" for k, v in ids) if ids else "нет"),
                "  заголовки ответа:",
                *(f"    {k}: {v}" for k, v in record.response_headers),
                f"  тело: {record.body_preview or '(пусто)'}",
            ]
            return lines

        lines = [
            "F1: повтор запроса, ответившего 503 (runbook, блок F)",
            f"исходный шаг: {source.spec.id} — {source.spec.title}",
            f"запрос: {first.method} {first.url}",
            "заголовки запроса: " + "; ".join(f"{k}: {v}" for k, v in first.request_headers.items()),
            f"тело запроса: {first.request_body if first.request_body is not None else 'нет'}",
            f"пауза перед повтором: {delay:g} с (runbook: 5 минут)",
            "",
            *block("первый ответ", first),
            "",
            *(block("повтор", repeat) if repeat else ["повтор: не отправлялся (вызов создания заказа)"]),
            "",
            *block(f"HEAD {head.url} (curl -I)", head),
            "",
            "итог: " + ("503 стабилен" if repeat is not None and repeat.status == 503 else "см. выше"),
        ]
        return "\n".join(lines) + "\n"

    def block_g(self, pre: Diagnosis) -> None:
        if self.options.skip_loader:
            self.notes["G"] = "Не запускался: задан --skip-loader."
            self.deviate("skipped", "G: загрузчик не запускался — задан --skip-loader.")
            return
        if not pre.working:
            returned = [k for k, r in self.runs.items() if r.record is not None and r.record.ok and r.record.item_count]
            reason = "ни одна форма не вернула заказов"
            if returned:
                reason = (
                    f"ни одна форма не вернула заказов с соблюдёнными фильтрами (массивы >0 были в "
                    f"{', '.join(returned)}, но это заказы без фильтра — не продажи окна; runbook запускает загрузчик "
                    "при любом массиве >0)"
                )
            self.notes["G"] = f"Не запускался: {reason}."
            self.deviate("skipped", f"G: {reason}.")
            return
        stamps: list[datetime] = []
        for step_id in pre.working:
            record = self.runs[step_id].record
            assert record is not None
            for name in ("payed_at", "updated_at", "created_at"):
                span = record.span(name)
                if span:
                    stamps.append(span[0])
        since = min([self.ctx.since, *stamps]).astimezone(UTC).replace(microsecond=0) - timedelta(hours=1)
        until = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
        form = f"{pre.working[0]} ({self.runs[pre.working[0]].spec.title})"
        log.info("G: running the loader over %s .. %s (UTC)", since, until)
        self.loader = run_step_g(
            self.settings, self.out, since=since, until=until, form=form, secrets=self.secrets, transport=self.transport
        )
        result = "успешно" if self.loader.status == "success" else f"ошибка: {self.loader.error}"
        self.notes["G"] = (
            f"Загрузчик (GET /orders с JSON-телом, условие по updated_at) запущен в этом же процессе с окном "
            f"{both_times(since)} … {both_times(until)} — от самого раннего найденного заказа (минус час) до сейчас. "
            f"Результат: {result}; строки по таблицам: {rows_text(self.loader.rows)}. "
            "Лог — stepG_loader.log, проверки ClickHouse — stepG_loader_stg.txt и stepG_loader_fact.txt."
        )
        self.deviate(
            "other",
            "G: вместо `docker run … qtickets_api:latest --verbose` загрузчик запущен в этом же "
            "процессе, с подробным журналом; окно передано параметром, а не через "
            "QTICKETS_SINCE_HOURS в .env (runbook запрещает менять секреты).",
        )
        self.deviate(
            "other",
            "G: запросы к ClickHouse выполнены через настроенное подключение (CLICKHOUSE_*), а не "
            "`docker exec ch-zakaz clickhouse-client --user=admin --password=…`; текст запросов — из runbook.",
        )
        if not any(self.runs[k].spec.body for k in pre.working):
            self.deviate("other", "G: найденная форма передаёт фильтры не в теле — загрузчик так не умеет; нужен код.")
        else:
            self.deviate(
                "other",
                "G: правка кода загрузчика, которую runbook требует в шаге G, не потребовалась — загрузчик уже "
                "использует GET /orders с JSON-телом.",
            )

    def commands(self) -> Commands:
        """What the diagnosis may suggest, with this run's env file (absolute, so it runs from any folder)."""
        envfile = self.settings.envfile.resolve() if self.settings.envfile is not None else None
        options = replace(self.options, envfile=envfile, out=self.out.path)
        loader = LOADER.split() + (["--envfile", str(envfile)] if envfile is not None else [])
        return Commands(
            loader=shlex.join(loader),
            probe_again=options.command(),
            probe_90_days=replace(options, since_days=90).command(),
            probe_wait_503=replace(options, retry_503_after=300.0).command(),
            envfile=str(envfile) if envfile is not None else "",
            api_host=urlsplit(self.settings.api_base_url).hostname or "qtickets.ru",
        )

    def standing_deviations(self) -> None:
        out = self.out.path
        self.deviate("path", f"Каталог артефактов: {RUNBOOK_DIR} → {out}/ (все файлы — в одном каталоге).")
        self.deviate(
            "path",
            f"B1: в пути runbook опечатка — «/opt/zakаз_dashboard» с кириллическими «а» и «з»; файл пишется в {out}/.",
        )
        self.deviate(
            "path",
            f"Архив: runbook создаёт его уровнем выше (cd …/logs; tar -czf …); здесь — "
            f"{out}/{ARCHIVE}, внутри каталога, со всеми остальными файлами.",
        )
        envfile = self.settings.envfile
        self.deviate("path", f"Конфигурация: {RUNBOOK_ENV} → {envfile or 'переменные окружения процесса'}.")
        self.deviate("path", f"Рабочий каталог: /opt/zakaz_dashboard/dashboard-mvp → {Path.cwd()}.")
        self.deviate(
            "other",
            "Время SINCE: runbook говорит «формируем в MSK», но его же команда `date -u … +%z` "
            "даёт UTC с +0000; отправлено ровно то, что даёт команда.",
        )
        self.deviate(
            "other",
            "`curl -D -` смешал бы заголовки с телом в .json: тело — в .json, заголовки запроса "
            "и ответа — в .headers.txt.",
        )
        self.deviate(
            "other",
            "Количество элементов: `jq '.|length'` на объекте ответа дал бы число его ключей; "
            "считается длина data (1 для одного объекта).",
        )
        self.deviate(
            "other",
            "Тела ответов сохранены без персональных данных покупателей (client, e-mail, "
            "телефоны, имена, штрихкоды); токен везде заменён отпечатком.",
        )
        self.deviate(
            "other",
            "E1/E2: тело из runbook сохранено как есть, с его фиксированными датами "
            "2025-10-01…2025-11-03; curl --data @файл отправляет его без переводов строк — так и отправлено.",
        )
        if self.ctx.org_param != self.ctx.org_name:
            self.deviate(
                "other",
                f"ORG_NAME «{self.ctx.org_name}» содержит символы, которые в адресе нужно кодировать: в запросах он "
                "закодирован, в отчёте показан как есть; "
                "точные отправленные адреса — в файлах .headers.txt.",
            )
        self.deviate("added", ".headers.txt и .outcome.txt — для каждого шага (runbook просит их только для A и E).")
        self.deviate(
            "added",
            "probe_records.json (все запросы и ответы в машинном виде, из них посчитана таблица) "
            "и probe.log (журнал пробы).",
        )

    # --- the whole run -------------------------------------------------------------------------------------

    def run(self) -> ProbeResult:
        self.out = OutDir.prepare(self.options.out, self.secrets, force=self.options.force)
        try:
            diagnosis, sent = self._steps()
        except BaseException:
            # a run that breaks halfway must not leave a secret behind either
            if self.out.scan():
                self.out.wipe()
            raise
        self.out.archive()
        leaks = self.out.scan()
        if leaks:
            self.out.wipe()
            raise ProbeError(
                f"a secret reached the probe's output ({'; '.join(leaks[:3])}); every file it wrote was deleted",
                "this is a bug in the probe: report it, do not share the folder",
            )
        message = ""
        if diagnosis.exit_code == 2:
            first = next((r.record for r in self.runs.values() if r.record is not None), None)
            error = first.transport_error if first is not None else "nothing was sent"
            message = (
                f"QTickets API at {self.settings.api_base_url} did not answer any request ({error}); "
                f"see {self.out.path / 'final_report.md'}"
            )
        return ProbeResult(diagnosis.exit_code, self.out.path, diagnosis, list(self.out.written), sent, message)

    def _steps(self) -> tuple[Diagnosis, int]:
        with (
            capture(self.out.file("probe.log"), level=logging.DEBUG, secrets=self.secrets),
            Recorder(
                self.settings.api_token,
                timeout_s=self.settings.api_timeout_s,
                transport=self.transport,
                secrets=self.secrets[1:],
            ) as self.rec,
        ):
            self.out.adopt("probe.log")
            log.info("Probe started: %s", self.command)
            self.step00()
            specs = {spec.id: spec for spec in runbook_steps(self.ctx)}
            self.block_a(specs)
            self.block_b(specs)
            self.send(specs["C1"])
            self.send(specs["C2"])
            self.block_d()
            self.block_e(specs)
            self.additions(addition_steps(self.ctx))
            self.block_f1()
            commands = self.commands()
            pre = diagnose(
                self.runs, since=self.ctx.since, retry=self.retry, loader=None, proxy_note=self.proxy,
                commands=commands, zone=self.settings.zone,
            )  # fmt: skip
            self.block_g(pre)
            diagnosis = diagnose(
                self.runs, since=self.ctx.since, retry=self.retry, loader=self.loader, proxy_note=self.proxy,
                commands=commands, zone=self.settings.zone,
            )  # fmt: skip
            self.standing_deviations()
            self.write_reports(diagnosis)
            log.info("Probe finished: %s (exit %d)", diagnosis.headline, diagnosis.exit_code)
            return diagnosis, self.rec.sent

    def write_reports(self, diagnosis: Diagnosis) -> None:
        for step_id, run in self.runs.items():
            if step_id in ("F1", "F1h"):
                continue
            self.out.write(f"{run.spec.stem}.outcome.txt", outcome_text(run, diagnosis.judgements[step_id]))
        self.out.write("probe_records.json", records_json(self.runs, diagnosis.judgements))
        data = ReportInput(
            ctx=self.ctx,
            base_url=self.settings.api_base_url,
            org_name=self.settings.org_name,
            token_fp=self.settings.token_fingerprint,
            auth_label=self.rec.auth_label,
            command=self.command,
            started_at=self.started_at,
            finished_at=datetime.now(UTC).replace(microsecond=0),
            runs=self.runs,
            diagnosis=diagnosis,
            retry=self.retry,
            loader=self.loader,
            deviations=self.deviations,
            extra_notes=self.notes,
        )
        ticket = support_ticket(data) if diagnosis.ticket_needed else None
        if ticket is not None:
            self.out.write("support_ticket.md", ticket)
        self.out.write("README_TESTING.md", readme_testing(data))
        self.out.write("final_report.md", final_report(data, ticket, ARCHIVE))


def run_probe(
    settings: Settings,
    options: ProbeOptions,
    *,
    transport: httpx.BaseTransport | None = None,
    now: datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
    command: str | None = None,
) -> ProbeResult:
    return ProbeRun(settings, options, transport=transport, now=now, sleep=sleep, command=command).run()
