"""The Bot API on loopback: ``/bot<token>/<method>``, parameters in the query string or the body (form or JSON)."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .bot_api import Answer, BotApi

log = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], api: BotApi) -> None:
        self.api = api
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the path carries the bot token: never log it

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_GET

    def _serve(self) -> None:
        split = urlsplit(self.path)
        params: dict[str, Any] = dict(parse_qsl(split.query))
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._write(Answer(413, {"ok": False, "error_code": 413, "description": "Request Entity Too Large"}))
            return
        body = self.rfile.read(length) if length else b""
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        try:
            if kind == "application/json" and body:
                decoded = json.loads(body)
                if not isinstance(decoded, dict):
                    raise ValueError("not an object")
                params.update(decoded)
            elif body:
                params.update(parse_qsl(body.decode("utf-8")))
        except (ValueError, UnicodeDecodeError):
            self._write(Answer(400, {"ok": False, "error_code": 400, "description": "Bad Request: invalid JSON"}))
            return
        parts = split.path.split("/")
        if len(parts) != 3 or not parts[1].startswith("bot"):
            self._write(Answer(404, {"ok": False, "error_code": 404, "description": "Not Found"}))
            return
        self._write(self.server.api.handle(parts[1][3:], parts[2], params))

    def _write(self, answer: Answer) -> None:
        payload = json.dumps(answer.body, ensure_ascii=False).encode("utf-8")
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class BotApiServer:
    """Serves a ``BotApi`` on a background thread; a context manager."""

    def __init__(self, api: BotApi, host: str = "127.0.0.1", port: int = 0) -> None:
        self.api = api
        self._server = _Server((host, port), api)
        self._thread = threading.Thread(target=self._server.serve_forever, name="telegram-sim", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> BotApiServer:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
