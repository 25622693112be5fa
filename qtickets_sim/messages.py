"""HTTP messages: the parsed request, and answers as the API (JSON) or nginx / Laravel (HTML) send them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec

JSON_TYPE = "application/json"
HTML_TYPE = "text/html; charset=UTF-8"
TEXT_TYPE = "text/plain; charset=UTF-8"

REASONS = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Time-out",
}


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # without the query string, which the server ignores
    headers: dict[str, str]  # lower-case names
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json_body(self) -> dict[str, Any]:
        """The body as the server reads it: only a JSON object sent as application/json, else nothing."""
        content_type = (self.header("content-type") or "").split(";", 1)[0].strip().lower()
        if content_type != JSON_TYPE or not self.body:
            return {}
        try:
            data = msgspec.json.decode(self.body)
        except msgspec.DecodeError:
            return {}
        return data if isinstance(data, dict) else {}


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = JSON_TYPE
    headers: list[tuple[str, str]] = field(default_factory=list)


def json_response(data: Any, status: int = 200) -> Response:
    return Response(status, msgspec.json.encode(data))


def error(status: int, message: str) -> Response:
    return json_response({"error": message, "status": status}, status)


def unknown_error() -> Response:
    """The real server's catch-all for an unhandled exception (often an SQL error): 503, every time."""
    return json_response({"error": "Unknown error", "status": 503, "code": "UNKNOWN_ERROR", "info": []}, 503)


def not_found_json(resource: str, ident: int) -> Response:
    """An object that does not exist, exactly as the real API answers (``Order``, ``Event``, ``Client``...)."""
    body = {
        "error": f'Resource "{resource}" not found',
        "status": 404,
        "code": "RESOURCE_NOT_FOUND",
        "info": {"id": ident, "resource": resource},
    }
    return json_response(body, 404)


def not_found_page() -> Response:
    """The site's own page for a route that does not exist (under the API prefix too), as the real server sends."""
    body = (
        '<!DOCTYPE html>\n<html lang="ru">\n<head>\n<meta charset="utf-8">\n'
        "<title>Страница не найдена 404 – Qtickets</title>\n</head>\n<body>\n"
        '<div class="error-page"><div class="error-page__code">404</div>'
        '<h1 class="error-page__title">Страница не найдена</h1>'
        "<p>Возможно, она была удалена или вы ошиблись в адресе.</p>"
        '<a href="/">На главную</a></div>\n</body>\n</html>\n'
    )
    return Response(404, body.encode(), HTML_TYPE)


def forbidden() -> Response:
    return error(403, "Access denied")


def laravel_page(status: int) -> Response:
    """The framework's own error page, as for a route that does not exist."""
    reason = REASONS.get(status, "Error")
    body = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{reason}</title>\n</head>\n<body>\n"
        f'<div class="flex-center"><div class="code">{status}</div>'
        f'<div class="message">{reason}</div></div>\n</body>\n</html>\n'
    )
    return Response(status, body.encode(), HTML_TYPE)


def nginx_page(status: int) -> Response:
    reason = REASONS.get(status, "Error")
    body = (
        f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
    return Response(status, body.encode(), HTML_TYPE)


def plain_text(status: int, text: str) -> Response:
    return Response(status, text.encode(), TEXT_TYPE)


def html_200_error() -> Response:
    """A 200 whose body is an error page (a captive proxy, a maintenance page)."""
    body = (
        '<!DOCTYPE html>\n<html>\n<head><meta charset="utf-8"><title>Технические работы</title></head>\n'
        "<body><h1>Сайт временно недоступен</h1><p>Ведутся технические работы. Попробуйте позже.</p></body>\n"
        "</html>\n"
    )
    return Response(200, body.encode(), HTML_TYPE)


@dataclass(frozen=True)
class Reply:
    """What the wire layer sends: the answer, a wait before it, and where to cut the connection (a fault)."""

    response: Response
    delay_s: float = 0.0
    cut_at: int | None = None  # send headers with the full Content-Length, this many body bytes, then close
