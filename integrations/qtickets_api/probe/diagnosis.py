"""From records to a verdict: was each filter honoured, was the body read, which form returns the sales.

Every judgement is computed from what came back (the items' own ids and dates), never from what a
request hoped for: a filter counts as honoured only when every returned order satisfies it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Literal

from ..domain.moscow import MOSCOW
from ..storage import schema
from .exchange import Exchange, ItemDigest, both_times, id_like_headers, msk_text
from .steps import Check, StepRun, date_format

EXIT_FOUND = 0
EXIT_NONE = 1
EXIT_COULD_NOT_RUN = 2

Outcome = Literal["working", "body_dropped", "auth", "errors", "no_recent", "unclear", "unreachable"]

LOADER_FORM = (
    "Загрузчик уже использует GET /orders с JSON-телом: условие where по updated_at (от начала окна до его конца, "
    "время МСК в виде «YYYY-MM-DD HH:MM:SS»), сортировка orderBy по id, листание по условию «id больше последнего "
    "полученного»; строку запроса он не использует."
)
CONSOLE_API_PAGE = "Настройки → Основное → API"  # where the organiser generates a token
# Steps whose answer can count as "a form that returns sales" (not the canary, the page-size check or D).
_NOT_A_FORM = frozenset({"X2a", "X2b", "X3", "D", "F1h"})
_PREFERRED = ("X1", "X5")
_NOT_A_QUERY = frozenset({"D", "F1", "F1h"})


@dataclass
class Judgement:
    honoured: bool | None  # None: nothing to judge (no items, no filter, or not a list)
    violations: int
    note: str


@dataclass
class Canary:
    verdict: Literal["read", "ignored", "unknown"]
    note: str


@dataclass
class FormatVerdict:
    step_id: str
    label: str
    value: str
    kind: Literal["accepted", "rejected", "ignored", "misread", "unknown"]
    note: str


@dataclass
class RetryResult:
    """F1: the first request that answered 503, repeated after a pause, and a HEAD to the same URL."""

    source: StepRun
    delay_s: float
    repeat: Exchange | None
    head: Exchange | None
    note: str = ""


@dataclass
class LoaderOutcome:
    """G: the loader run over the window that covers the orders found, and the two ClickHouse checks."""

    since: datetime
    until: datetime
    form: str
    status: str = "not run"  # success | failed
    error: str = ""
    rows: dict[str, int] = field(default_factory=dict)
    stg_count: int | None = None
    stg_text: str = ""
    fact_text: str = ""


@dataclass(frozen=True)
class Commands:
    """Command lines the diagnosis may tell the organiser to run, built from this run's own env file and folder,
    so that each runs as printed."""

    loader: str = "python -m integrations.qtickets_api.loader"
    probe_again: str = "python -m integrations.qtickets_api.probe"
    probe_90_days: str = "python -m integrations.qtickets_api.probe --since-days 90"
    probe_wait_503: str = "python -m integrations.qtickets_api.probe --retry-503-after 300"
    envfile: str = ""  # as shown to a person; empty: the settings came from the environment
    api_host: str = "qtickets.ru"

    def backfill(self, since: date) -> str:
        return f"{self.loader} --since {since:%Y-%m-%d}"


@dataclass
class Diagnosis:
    outcome: Outcome
    exit_code: int
    headline: str
    findings: list[str]
    conclusion: list[str]
    next_steps: list[str]
    working: list[str]
    canary: Canary
    formats: list[FormatVerdict]
    judgements: dict[str, Judgement]
    ticket_needed: bool
    no_ticket_reason: str = ""


def count_of(n: int, one: str, few: str, many: str) -> str:
    """``n`` with the Russian plural form of a noun: 1 заказ, 3 заказа, 5 заказов, 21 заказ."""
    tail = n % 100
    if 11 <= tail <= 14:
        form = many
    elif tail % 10 == 1:
        form = one
    elif 2 <= tail % 10 <= 4:
        form = few
    else:
        form = many
    return f"{n} {form}"


def orders_count(n: int) -> str:
    return count_of(n, "заказ", "заказа", "заказов")


# --- single steps -------------------------------------------------------------------------------------


def _item_since(item: ItemDigest, check: Check) -> datetime | None:
    if check.since_field:
        return item.ts(check.since_field)
    stamps = [ts for ts in (item.ts("payed_at"), item.ts("updated_at"), item.ts("created_at")) if ts is not None]
    return max(stamps) if stamps else None


def violations(record: Exchange, check: Check) -> int:
    bad = 0
    for item in record.items:
        stamp = _item_since(item, check)
        if (check.payed and item.payed is not True) or (
            check.since is not None and (stamp is None or stamp < check.since)
        ):
            bad += 1
    return bad


def _span_text(record: Exchange, name: str) -> str:
    span = record.span(name)
    if span is None:
        return ""
    low, high = (msk_text(ts)[:10] for ts in span)
    return low if low == high else f"{low}…{high}"


def _ids_text(record: Exchange) -> str:
    ids = record.ids
    if not ids:
        return ""
    return f"id {ids[0]}" if len(ids) == 1 else f"id {ids[0]}…{ids[-1]}"


def _error_note(run: StepRun, record: Exchange) -> str:
    status = record.status
    if record.body_kind == "html" and status == 404:
        return "HTML-страница 404: такого метода в API нет"
    if status in (401, 403):
        return f"HTTP {status}: токен отклонён"
    if status == 503 and record.error_code:
        note = f"503 {record.error_code}"
        if run.spec.write:
            note += ": это вызов СОЗДАНИЯ заказа, тело поиска он не понимает"
        elif date_format(run.spec.id) is not None:
            note += ": значение отклонено"
        return note
    if status is not None and 300 <= status < 400:
        location = next((value for name, value in record.response_headers if name.lower() == "location"), "")
        return f"HTTP {status}: перенаправление на {location or '(адрес не указан)'} — проба по нему не идёт"
    preview = record.body_preview[:80]
    return f"HTTP {status}" + (f": {preview}" if preview else "")


def judge(run: StepRun, baseline: Exchange | None) -> Judgement:
    if run.skipped is not None:
        return Judgement(None, 0, f"пропущен: {run.skipped}")
    record = run.record
    if record is None or not record.answered:
        error = record.transport_error if record else "не отправлен"
        return Judgement(None, 0, f"нет ответа: {error}")
    if record.method == "HEAD":
        ids = id_like_headers(record.response_headers)
        shown = "; ".join(f"{k}: {v}" for k, v in ids) if ids else "request_id в заголовках нет"
        return Judgement(None, 0, f"HEAD: HTTP {record.status} ({shown})")
    if not record.ok:
        return Judgement(None, 0, _error_note(run, record))
    if record.body_kind != "json":
        return Judgement(None, 0, f"HTTP 200, но не JSON ({record.body_kind})")
    if run.spec.write and record.items:
        return Judgement(
            None, 0, f"ВНИМАНИЕ: ответ похож на созданный заказ {_ids_text(record)} — проверьте и отмените в кабинете"
        )
    check = run.spec.check
    n = record.item_count
    if run.spec.id == "D":
        return Judgement(None, 0, f"заказ найден ({_ids_text(record)}): токен видит заказы")
    if check.per_page is not None and not check.filters:
        return _judge_per_page(record, check.per_page)
    if n == 0:
        return Judgement(None, 0, "пусто: 0 элементов" + (f" (paging.total={record.total})" if record.total else ""))
    if not check.filters:
        items = count_of(n, "элемент", "элемента", "элементов")
        return Judgement(None, 0, f"{items}, {_ids_text(record)}, созданы {_span_text(record, 'created_at')}")
    bad = violations(record, check)
    dates = f"созданы {_span_text(record, 'created_at')}"
    if bad == 0:
        paid = _span_text(record, "payed_at")
        field_text = (
            f"оплачены {paid}" if check.since_field != "updated_at" else f"изменены {_span_text(record, 'updated_at')}"
        )
        order = ""
        if check.newest_first and record.ids != sorted(record.ids, reverse=True):
            order = "; но порядок id desc не соблюдён"
        return Judgement(True, 0, f"фильтр соблюдён: {orders_count(n)}, {_ids_text(record)}, {field_text}{order}")
    same_as_default = baseline is not None and baseline.ok and baseline.ids and record.ids[:50] == baseline.ids[:50]
    if bad == n:
        note = f"фильтры не применены: {orders_count(n)} {_ids_text(record)}, {dates}"
        if not run.spec.body and run.spec.query:
            note += " — строка запроса игнорируется"
        if same_as_default:
            note += "; ответ совпадает с запросом без параметров (X2a)"
        return Judgement(False, bad, note)
    return Judgement(False, bad, f"{bad} из {n} заказов не подходят под фильтр; {_ids_text(record)}, {dates}")


def _judge_per_page(record: Exchange, asked: int) -> Judgement:
    paging_pp = record.paging.get("perPage") if record.paging else None
    if record.item_count == asked and paging_pp in (asked, None):
        return Judgement(True, 0, f"perPage учтён: {record.item_count} записей, paging.perPage={paging_pp}")
    return Judgement(
        False, 1, f"perPage не учтён: просили {asked}, пришло {record.item_count}, paging.perPage={paging_pp}"
    )


# --- the canary and the date formats ----------------------------------------------------------------------


def canary(runs: dict[str, StepRun]) -> Canary:
    plain = runs.get("X2a")
    desc = runs.get("X2b")
    a = plain.record if plain else None
    b = desc.record if desc else None
    if a is None or b is None or not a.ok or not b.ok or not a.ids or not b.ids:
        shown = ", ".join(f"{name}: {r.status_text() if r else 'не отправлен'}" for name, r in (("X2a", a), ("X2b", b)))
        return Canary("unknown", f"контрольный запрос не удался ({shown})")
    newest_seen = max((i for run in runs.values() if run.record for i in run.record.ids), default=0)
    if b.ids[0] == a.ids[0]:
        return Canary(
            "ignored",
            f"тело проигнорировано или отброшено по пути: с {{orderBy: id desc}} первым пришёл тот же самый старый "
            f"заказ id={a.ids[0]}, что и без тела ({b.item_count} записей вместо 5)",
        )
    if b.ids[0] > a.ids[0] and b.ids == sorted(b.ids, reverse=True) and b.ids[0] >= newest_seen:
        return Canary(
            "read",
            f"тело прочитано: первым пришёл новейший заказ id={b.ids[0]} (без тела первым идёт id={a.ids[0]})",
        )
    return Canary("unknown", f"неоднозначно: с телом первым пришёл id={b.ids[0]}, без тела id={a.ids[0]}")


def date_formats(runs: dict[str, StepRun], can: Canary, baseline: Exchange | None) -> list[FormatVerdict]:
    verdicts: list[FormatVerdict] = []
    reference: Exchange | None = None
    for step_id, run in runs.items():
        fmt = date_format(step_id)
        if fmt is None:
            continue
        value = ""
        if isinstance(run.spec.body, dict):
            value = str(run.spec.body["where"][0]["value"])
        record = run.record
        kind: Literal["accepted", "rejected", "ignored", "misread", "unknown"]
        if run.skipped is not None or record is None or not record.answered:
            kind, note = "unknown", "не проверен" + (f": {run.skipped}" if run.skipped else "")
        elif not record.ok and (baseline is None or not baseline.ok):
            kind, note = "unknown", f"не проверить: {record.status_text()}, но и запрос без фильтров (X2a) не прошёл"
        elif not record.ok:
            kind, note = "rejected", f"отклонён: {record.status_text()} {record.error_code or ''}".strip()
        elif can.verdict == "ignored":
            kind, note = "unknown", "не проверить: тело запроса не доходит до сервера"
        else:
            check = run.spec.check
            bad = violations(record, check)
            total = record.total
            if baseline is not None and baseline.total is not None and total == baseline.total and bad:
                kind, note = "ignored", f"проигнорирован: total={total}, как без фильтра"
            elif bad:
                earliest = min(
                    (ts for ts in (item.ts("payed_at") for item in record.items) if ts is not None),
                    default=None,
                )
                shift = ""
                if earliest is not None and check.since is not None:
                    hours = (check.since - earliest) / timedelta(hours=1)
                    shift = f" (до {hours:.1f} ч раньше)"
                    if value.endswith(("Z", "+00:00")) and hours <= 3.0 + 1 / 60:
                        shift += ": пояс отброшен, время UTC прочитано как МСК (порог сдвинулся на 3 ч)"
                kind = "misread"
                note = f"понят неверно: {bad} из {record.item_count} оплачены раньше порога{shift}"
            elif (
                reference is not None
                and reference.total is not None
                and total is not None
                and total > reference.total
                and check.since == runs["X4a"].spec.check.since
            ):
                kind = "misread"
                note = f"понят неверно: total={total} больше, чем при «YYYY-MM-DD HH:MM:SS» ({reference.total})"
            else:
                kind, note = "accepted", f"принят: фильтрует верно (total={total}, {record.item_count} на странице)"
            if step_id == "X4a" and kind == "accepted":
                reference = record
        verdicts.append(FormatVerdict(step_id, fmt.label, value, kind, note))
    return verdicts


# --- the whole run ------------------------------------------------------------------------------------------


def judge_all(runs: dict[str, StepRun]) -> dict[str, Judgement]:
    baseline = runs["X2a"].record if "X2a" in runs else None
    return {step_id: judge(run, baseline) for step_id, run in runs.items()}


def working_forms(runs: dict[str, StepRun], judgements: dict[str, Judgement]) -> list[str]:
    found = [
        step_id
        for step_id, run in runs.items()
        if step_id not in _NOT_A_FORM
        and not run.spec.write
        and judgements[step_id].honoured
        and run.record is not None
        and run.record.item_count > 0
    ]
    return sorted(found, key=lambda s: (_PREFERRED.index(s) if s in _PREFERRED else len(_PREFERRED), s))


def _ok(record: Exchange | None) -> bool:
    return record is not None and record.ok


def _group_text(ids: list[str]) -> str:
    return ", ".join(ids)


def diagnose(
    runs: dict[str, StepRun],
    *,
    since: datetime,
    retry: RetryResult | None,
    loader: LoaderOutcome | None,
    proxy_note: str = "",
    commands: Commands | None = None,
    zone: tzinfo = MOSCOW,
) -> Diagnosis:
    judgements = judge_all(runs)
    baseline = runs["X2a"].record if "X2a" in runs else None
    can = canary(runs)
    formats = date_formats(runs, can, baseline)
    if "X2b" in judgements and runs["X2b"].record is not None:
        read = {"read": True, "ignored": False}.get(can.verdict)
        judgements["X2b"] = Judgement(read, 0, f"контрольный запрос: {can.note}")
    for verdict in formats:
        honoured = {"accepted": True, "unknown": None}.get(verdict.kind, False)
        judgements[verdict.step_id] = Judgement(honoured, judgements[verdict.step_id].violations, verdict.note)
    working = working_forms(runs, judgements)
    sent = {k: r for k, r in runs.items() if r.record is not None}
    answered = {k: r for k, r in sent.items() if r.record is not None and r.record.answered}
    # an unknown route (E1's HTML 404) answers before the token is looked at; a HEAD has no body to judge
    statuses = {
        r.record.status
        for r in answered.values()
        if r.record is not None
        and r.record.method != "HEAD"
        and not (r.record.status == 404 and r.record.body_kind == "html")
    }
    returned = [k for k, r in answered.items() if r.record is not None and r.record.ok and r.record.item_count > 0]

    findings = _findings(runs, judgements, can, formats, retry, loader, proxy_note)

    if sent and not answered:
        outcome: Outcome = "unreachable"
    elif working:
        outcome = "working"
    elif can.verdict == "ignored":
        outcome = "body_dropped"
    elif statuses and statuses <= {401, 403}:
        outcome = "auth"
    elif not returned:
        outcome = "errors"
    elif can.verdict == "read":
        outcome = "no_recent"
    else:
        outcome = "unclear"

    headline, conclusion, next_steps = _conclusion(
        outcome,
        runs,
        judgements,
        can,
        working,
        since,
        retry,
        loader,
        proxy_note,
        len(sent),
        commands or Commands(),
        zone,
    )
    exit_code = {"working": EXIT_FOUND, "unreachable": EXIT_COULD_NOT_RUN}.get(outcome, EXIT_NONE)
    return Diagnosis(
        outcome=outcome,
        exit_code=exit_code,
        headline=headline,
        findings=findings,
        conclusion=conclusion,
        next_steps=next_steps,
        working=working,
        canary=can,
        formats=formats,
        judgements=judgements,
        ticket_needed=outcome in ("errors", "no_recent", "unclear"),
        no_ticket_reason=_NO_TICKET.get(outcome, ""),
    )


_NO_TICKET: dict[Outcome, str] = {
    "working": "рабочая форма запроса найдена, вопросов к QTickets нет",
    "auth": f"QTickets отклоняет токен — это решается новым токеном ({CONSOLE_API_PAGE}), а не обращением",
    "body_dropped": "тело запроса теряется по пути к QTickets (прокси или шлюз) — сначала это нужно исправить у себя",
    "unreachable": "API не ответил ни на один запрос — сначала нужно проверить адрес и сеть",
}


def _findings(
    runs: dict[str, StepRun],
    judgements: dict[str, Judgement],
    can: Canary,
    formats: list[FormatVerdict],
    retry: RetryResult | None,
    loader: LoaderOutcome | None,
    proxy_note: str,
) -> list[str]:
    out: list[str] = []
    query_steps = [
        k
        for k, r in runs.items()
        if r.spec.query and not r.spec.body and k not in _NOT_A_QUERY and r.record is not None
    ]
    ignored = [k for k in query_steps if judgements[k].honoured is False]
    if ignored:
        first = runs[ignored[0]].record
        assert first is not None
        same = "; ответ совпадает с запросом без параметров (X2a)" if "X2a" in judgements[ignored[0]].note else ""
        out.append(
            f"Строка запроса игнорируется: {_group_text(ignored)} вернули заказы, не подходящие под свои же фильтры "
            f"(payed/since/page/per_page) — {first.item_count} заказов {_ids_text(first)}, созданы "
            f"{_span_text(first, 'created_at')}{same}."
        )
    honoured_q = [k for k in query_steps if judgements[k].honoured]
    if honoured_q:
        out.append(f"Фильтры в строке запроса сработали в шагах {_group_text(honoured_q)}.")
    failing_q = [k for k in query_steps if not _ok(runs[k].record)]
    if failing_q:
        out.append(
            f"Шаги со строкой запроса без ответа 200: {_group_text(failing_q)} ({judgements[failing_q[0]].note})."
        )
    for step_id in ("D", "E1", "E2"):
        if step_id in runs:
            out.append(f"{step_id} ({runs[step_id].spec.title}): {judgements[step_id].note}.")
    out.append(f"Контрольный запрос (X2), читает ли сервер тело: {can.note}.")
    if "X3" in runs:
        out.append(f"perPage (X3): {judgements['X3'].note}.")
    for step_id in ("X1", "X5"):
        if step_id in runs:
            out.append(f"{step_id} ({runs[step_id].spec.title}): {judgements[step_id].note}.")
    if formats:
        parts = "; ".join(f"{v.label} — {v.note}" for v in formats)
        out.append(f"Форматы даты в фильтре payed_at (X4): {parts}.")
    if retry is not None:
        out.append(f"F1 (повтор 503): {retry.note}")
    if loader is not None:
        out.append(f"G (загрузчик): {_loader_text(loader)}")
    if proxy_note:
        out.append(proxy_note)
    return out


_RUN_FIGURES = {
    "orders_fetched": "заказов получено",
    "fact_months_rebuilt": "месяцев фактов пересобрано",
    "payload_fields_dropped": "полей с личными данными не сохранено",
    "inventory_shows_skipped": "сеансов без новой схемы зала",
}


def rows_text(rows: dict[str, int]) -> str:
    """A loader run's counters in words: rows per table (tables keep their names, the runbook's checks use them),
    then the run's other figures in Russian; counters without a Russian name are left out."""
    tables = {table.name for table in schema.ALL}
    parts = [f"{name} — {n}" for name, n in rows.items() if name in tables]
    parts += [f"{label}: {rows[key]}" for key, label in _RUN_FIGURES.items() if key in rows]
    return "; ".join(parts) or "нет"


