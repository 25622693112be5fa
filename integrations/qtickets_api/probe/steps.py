"""The plan as data: the runbook's requests (A–E) exactly as its curl lines send them, and the additions
(X1–X5) that test what the runbook never did. Each step says what filter it asks for, so the diagnosis
can check on the client side whether the server honoured it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from ..domain.moscow import MOSCOW, api_datetime
from .exchange import Exchange

# The runbook's own body for E1 and E2, with its fixed dates, as it tells the reader to create the files.
RUNBOOK_FILTER_BODY: dict[str, Any] = {
    "filters": [
        {"column": "payed", "operator": "=", "value": 1},
        {"column": "payed_at", "operator": ">=", "value": "2025-10-01T00:00:00+03:00"},
        {"column": "payed_at", "operator": "<", "value": "2025-11-03T23:59:59+03:00"},
    ],
    "page": 1,
    "per_page": 200,
}
JSON_HEADERS = (("Content-Type", "application/json"),)
DOC_HEADERS = (("Accept", "application/json"), ("Content-Type", "application/json"), ("Cache-Control", "no-cache"))


@dataclass(frozen=True)
class Check:
    """The filter a list request asks for; judged against the items that come back."""

    payed: bool = False
    since: datetime | None = None
    # the field ``since`` applies to; None = the runbook's vague ``since`` (any of payed/updated/created)
    since_field: str | None = None
    per_page: int | None = None
    newest_first: bool = False

    @property
    def filters(self) -> bool:
        return self.payed or self.since is not None


@dataclass(frozen=True)
class StepSpec:
    id: str
    slug: str
    title: str  # Russian, for the report
    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    body: Any = None
    body_file: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    addition: bool = False
    write: bool = False
    check: Check = field(default_factory=Check)
    condition: str = ""  # when it runs, for the plan (English)
    retry_on_503: bool = True

    @property
    def stem(self) -> str:
        return f"step{self.id}_{self.slug}"

    def url(self, base_url: str) -> str:
        url = f"{base_url.rstrip('/')}/{self.path}"
        if self.query:
            url += "?" + "&".join(f"{key}={value}" for key, value in self.query)
        return url

    def body_file_text(self) -> str:
        return json.dumps(self.body, ensure_ascii=False, indent=2) + "\n"

    def content(self) -> bytes | None:
        if self.body is None:
            return None
        if self.body_file:
            # curl --data @file sends the file with its line breaks removed
            return self.body_file_text().replace("\r", "").replace("\n", "").encode()
        return json.dumps(self.body, ensure_ascii=False, separators=(",", ":")).encode()

    def header_dict(self) -> dict[str, str]:
        return dict(self.headers)


@dataclass(frozen=True)
class Context:
    base_url: str
    org_name: str
    now: datetime
    since_days: int = 30

    @property
    def since(self) -> datetime:
        return self.now - timedelta(days=self.since_days)

    @property
    def since24(self) -> datetime:
        return self.now - timedelta(hours=24)

    @property
    def since90(self) -> datetime:
        return self.now - timedelta(days=90)

    @property
    def org_param(self) -> str:
        return quote(self.org_name, safe="")


def curl_time(moment: datetime) -> str:
    """What the runbook's ``date -u -d '…' +%Y-%m-%dT%H:%M:%S%z`` prints: UTC with ``+0000``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S%z")


api_time = api_datetime  # the documented-form date value, the same the loader sends


def runbook_steps(ctx: Context, *, order_id: int | str = "{ORDER_ID}") -> list[StepSpec]:
    """A1–E2 as the runbook writes them (D's id filled in when known)."""
    payed = ("payed", "1")
    page1 = ("page", "1")
    per200 = ("per_page", "200")
    org = ("organization", ctx.org_param)
    paid_check = Check(payed=True, since=ctx.since)
    d_slug = order_id if isinstance(order_id, int) else "ORDER_ID"
    return [
        StepSpec("A1", "get_orders", "GET /orders, payed=1, since 30 дней, страница 1", "GET", "orders",
                 (org, payed, ("since", curl_time(ctx.since)), page1), check=paid_check),
        StepSpec("A2", "get_orders_perpage", "то же + per_page=200", "GET", "orders",
                 (org, payed, ("since", curl_time(ctx.since)), page1, per200), check=paid_check),
        StepSpec("A3", "get_orders_page2", "то же, страница 2", "GET", "orders",
                 (org, payed, ("since", curl_time(ctx.since)), ("page", "2"), per200), check=paid_check,
                 condition="only if A1/A2 returned orders"),
        StepSpec("B1", "get_orders_status_paid", "payed=1 + status=paid", "GET", "orders",
                 (org, payed, ("status", "paid"), ("since", curl_time(ctx.since)), page1, per200),
                 check=paid_check, condition="only if A returned no orders"),
        StepSpec("B2", "get_orders_status_only", "только status=paid (без payed)", "GET", "orders",
                 (org, ("status", "paid"), ("since", curl_time(ctx.since)), page1, per200),
                 check=paid_check, condition="only if A returned no orders"),
        StepSpec("B3", "get_orders_status_completed", "payed=1 + status=completed", "GET", "orders",
                 (org, payed, ("status", "completed"), ("since", curl_time(ctx.since)), page1, per200),
                 check=paid_check, condition="only if A returned no orders"),
        StepSpec("C1", "get_orders_24h", "payed=1, since 24 часа", "GET", "orders",
                 (org, payed, ("since", curl_time(ctx.since24)), page1, per200),
                 check=Check(payed=True, since=ctx.since24)),
        StepSpec("C2", "get_orders_90d", "payed=1, since 90 дней", "GET", "orders",
                 (org, payed, ("since", curl_time(ctx.since90)), page1, per200),
                 check=Check(payed=True, since=ctx.since90)),
        StepSpec("D", f"get_orders_id_{d_slug}", f"GET /orders/{order_id}", "GET", f"orders/{order_id}", (org,),
                 condition="only when an order id is known (--order-id, else the highest id seen in A–C)"),
        StepSpec("E1", "post_filter", "POST /orders/filter с телом из исследования", "POST", "orders/filter",
                 body=RUNBOOK_FILTER_BODY, body_file="post_filter_body.json", headers=JSON_HEADERS),
        StepSpec("E2", "post_orders", "POST /orders с телом поиска (вызов СОЗДАНИЯ заказа)", "POST", "orders",
                 body=RUNBOOK_FILTER_BODY, body_file="post_orders_body.json", headers=JSON_HEADERS, write=True,
                 condition="SKIPPED unless --allow-create-order: POST /orders creates an order"),
    ]  # fmt: skip


