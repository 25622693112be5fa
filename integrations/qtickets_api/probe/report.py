"""The texts a person reads: per-step files, ``final_report.md``, ``README_TESTING.md``, the support ticket.

Reports are in Russian, for the organiser. Every number in them is computed from the step records.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from .diagnosis import Diagnosis, Judgement, LoaderOutcome, RetryResult
from .exchange import Exchange, both_times, id_like_headers, msk_text, utc_text
from .steps import Context, StepRun, curl_time

DeviationKind = Literal["skipped", "added", "path", "other"]
_SECTIONS: tuple[tuple[DeviationKind, str], ...] = (
    ("skipped", "Пропущенные шаги"),
    ("added", "Добавленные шаги"),
    ("path", "Исправленные пути"),
    ("other", "Прочие отклонения"),
)
EXIT_MEANING = {
    0: "0 — найдена рабочая форма запроса",
    1: "1 — ни одна форма не вернула продажи",
    2: "2 — проба не смогла выполнить проверку",
}


@dataclass(frozen=True)
class Deviation:
    kind: DeviationKind
    text: str


@dataclass
class ReportInput:
    ctx: Context
    base_url: str
    org_name: str
    token_fp: str
    auth_label: str
    command: str
    started_at: datetime
    finished_at: datetime
    runs: dict[str, StepRun]
    diagnosis: Diagnosis
    retry: RetryResult | None
    loader: LoaderOutcome | None
    deviations: list[Deviation] = field(default_factory=list)
    extra_notes: dict[str, str] = field(default_factory=dict)  # step id -> note of the G/F1 blocks


# --- per-step files ------------------------------------------------------------------------------------


def body_file_text(record: Exchange) -> str:
    if not record.answered:
        return f"нет ответа: {record.transport_error}\n"
    return record.body_text + ("\n" if record.body_text and not record.body_text.endswith("\n") else "")


def headers_text(record: Exchange) -> str:
    lines = [f"> {record.method} {record.url}"]
    lines += [f"> {name}: {value}" for name, value in record.request_headers.items()]
    if record.request_body is not None:
        lines += [">", f"> {record.request_body}"]
    lines.append(f"# отправлено {both_times(record.started_at)}, {record.elapsed_ms:.0f} мс")
    if not record.answered:
        lines.append(f"< нет ответа: {record.transport_error}")
    else:
        lines.append(f"< HTTP/1.1 {record.status} {record.reason}")
        lines += [f"< {name}: {value}" for name, value in record.response_headers]
        lines.append(f"# тело: {record.size_bytes} байт, {record.body_kind}; начало: {record.body_preview[:200]}")
    return "\n".join(lines) + "\n"


def outcome_text(run: StepRun, judgement: Judgement) -> str:
    record = run.record
    lines = [f"step: {run.spec.id} — {run.spec.title}" + (" (дополнительно)" if run.spec.addition else "")]
    if record is None:
        lines += ["HTTP: —", "items: —", f"note: {judgement.note}"]
        return "\n".join(lines) + "\n"
    lines += [
        f"request: {record.request_line()}",
        f"HTTP: {record.status if record.status is not None else 'нет ответа'}",
        f"items: {record.item_count}",
        f"ids: {record.first_id} … {record.last_id}" if record.ids else "ids: —",
    ]
    for name in ("created_at", "payed_at", "updated_at"):
        span = record.span(name)
        if span:
            lines.append(f"{name}: {msk_text(span[0])} … {msk_text(span[1])}")
    if record.paging is not None:
        lines.append(f"paging: {json.dumps(record.paging)}")
    if record.error_code:
        lines.append(f"error: {record.error_code}")
    lines += [
        f"time: {utc_text(record.started_at)} / {msk_text(record.started_at)}",
        f"elapsed_ms: {record.elapsed_ms:.0f}",
        f"note: {judgement.note}",
    ]
    return "\n".join(lines) + "\n"


def records_json(runs: dict[str, StepRun], judgements: dict[str, Judgement]) -> str:
    doc: list[dict[str, Any]] = []
    for step_id, run in runs.items():
        entry: dict[str, Any] = {
            "step": step_id,
            "title": run.spec.title,
            "addition": run.spec.addition,
            "skipped": run.skipped,
            "note": judgements[step_id].note if step_id in judgements else "",
            "filter_honoured": judgements[step_id].honoured if step_id in judgements else None,
        }
        if run.record is not None:
            entry.update(run.record.to_json())
        else:
            entry.update({"method": run.spec.method, "status": None, "item_count": None})
        doc.append(entry)
    return json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n"


# --- final_report.md -----------------------------------------------------------------------------------


def readable(url: str) -> str:
    """A URL as a person reads it: ``organization=Концерты`` rather than ``organization=%D0%9A…``. The exact
    bytes sent are in each step's ``.headers.txt`` and in ``probe_records.json``."""
    text = unquote(url)
    return text if text.isprintable() else url