def _loader_text(loader: LoaderOutcome) -> str:
    window = f"окно {both_times(loader.since)} … {both_times(loader.until)}"
    if loader.status == "success":
        stg = ""
        if loader.stg_count is not None:
            stg = f"; в stg_qtickets_api_orders_raw {count_of(loader.stg_count, 'строка', 'строки', 'строк')}"
        return (
            f"запущен с формой {loader.form}, {window}: успешно, заказов получено "
            f"{loader.rows.get('orders_fetched', 0)}, записано версий заказов "
            f"{loader.rows.get('stg_qtickets_api_orders_raw', 0)}{stg}."
        )
    return f"запущен ({window}), но завершился ошибкой: {loader.error}"


def _earliest_order(runs: dict[str, StepRun], zone: tzinfo) -> date | None:
    """The creation day of the oldest order any step returned (X2a without a body lists the oldest first)."""
    stamps = [
        span[0]
        for run in runs.values()
        if run.record is not None and run.record.ok and (span := run.record.span("created_at")) is not None
    ]
    return min(stamps).astimezone(zone).date() if stamps else None


def _cmd(command: str) -> str:
    return f"`{command}`"


def _conclusion(
    outcome: Outcome,
    runs: dict[str, StepRun],
    judgements: dict[str, Judgement],
    can: Canary,
    working: list[str],
    since: datetime,
    retry: RetryResult | None,
    loader: LoaderOutcome | None,
    proxy_note: str,
    sent: int,
    commands: Commands,
    zone: tzinfo,
) -> tuple[str, list[str], list[str]]:
    since_text = msk_text(since)
    envfile = f"в {commands.envfile}" if commands.envfile else "в переменных окружения, с которыми запущена проба"
    if outcome == "working":
        main = working[0]
        record = runs[main].record
        assert record is not None
        total = f" (всего по paging.total: {record.total})" if record.total is not None else ""
        uses_body = bool(runs[main].spec.body)
        form = "GET /orders с JSON-телом (where/orderBy/page/perPage)" if uses_body else runs[main].spec.title
        headline = f"Рабочая форма найдена: {form} — шаг {main} вернул {orders_count(record.item_count)}{total}."
        conclusion = [
            f"Продажи отдаёт {form}: {judgements[main].note}. Все рабочие формы: {_group_text(working)}.",
        ]
        if any(judgements[k].honoured is False for k, r in runs.items() if r.spec.query and not r.spec.body):
            conclusion.append(
                "Почему «API не отдаёт продажи»: запросы из runbook передают фильтры в строке запроса, а QTickets её "
                "игнорирует и отдаёт первую страницу самых старых заказов; загрузчик, отбрасывающий заказы вне своего "
                "окна, оставлял ноль."
            )
        conclusion.append(LOADER_FORM)
        if "X5" in working:
            conclusion.append("Фильтр updated_at, на котором держится загрузчик, работает (X5).")
        elif "X5" in runs:
            conclusion.append(
                f"ВНИМАНИЕ: фильтр updated_at (X5) не сработал ({judgements['X5'].note}) — загрузчик фильтрует "
                "именно по нему, ему нужна правка (например, окно по payed_at, как в X1)."
            )
        if loader is not None and loader.status == "success":
            conclusion.append(
                "Шаг G подтвердил это на деле: загрузчик получил "
                f"{orders_count(loader.rows.get('orders_fetched', 0))}. "
                "Правка кода загрузчика, которую runbook предлагает в шаге G, не нужна."
            )
        elif loader is not None:
            conclusion.append(f"Но шаг G завершился ошибкой: {loader.error}")
        first = _earliest_order(runs, zone) or since.astimezone(zone).date()
        next_steps = [
            f"Загрузить историю продаж с самого раннего заказа, который вернул API ({first:%d.%m.%Y}), одной "
            f"командой: {_cmd(commands.backfill(first))}. Её можно повторять: повтор не задваивает заказы.",
            f"Дальше загрузчик запускается как обычно (таймер — каждые 15 минут): {_cmd(commands.loader)}; "
            "строку запроса он не использует.",
        ]
        return headline, conclusion, next_steps
    if outcome == "body_dropped":
        headline = "Рабочей формы нет: тело GET-запроса не доходит до QTickets (это показал контрольный запрос X2)."
        conclusion = [
            f"Контрольный запрос X2: {can.note}. Поэтому и документированная форма (X1) вернула самые старые заказы "
            f"без фильтров: {judgements['X1'].note if 'X1' in judgements else 'не проверена'}.",
            "Скорее всего, тело GET-запроса отбрасывает кто-то по пути — прокси, балансировщик или шлюз между этой "
            "машиной и API (многие прокси срезают тела у GET)." + (f" {proxy_note}" if proxy_note else ""),
            "Исключено: токен (сервер отвечает 200 и отдаёт заказы), недоступность API, формат дат (фильтр вообще не "
            "доходит до сервера).",
            LOADER_FORM + " В этом окружении он работать не сможет: его фильтры тоже в теле GET-запроса, и он "
            "остановится с ошибкой о том, что тело запроса не дошло до QTickets.",
        ]
        next_steps = [
            "Запустить пробу в обход прокси (NO_PROXY — адреса, к которым прокси не применяется) и сравнить шаг X2: "
            f"{_cmd(f'NO_PROXY={commands.api_host} {commands.probe_again}')}; или запустить её на машине без прокси.",
            "Настроить прокси или шлюз так, чтобы он пропускал тело у GET-запросов (заголовки Content-Length и "
            "Content-Type).",
            "Только если и без прокси контрольный запрос X2 покажет то же — писать в поддержку QTickets: читает ли API "
            "тело GET-запроса.",
        ]
        return headline, conclusion, next_steps
    if outcome == "unreachable":
        record = next(r.record for r in runs.values() if r.record is not None)
        headline = "Проба не смогла поговорить с API: ни один запрос не получил ответа."
        return (
            headline,
            [f"Первая ошибка: {record.transport_error}. Ничего о формах запроса отсюда не следует."],
            [
                f"Проверить QTICKETS_API_BASE_URL {envfile}, DNS, сеть и прокси этой машины; затем повторить пробу: "
                f"{_cmd(commands.probe_again)}."
            ],
        )
    failing = [(k, r.record) for k, r in runs.items() if r.record is not None and r.record.answered and not r.record.ok]
    codes = sorted({f"{rec.status} {rec.error_code or ''}".strip() for _, rec in failing if rec.method != "HEAD"})
    rules_out: list[str] = []
    if outcome == "auth":
        refused = [(k, rec) for k, rec in failing if rec.status in (401, 403)]
        status = "/".join(f"HTTP {code}" for code in sorted({rec.status or 0 for _, rec in refused}))
        answers = sorted({f"«{rec.error_code}»" for _, rec in refused if rec.error_code})
        unknown = [k for k, rec in failing if rec.status == 404 and rec.body_kind == "html"]
        aside = (
            f" ({_group_text(unknown)} ответил HTML-страницей 404: такого метода в API нет, и до проверки токена дело "
            "не дошло)"
            if unknown
            else ""
        )
        headline = (
            f"Токен отклонён: QTickets ответил {status} на все запросы к API. "
            f"Сгенерируйте новый токен в {CONSOLE_API_PAGE}."
        )
        conclusion = [
            f"Запросов к методам API — {len(refused)}, и все получили {status}"
            + (f" с ответом {', '.join(answers)}" if answers else "")
            + f"{aside}: QTickets не принимает этот токен "
            "(отозван, с опечаткой или выдан для другого кабинета). Пока токен не принят, остальные гипотезы "
            "runbook проверить нельзя: формы запроса, фильтры и даты здесь ни при чём.",
            "Обращение в поддержку QTickets не нужно: новый токен организатор выпускает сам.",
            LOADER_FORM,
        ]
        next_steps = [
            f"Сгенерировать новый токен в кабинете QTickets: {CONSOLE_API_PAGE} → «Сгенерировать токен». Runbook "
            "запрещает менять секреты до конца проверки — с этим токеном проверка закончена, продолжить её можно "
            "только с новым.",
            f"Записать его в QTICKETS_API_TOKEN {envfile} (только сам токен, без слова Bearer). Отпечаток старого "
            "токена — в step00_env.txt: по нему видно, что в файле теперь другой.",
            f"Повторить пробу: {_cmd(commands.probe_again)}.",
        ]
        return headline, conclusion, next_steps
    if outcome == "errors":
        headline = "Ни одна форма не вернула заказы: " + (
            f"все {sent} запросов ответили ошибкой ({', '.join(codes)})."
            if len(failing) == sent
            else "ответы пустые или ошибочные."
        )
        tried = [
            "GET /orders со строкой запроса (payed/status/since, A–C)",
            "GET /orders с JSON-телом — документированная форма (X1), фильтр updated_at (X5)",
            "GET /orders совсем без параметров и без тела (X2a)",
            "POST /orders/filter (E1)",
        ]
        if "E2" in runs and runs["E2"].record is not None:
            tried.append("POST /orders (E2)")
        rules_out.append(
            "Форма запроса как единственная причина: падает даже запрос без параметров (X2a) и документированная "
            "форма (X1)."
            if "X2a" in runs and runs["X2a"].record is not None and not runs["X2a"].record.ok
            else ""
        )
        if not any(rec.status in (401, 403) for _, rec in failing):
            rules_out.append("Токен: с неверным токеном API отвечает 403, а здесь 403 не было.")
        rules_out.append("Сеть: сервер отвечает (HTTP-ответы получены).")
        if retry is not None and retry.repeat is not None and retry.repeat.status == 503:
            if retry.delay_s >= 60:
                rules_out.append(f"Кратковременный сбой: повтор через {retry.delay_s:g} с (F1) снова дал 503.")
            else:
                rules_out.append(
                    f"(Не исключено: временный сбой — повтор был через {retry.delay_s:g} с, этого мало; runbook "
                    f"просит 5 минут: {_cmd(commands.probe_wait_503)}.)"
                )
        conclusion = [
            "Проверено: " + "; ".join(tried) + ".",
            "Что это исключает: " + " ".join(r for r in rules_out if r),
            "Остаётся ошибка на стороне QTickets для этого аккаунта или токена: нужен ответ поддержки "
            "(черновик обращения — support_ticket.md).",
            LOADER_FORM,
        ]
        next_steps = [
            "Отправить support_ticket.md в поддержку QTickets (приложить qtickets_orders_debug.tar.gz).",
            "Спросить: какие параметры нужны для списка оплаченных заказов за период, и проверить метод для "
            "нашего токена.",
        ]
        return headline, conclusion, next_steps
    if outcome == "no_recent":
        headline = f"Рабочей формы нет: API читает тело, но заказов с {since_text} не нашлось."
        conclusion = [
            f"Контрольный запрос X2: {can.note}. Фильтры X1/X5 применяются, но возвращают 0 заказов с {since_text}.",
            "Значит, либо продаж в окне действительно не было, либо токен принадлежит другой организации/кабинету.",
            LOADER_FORM,
        ]
        next_steps = [
            f"Повторить пробу с окном 90 дней: {_cmd(commands.probe_90_days)}; если известен номер заказа из "
            "письма, добавить к этой команде --order-id и номер.",
            "Если заказ из письма токен не видит (шаг D) — отправить support_ticket.md.",
        ]
        return headline, conclusion, next_steps
    headline = "Рабочей формы нет, и причина однозначно не определилась."
    conclusion = [f"Контрольный запрос X2: {can.note}.", LOADER_FORM]
    next_steps = ["Изучить таблицу и ответы выше; отправить support_ticket.md в поддержку QTickets."]
    return headline, conclusion, next_steps