def documented_body(ctx: Context) -> dict[str, Any]:
    return {
        "where": [
            {"column": "payed", "value": 1},
            {"column": "payed_at", "operator": ">=", "value": api_time(ctx.since)},
        ],
        "orderBy": {"id": "desc"},
        "page": 1,
        "perPage": 100,
    }


def addition_steps(ctx: Context) -> list[StepSpec]:
    """X1, X2a/b, X3 and X5; the X4 date-format steps depend on X1's answer (see ``format_steps``)."""
    return [
        StepSpec("X1", "documented_form", "документированная форма: GET + JSON-тело, where payed=1 и payed_at >=",
                 "GET", "orders", body=documented_body(ctx), headers=DOC_HEADERS, addition=True,
                 check=Check(payed=True, since=ctx.since, since_field="payed_at", newest_first=True)),
        StepSpec("X2a", "no_body", "контрольный запрос: GET /orders без тела (что сервер отдаёт по умолчанию)",
                 "GET", "orders", headers=DOC_HEADERS, addition=True),
        StepSpec("X2b", "newest_first", "контрольный запрос: тело {orderBy: id desc, perPage: 5} — первым должен "
                 "быть новейший заказ",
                 "GET", "orders", body={"orderBy": {"id": "desc"}, "perPage": 5}, headers=DOC_HEADERS, addition=True,
                 check=Check(per_page=5, newest_first=True)),
        StepSpec("X3", "per_page", "учитывается ли perPage: тело {perPage: 7}", "GET", "orders",
                 body={"perPage": 7}, headers=DOC_HEADERS, addition=True, check=Check(per_page=7)),
        StepSpec("X5", "updated_at", "фильтр updated_at >= (на нём держится загрузчик)", "GET", "orders",
                 body={"where": [{"column": "updated_at", "operator": ">=", "value": api_time(ctx.since)}],
                       "orderBy": {"id": "desc"}, "page": 1, "perPage": 100},
                 headers=DOC_HEADERS, addition=True,
                 check=Check(since=ctx.since, since_field="updated_at", newest_first=True)),
    ]  # fmt: skip


@dataclass(frozen=True)
class DateFormat:
    id: str
    slug: str
    label: str
    render: Callable[[datetime], str | int]
    intended: Callable[[datetime], datetime]  # the instant a correct reading of the value means


def _same(moment: datetime) -> datetime:
    return moment


def _midnight(moment: datetime) -> datetime:
    local = moment.astimezone(MOSCOW)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


DATE_FORMATS: tuple[DateFormat, ...] = (
    DateFormat("X4a", "payed_at_space_msk", "«YYYY-MM-DD HH:MM:SS» (МСК)", api_time, _same),
    DateFormat("X4b", "payed_at_date_only", "«YYYY-MM-DD» (дата)", lambda m: m.astimezone(MOSCOW).strftime("%Y-%m-%d"),
               _midnight),
    DateFormat("X4c", "payed_at_iso_offset", "ISO-8601 с +03:00", lambda m: m.astimezone(MOSCOW).isoformat(), _same),
    DateFormat("X4d", "payed_at_iso_utc_z", "ISO-8601 в UTC с Z",
               lambda m: m.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), _same),
    DateFormat("X4e", "payed_at_epoch", "Unix-время (секунды, число)", lambda m: int(m.timestamp()), _same),
)  # fmt: skip


def format_steps(threshold: datetime) -> list[StepSpec]:
    """One step per date format, each asking for ``payed_at >= threshold`` written that way."""
    steps = []
    for fmt in DATE_FORMATS:
        body = {
            "where": [{"column": "payed_at", "operator": ">=", "value": fmt.render(threshold)}],
            "orderBy": {"id": "desc"},
            "page": 1,
            "perPage": 100,
        }
        steps.append(
            StepSpec(
                fmt.id,
                fmt.slug,
                f"формат даты в фильтре payed_at >=: {fmt.label}",
                "GET",
                "orders",
                body=body,
                headers=DOC_HEADERS,
                addition=True,
                check=Check(since=fmt.intended(threshold), since_field="payed_at"),
                # a 503 here means "format rejected", an answer, not an outage to retry
                retry_on_503=False,
            )
        )
    return steps


def date_format(step_id: str) -> DateFormat | None:
    return next((fmt for fmt in DATE_FORMATS if fmt.id == step_id), None)


@dataclass
class StepRun:
    """A step of this run: sent (``record``) or skipped (``skipped`` says why, in Russian)."""

    spec: StepSpec
    record: Exchange | None = None
    skipped: str | None = None