def _request_line(record: Exchange) -> str:
    return f"{record.method} {readable(record.url)}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def short_request(run: StepRun, base_url: str) -> str:
    spec = run.spec
    url = run.record.url if run.record is not None else spec.url(base_url)
    parts = urlsplit(url)
    base_path = urlsplit(base_url).path.rstrip("/")
    path = parts.path[len(base_path) :] if parts.path.startswith(base_path) else parts.path
    text = f"{spec.method} {path}" + (f"?{readable(parts.query)}" if parts.query else "")
    if spec.body is not None:
        text += " + JSON-тело"
    return text


def step_table(data: ReportInput) -> list[str]:
    lines = [
        "| Шаг | Запрос | HTTP | Элементов | Примечание |",
        "|---|---|---|---|---|",
    ]
    for step_id, run in data.runs.items():
        record = run.record
        label = step_id + (" «дополнительно»" if run.spec.addition else "")
        status = "—" if record is None else (str(record.status) if record.status is not None else "нет ответа")
        count = "—" if record is None else str(record.item_count)
        note = data.diagnosis.judgements[step_id].note
        lines.append(f"| {label} | `{_cell(short_request(run, data.base_url))}` | {status} | {count} | {_cell(note)} |")
    return lines


def _code(text: str, lang: str = "") -> list[str]:
    fence = "````" if "```" in text else "```"
    return [f"{fence}{lang}", text.rstrip("\n"), fence]


def _step_section(run: StepRun, judgement: Judgement) -> list[str]:
    spec = run.spec
    title = f"### {spec.id}. {spec.title}" + (" — «дополнительно»" if spec.addition else "")
    lines = [title, ""]
    record = run.record
    if record is None:
        lines += [f"Не выполнялся: {run.skipped}.", ""]
        return lines
    lines.append(f"- Запрос: `{_request_line(record)}`")
    if record.request_body is not None:
        lines.append(f"- Тело: `{record.request_body}`")
    lines.append(f"- Время: {both_times(record.started_at)}, {record.elapsed_ms:.0f} мс")
    if record.answered:
        detail = f"- Ответ: HTTP {record.status}, элементов {record.item_count}"
        if record.ids:
            detail += f", id {record.first_id} … {record.last_id}"
        if record.paging is not None:
            detail += f", paging {json.dumps(record.paging)}"
        lines.append(detail)
    else:
        lines.append(f"- Ответа нет: {record.transport_error}")
    lines.append(f"- Вывод: {judgement.note}")
    if spec.id not in ("F1", "F1h"):
        lines.append(f"- Файлы: `{spec.stem}.json`, `{spec.stem}.headers.txt`, `{spec.stem}.outcome.txt`")
    lines.append("")
    return lines


def _failing(data: ReportInput) -> list[str]:
    lines: list[str] = []
    if any(
        r.record is not None and not r.record.ok and readable(r.record.url) != r.record.url for r in data.runs.values()
    ):
        lines += [
            "Адреса показаны в читаемом виде; в точности как отправлены (с %-кодированием) — в `.headers.txt`.",
            "",
        ]
    for step_id, run in data.runs.items():
        record = run.record
        if record is None or record.ok:
            continue
        lines += [f"### {step_id}: {record.status_text()}", ""]
        lines.append(f"- URL: `{readable(record.url)}`")
        lines.append(
            f"- Метод: {record.method}; заголовки: " + "; ".join(f"{k}: {v}" for k, v in record.request_headers.items())
        )
        lines.append("- Тело запроса:" + (" нет" if record.request_body is None else ""))
        if record.request_body is not None:
            lines += _code(record.request_body, "json")
        lines.append(f"- Время: {utc_text(record.started_at)} / {msk_text(record.started_at)}")
        ids = id_like_headers(record.response_headers)
        lines.append("- request_id: " + ("; ".join(f"{k}: {v}" for k, v in ids) if ids else "в заголовках ответа нет"))
        if record.answered:
            lines.append("- Ответ:")
            lines += _code(record.body_preview or "(пусто)")
        lines.append("")
    return lines or ["Нет: все отправленные запросы получили HTTP 200.", ""]


