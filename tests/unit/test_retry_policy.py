from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from integrations.qtickets_api.api import QTicketsClient, RetryPolicy, parse_retry_after
from integrations.qtickets_api.errors import ApiAuthError, ApiHttpError, ApiMalformedError, ApiUnreachableError


def test_retry_after_in_seconds_and_as_http_date() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now) == 30.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def scripted(responses: list[httpx.Response | Exception]) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = responses[min(len(seen) - 1, len(responses) - 1)]
        if isinstance(item, Exception):
            raise item
        return item

    return httpx.MockTransport(handler), seen


def client(transport: httpx.MockTransport, attempts: int = 4, sleeps: list[float] | None = None) -> QTicketsClient:
    record = sleeps if sleeps is not None else []
    return QTicketsClient(
        "http://q.test/api/rest/v1", "secret-token", transport=transport,
        retry=RetryPolicy(max_attempts=attempts, budget_s=1000), sleep=record.append,
    )  # fmt: skip


def test_429_honours_retry_after_then_succeeds() -> None:
    ok = httpx.Response(200, json={"data": [], "paging": {"perPage": 50, "currentPage": 1, "total": 0}})
    transport, seen = scripted([httpx.Response(429, headers={"Retry-After": "3"}), httpx.Response(503), ok])
    sleeps: list[float] = []
    c = client(transport, sleeps=sleeps)
    page = c.list_page("orders", {"page": 1})
    assert page.items == [] and len(seen) == 3
    assert sleeps[0] == 3.0 and 0 < sleeps[1] <= 1.5
    assert c.stats.retries == 2 and c.stats.requests == 3


def test_list_calls_send_a_json_body_on_get_with_the_bearer_token() -> None:
    ok = httpx.Response(200, json={"data": [], "paging": {"perPage": 10, "currentPage": 1, "total": 0}})
    transport, seen = scripted([ok])
    client(transport).list_page("orders", {"where": [{"column": "payed", "value": 1}], "perPage": 10})
    request = seen[0]
    assert request.method == "GET" and request.url.path == "/api/rest/v1/orders" and not request.url.query
    assert request.headers["Authorization"] == "Bearer secret-token"
    assert request.headers["Content-Type"] == "application/json"
    assert b'"where"' in request.content


@pytest.mark.parametrize(
    ("responses", "error"),
    [
        ([httpx.Response(403, json={"error": "denied", "status": 403})], ApiAuthError),
        ([httpx.Response(404, text="<html>404</html>")], ApiHttpError),
        ([httpx.Response(503, json={"error": "Unknown error", "code": "UNKNOWN_ERROR"})], ApiHttpError),
        ([httpx.Response(200, text="<html>oops</html>")], ApiMalformedError),
        ([httpx.Response(200, text='{"data": [{"id": 1')], ApiMalformedError),
        ([httpx.ConnectError("refused")], ApiUnreachableError),
        ([httpx.ReadTimeout("slow")], ApiUnreachableError),
        ([httpx.RemoteProtocolError("peer closed connection")], ApiUnreachableError),
    ],
)
def test_failures_end_in_one_clear_error_after_bounded_attempts(responses: list, error: type) -> None:  # type: ignore[type-arg]
    transport, seen = scripted(responses)
    with pytest.raises(error) as info:
        client(transport, attempts=3).get_json("orders", {})
    retryable = error is not ApiAuthError and not (error is ApiHttpError and "404" in str(info.value))
    assert len(seen) == (3 if retryable else 1)
    assert "secret-token" not in info.value.one_line()


def test_budget_stops_before_a_wait_that_would_exceed_it() -> None:
    transport, seen = scripted([httpx.Response(429, headers={"Retry-After": "100"})])
    c = QTicketsClient("http://q.test/api/rest/v1", "t", transport=transport,
                       retry=RetryPolicy(max_attempts=10, budget_s=50))  # fmt: skip
    with pytest.raises(ApiHttpError):
        c.get_json("orders")
    assert len(seen) == 1


def test_keyset_paging_detects_a_stripped_body() -> None:
    oldest = {"data": [{"id": i} for i in range(1, 51)], "paging": {"perPage": 50, "currentPage": 1, "total": 999}}
    transport, _ = scripted([httpx.Response(200, json=oldest)])
    pages = client(transport).iter_by_id("orders", [], per_page=50)
    assert len(next(pages)) == 50
    with pytest.raises(ApiMalformedError, match="ignored the JSON body"):
        next(pages)