def final_report(data: ReportInput, ticket: str | None, archive_name: str) -> str:
    diag = data.diagnosis
    ctx = data.ctx
    sent = sum(1 for r in data.runs.values() if r.record is not None)
    lines = [
        "# QTickets /orders: итоговый отчёт пробы",
        "",
        f"**Итог:** {diag.headline}",
        "",
        f"- Запуск: {both_times(data.started_at)} … {both_times(data.finished_at)}",
        f"- API: `{data.base_url}`; организация (ORG_NAME): {data.org_name or '<не задана>'}",
        f"- Токен: отпечаток `{data.token_fp}` (заголовок сохранён как `Authorization: {data.auth_label}`; "
        "сам токен не записан ни в один файл)",
        f"- SINCE (--since-days {ctx.since_days}; runbook: 30 дней): `{curl_time(ctx.since)}` = {msk_text(ctx.since)}",
        f"- Запросов к API отправлено: {sent}",
        f"- Команда: `{data.command}`",
        f"- Код выхода: {EXIT_MEANING[diag.exit_code]}",
        "",
        "## Таблица: шаг → HTTP → элементов → примечание",
        "",
        *step_table(data),
        "",
        "«дополнительно» — шага нет в runbook, добавлен пробой; «Элементов» — длина `data` в ответе "
        "(1 — один объект), посчитано из записи шага (probe_records.json); «—» — шаг не выполнялся.",
        "",
        "## Шаги",
        "",
        "### 0. Переменные окружения",
        "",
        "Записаны в `step00_env.txt` (токен заменён отпечатком).",
        "",
    ]
    for step_id, run in data.runs.items():
        lines += _step_section(run, diag.judgements[step_id])
    lines += ["### F1. Повтор запроса, ответившего 503", ""]
    lines += [data.extra_notes.get("F1", "Не требовался."), ""]
    lines += ["### G. Загрузчик и проверка ClickHouse", ""]
    lines += [data.extra_notes.get("G", "Не запускался."), ""]
    if data.loader is not None:
        lines += ["`stepG_loader_stg.txt`:", *_code(data.loader.stg_text or "(пусто)"), ""]
        lines += ["`stepG_loader_fact.txt`:", *_code(data.loader.fact_text or "(пусто)"), ""]
    lines += ["## Неуспешные запросы: точный URL, тело, время, ответ", "", *_failing(data)]
    lines += [
        "## Отклонения от runbook",
        "",
        f"Все отклонения (пропущенные и добавленные шаги, исправленные пути) — в `README_TESTING.md`: "
        f"{sum(1 for d in data.deviations if d.kind == 'skipped')} пропущено, "
        f"{sum(1 for d in data.deviations if d.kind == 'added')} добавлено, "
        f"{sum(1 for d in data.deviations if d.kind == 'path')} путей исправлено.",
        "",
        "## Архив",
        "",
        f"`{archive_name}` в этом же каталоге: все остальные файлы пробы (сам архив в себя не входит).",
        "",
    ]
    if ticket is not None:
        lines += ["## Черновик обращения в поддержку", "", "Тот же текст — в `support_ticket.md`.", "", ticket, ""]
    elif diag.no_ticket_reason:
        lines += ["## Обращение в поддержку", "", f"Не нужно: {diag.no_ticket_reason}.", ""]
    lines += ["## Диагноз", "", f"**{diag.headline}**", "", "### Что показали шаги", ""]
    lines += [f"- {item}" for item in diag.findings]
    lines += ["", "### Вывод", ""]
    lines += [f"{paragraph}\n" for paragraph in diag.conclusion]
    lines += ["### Что делать", ""]
    lines += [f"{n}. {item}" for n, item in enumerate(diag.next_steps, 1)]
    return "\n".join(lines).rstrip() + "\n"


# --- README_TESTING.md and the ticket ----------------------------------------------------------------------


def readme_testing(data: ReportInput) -> str:
    lines = [
        "# README_TESTING: отклонения от runbook",
        "",
        "Runbook: «QTickets /orders — пошаговая проверка всех гипотез». Проба выполнила его одной командой:",
        "",
        f"`{data.command}`",
        "",
        f"Запуск: {both_times(data.started_at)}. Ниже — каждое отклонение от инструкции.",
        "",
    ]
    for kind, heading in _SECTIONS:
        items = [d.text for d in data.deviations if d.kind == kind]
        lines += [f"## {heading}", ""]
        lines += [f"- {text}" for text in items] if items else ["- нет"]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _ticket_request(data: ReportInput) -> Exchange | None:
    for step_id in ("X1", "A1"):
        run = data.runs.get(step_id)
        if run is not None and run.record is not None and not run.record.ok:
            return run.record
    for run in data.runs.values():
        if run.record is not None and not run.record.ok:
            return run.record
    run = data.runs.get("X1")
    return run.record if run is not None else None


def support_ticket(data: ReportInput) -> str:
    record = _ticket_request(data)
    org = data.org_name or "<ORG_NAME не задан>"
    lines = ["# Черновик обращения в поддержку QTickets", ""]
    if record is None:
        return "\n".join([*lines, "Нет отправленных запросов — обращение не из чего составить."]) + "\n"
    status = record.status_text()
    path = urlsplit(record.url).path
    lines += [
        f"**Тема:** REST API v1: {record.method} {path.rsplit('/api/rest/v1', 1)[-1] or path} не возвращает заказы "
        f"({status}) — организация «{org}»",
        "",
        "Здравствуйте!",
        "",
        "Мы забираем продажи через REST API v1. Для нашего токена запрос списка заказов не возвращает заказы, "
        "хотя продажи в кабинете есть.",
        "",
        f"- Организация: {org}",
        f"- Токен: отпечаток `{data.token_fp}` (первые 12 hex-символов SHA-256 токена; сам токен сообщим по "
        "защищённому каналу, если нужно)",
        f"- Запрос: `{_request_line(record)}`",
        "- Заголовки: "
        + "; ".join(
            f"{k}: {'Bearer <токен>' if k == 'Authorization' else v}" for k, v in record.request_headers.items()
        ),
        "- Тело запроса:" + (" нет" if record.request_body is None else ""),
    ]
    if record.request_body is not None:
        lines += _code(record.request_body, "json")
    lines.append(f"- Время запроса: {utc_text(record.started_at)} ({msk_text(record.started_at)})")
    lines.append(f"- Ответ: {status}")
    if record.answered:
        lines += _code(record.body_preview or "(пусто)")
    ids = id_like_headers(record.response_headers)
    lines.append("- request_id: " + ("; ".join(f"{k}: {v}" for k, v in ids) if ids else "в заголовках ответа нет"))
    retry = data.retry
    if retry is not None:
        if retry.repeat is not None:
            lines.append(
                f"- Повтор того же запроса через {retry.delay_s:g} с: {retry.repeat.status_text()} "
                f"({utc_text(retry.repeat.started_at)})"
            )
        if retry.head is not None:
            lines.append(
                f"- HEAD того же URL (curl -I): {retry.head.status_text()} ({utc_text(retry.head.started_at)})"
            )
    lines += [
        "",
        "Что мы уже проверили (все запросы и ответы — в приложенном архиве qtickets_orders_debug.tar.gz):",
        "",
    ]
    for step_id, run in data.runs.items():
        if run.record is None:
            continue
        lines.append(f"- {step_id}: `{short_request(run, data.base_url)}` → {run.record.status_text()}")
    lines += [
        "",
        "Подскажите, пожалуйста, какие параметры нужны, чтобы получить список оплаченных заказов за период "
        "(например, payed_at не раньше заданной даты), и проверьте работу GET /orders для нашего токена.",
        "",
        "Спасибо!",
    ]
    return "\n".join(lines).rstrip() + "\n"
