"""A test-only ClickHouse HTTP server: the embedded engine (chDB) behind enough of the ClickHouse HTTP
interface for the official ``clickhouse-connect`` HTTP client to work against it unchanged, with faults
that a real server and network produce on demand.

No ClickHouse server can be installed on the machines that run these tests; this front lets the loader's
server path (``CLICKHOUSE_HOST=http://…``) run for real: the same client, the same requests, the same
error handling, over a real socket.

What it speaks (as ClickHouse does):

- ``GET``/``POST /`` with the statement in the ``query`` URL parameter and/or the body (concatenated with a
  newline); ``database``, ``default_format``, ``query_id``; every other non-transport parameter is a setting,
  applied to this request only; ``param_<name>`` values bind ``{name:Type}`` placeholders server-side.
- ``INSERT INTO t (cols) FORMAT <fmt>`` followed by data in the body (Native from ``client.insert``), or the
  statement in ``query`` and the data as the body; ``Content-Encoding`` lz4/zstd/gzip/deflate/br request
  bodies; responses compressed when ``enable_http_compression=1`` and ``Accept-Encoding`` allow it.
- Response headers ``X-ClickHouse-Summary``, ``-Format``, ``-Timezone``, ``-Query-Id``,
  ``-Server-Display-Name``; on an error the status ClickHouse would use (500 by default), the
  ``X-ClickHouse-Exception-Code`` header and ``Code: N. DB::Exception: … (NAME) (version …)`` as the body.
- Basic auth, ``X-ClickHouse-User``/``-Key`` headers or ``user``/``password`` parameters, checked against the
  configured user and password: a mismatch is ``403`` with ``Code: 516 … (AUTHENTICATION_FAILED)``.
- ``/ping`` → ``Ok.``.

Not spoken: sessions (``session_id`` is ignored), multipart external data, ClickHouse's own block
compression (``compress``/``decompress``), progress headers, ``client_protocol_version`` (answered without
block info, as a proxy that strips the parameter would: the client then uses protocol 0).

Faults (``heal()`` clears them all):

- ``fail_after(n, mode)``: the first ``n`` requests from now are served, every later one fails with ``mode``.
- ``fail_matching(pattern, mode, times=1, skip=0)``: statements matching the regex fail (after ``skip``
  matches pass), ``times`` times (``None``: every time); returns a :class:`Fault` whose ``hits`` say
  whether it fired.
- ``stop_listening()``: ClickHouse is down now.

Modes: ``"refuse"`` the server goes away (this connection is closed unanswered, open connections are cut,
the port stops listening: connections are refused until ``heal()``); ``"500"`` an exception answer, the
statement is not run; ``"drop"`` the statement runs, then the response is cut mid-way (the work is done but
the client cannot know); ``"reset"`` the statement runs, then the connection closes before any response;
``"hangup"`` the connection closes unanswered and the statement is not run.

The engine is one chDB engine (one per process: stop the front before opening another data directory);
every request runs on its own connection handle (its settings and ``USE`` cannot leak into the next one),
one request at a time.
"""

from __future__ import annotations

import base64
import contextlib
import email
import email.policy
import gzip
import json
import re
import socket
import threading
import time
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

import chdb

Mode = Literal["refuse", "500", "drop", "reset", "hangup"]
MODES: tuple[str, ...] = ("refuse", "500", "drop", "reset", "hangup")

# URL parameters the HTTP layer consumes: never passed to the engine as settings.
TRANSPORT_PARAMS = frozenset(
    {
        "query", "database", "default_format", "query_id", "session_id", "session_timeout", "session_check",
        "compress", "decompress", "buffer_size", "wait_end_of_query", "user", "password", "quota_key",
        "client_protocol_version", "role", "enable_http_compression", "send_progress_in_http_headers",
        "http_headers_progress_interval_ms", "http_zlib_compression_level", "http_response_buffer_size",
        "cancel_http_readonly_queries_on_client_close", "add_http_cors_header", "http_wait_end_of_query",
    }
)  # fmt: skip

# exceptionCodeToHTTPStatus of the ClickHouse server, for the codes a client is likely to meet
HTTP_STATUS = {
    194: 401,  # REQUIRED_PASSWORD
    192: 403, 193: 403, 516: 403, 497: 403,  # UNKNOWN_USER, WRONG_PASSWORD, AUTHENTICATION_FAILED, ACCESS_DENIED
    62: 400, 27: 400, 36: 400, 47: 400, 115: 400, 456: 400, 457: 400,  # syntax, parse, bad arguments, settings
    60: 404, 81: 404, 46: 404,  # UNKNOWN_TABLE, UNKNOWN_DATABASE, UNKNOWN_FUNCTION
    48: 501,  # NOT_IMPLEMENTED
    159: 408,  # TIMEOUT_EXCEEDED
}  # fmt: skip

_INSERT_WITH_DATA = re.compile(
    rb"\A\s*(INSERT\s+INTO\s+.+?)\s+FORMAT\s+([A-Za-z0-9_]+)[ \t]*(?:\r?\n)?", re.IGNORECASE | re.DOTALL
)
_TRAILING_FORMAT = re.compile(r"\bFORMAT\s+([A-Za-z0-9_]+)\s*;?\s*\Z", re.IGNORECASE)
_CODE = re.compile(r"Code: (\d+)\.")
_NAME = re.compile(r"\(([A-Z][A-Z0-9_]+)\)(?: \(version [^)]*\))?\s*\Z")

CONTENT_TYPES = {
    "TabSeparated": "text/tab-separated-values; charset=UTF-8",
    "TSV": "text/tab-separated-values; charset=UTF-8",
    "TabSeparatedWithNames": "text/tab-separated-values; charset=UTF-8",
    "CSV": "text/csv; charset=UTF-8; header=absent",
    "JSON": "application/json; charset=UTF-8",
    "JSONCompact": "application/json; charset=UTF-8",
    "JSONEachRow": "application/x-ndjson; charset=UTF-8",
}


class FrontError(Exception):
    """An answer in ClickHouse's error shape: ``Code: N. DB::Exception: …`` with its HTTP status."""

    def __init__(self, text: str, code: int | None = None, status: int | None = None) -> None:
        match = _CODE.search(text)
        self.code = code if code is not None else int(match.group(1)) if match else 1000
        self.status = status if status is not None else HTTP_STATUS.get(self.code, 500)
        super().__init__(text)


@dataclass
class Fault:
    """One injected failure rule; ``hits`` counts the requests it failed."""

    mode: str
    pattern: re.Pattern[str] | None = None
    after: int | None = None  # fail_after: requests still served before failing
    times: int | None = 1
    skip: int = 0
    hits: int = 0
    matched: int = 0

    def applies(self, statement: str) -> bool:
        """Called once per request, in arrival order, under the front's state lock."""
        if self.pattern is None:
            assert self.after is not None
            if self.after > 0:
                self.after -= 1
                return False
            self.hits += 1
            return True
        if not self.pattern.search(statement):
            return False
        self.matched += 1
        if self.matched <= self.skip or (self.times is not None and self.hits >= self.times):
            return False
        self.hits += 1
        return True


@dataclass
class Served:
    """One request as the front saw it: the statement (data excluded) and what became of it."""

    statement: str
    outcome: str  # "ok", "error", or the fault mode
    status: int = 200
    encoding: str = ""  # Content-Encoding of the request body
    response_encoding: str = ""


@dataclass
class _Result:
    body: bytes = b""
    fmt: str | None = None
    summary: dict[str, str] = field(default_factory=dict)


class ChHttpFront:
    """``with ChHttpFront(path, user=…, password=…) as front:`` → ``front.url`` is ``http://127.0.0.1:PORT``."""

    def __init__(
        self,
        path: Path | str,
        *,
        user: str = "default",
        password: str = "",
        host: str = "127.0.0.1",
        port: int = 0,
        display_name: str = "ch-http-front",
        compress_responses: bool = True,
    ) -> None:
        self.path = str(path)
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.display_name = display_name
        self.compress_responses = compress_responses
        self.served: list[Served] = []
        self.faults: list[Fault] = []
        self._state = threading.Lock()  # faults, counters, the log, the listener
        self._engine_lock = threading.Lock()  # one statement at a time on the engine
        self._engine: Any = None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._refusing = False
        self.version = ""
        self.timezone = "UTC"
        self.http_compression_default = "0"

    # --- lifecycle ------------------------------------------------------------------------------------

    def start(self) -> ChHttpFront:
        Path(self.path).mkdir(parents=True, exist_ok=True)
        self._engine = chdb.connect(self.path)
        version, tz = self._engine.query("SELECT version(), timezone()", "TabSeparated").bytes().decode().split()
        self.version, self.timezone = version, tz
        # the server-wide default of the setting the client reads from system.settings in its handshake
        compression = self._engine.query(
            "SELECT value FROM system.settings WHERE name = 'enable_http_compression'", "TabSeparated"
        )
        self.http_compression_default = compression.bytes().decode().strip() or "0"
        self._listen()
        return self

    def stop(self) -> None:
        with self._state:
            self._close_listener()
            self._cut_connections()
        with self._engine_lock:
            if self._engine is not None:
                self._engine.close()
                self._engine = None

    def __enter__(self) -> ChHttpFront:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def requests(self) -> int:
        return len(self.served)

    def statements(self, pattern: str = "") -> list[str]:
        """Statements served so far (matching ``pattern`` if given), in order."""
        rx = re.compile(pattern, re.IGNORECASE | re.DOTALL)
        return [s.statement for s in list(self.served) if rx.search(s.statement)]

    # --- faults ---------------------------------------------------------------------------------------

    def fail_after(self, n_requests: int, mode: Mode) -> Fault:
        """Serve the next ``n_requests`` requests, then fail every request with ``mode`` until ``heal()``."""
        return self._add(Fault(_check_mode(mode), after=n_requests, times=None))

    def fail_matching(self, pattern: str, mode: Mode = "500", *, times: int | None = 1, skip: int = 0) -> Fault:
        """Fail statements matching ``pattern`` (case-insensitive regex) with ``mode``: the first ``skip``
        matches pass, then ``times`` matches fail (``None``: all of them)."""
        rx = re.compile(pattern, re.IGNORECASE | re.DOTALL)
        return self._add(Fault(_check_mode(mode), pattern=rx, times=times, skip=skip))

    def stop_listening(self) -> None:
        """ClickHouse is down: open connections are cut and new ones refused until ``heal()``."""
        with self._state:
            self._go_away()

    def heal(self) -> None:
        """Clear every fault and listen again on the same port."""
        with self._state:
            self.faults.clear()
            if self._refusing:
                self._refusing = False
                self._listen_locked()

    def _add(self, fault: Fault) -> Fault:
        with self._state:
            self.faults.append(fault)
        return fault

    # --- the listener -----------------------------------------------------------------------------------

    def _listen(self) -> None:
        with self._state:
            self._listen_locked()

    def _listen_locked(self) -> None:
        front = self

        class Handler(_Handler):
            pass

        Handler.front = front
        server = ThreadingHTTPServer((self.host, self.port), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="ch-http-front", daemon=True
        )
        self._thread.start()

    def _close_listener(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(5)

    def _cut_connections(self) -> None:
        for sock in list(self._connections):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._connections.clear()

    def _go_away(self) -> None:
        self._refusing = True
        self._close_listener()
        self._cut_connections()

    # --- one request ----------------------------------------------------------------------------------

    def _decide(self, statement: str) -> str | None:
        """The fault mode for this request, if any (every rule sees every request, in arrival order)."""
        with self._state:
            if self._refusing:
                return "refuse"
            mode = None
            for fault in self.faults:
                if fault.applies(statement) and mode is None:
                    mode = fault.mode
            if mode == "refuse":
                self._refusing = True
                # the listener is closed from another thread: this one still has to hang up its connection
                threading.Thread(target=self._go_away_if_refusing, daemon=True).start()
            return mode

    def _go_away_if_refusing(self) -> None:
        with self._state:
            if self._refusing:
                self._go_away()

    def _log(self, served: Served) -> None:
        with self._state:
            self.served.append(served)

    def execute(self, sql: bytes, params: dict[str, str], settings: dict[str, str]) -> _Result:
        """Run one statement (with any inline insert data) on a fresh handle; raises :class:`FrontError`."""
        with self._engine_lock:
            if self._engine is None:
                raise FrontError("Code: 210. DB::NetException: the server is shutting down. (NETWORK_ERROR)")
            conn = chdb.connect(self.path)
            try:
                database = params.get("database")
                if database:
                    _run(conn, f"USE `{database.replace('`', '``')}`", "TabSeparated")
                for key, value in settings.items():
                    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
                        raise FrontError(f"Code: 115. DB::Exception: Unknown setting '{key}'. (UNKNOWN_SETTING)")
                    literal = "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
                    _run(conn, f"SET {key} = {literal}", "TabSeparated")
                return self._statement(conn, sql, params)
            finally:
                conn.close()

    def _statement(self, conn: Any, sql: bytes, params: dict[str, str]) -> _Result:
        started = time.perf_counter()
        insert = _INSERT_WITH_DATA.match(sql)
        if insert is not None and not re.search(rb"\bVALUES\b|\bSELECT\b", insert.group(1), re.IGNORECASE):
            target, fmt = insert.group(1).decode(), insert.group(2).decode()
            data = sql[insert.end() :]
            try:
                inserter = conn.send_insert(target, fmt)
                if data:
                    inserter.append(data)
                done = inserter.finish()
            except Exception as exc:
                raise FrontError(_engine_text(exc)) from None
            rows, size = str(done.rows_written), str(done.bytes_written)
            return _Result(summary=_summary(written=(rows, size), started=started))
        text = sql.decode("utf-8", errors="replace")
        explicit = _TRAILING_FORMAT.search(text)
        fmt = explicit.group(1) if explicit else params.get("default_format") or "TabSeparated"
        if explicit is None and fmt in ("TabSeparated", "TSV"):
            # a statement that produces a result always gives the names line; a control statement nothing
            result = _run(conn, text, "TabSeparatedWithNames", params=_bind(params))
            body = result.bytes() or b""
            if not body:
                return _Result(summary=_summary(result=result, started=started))
            body = body[body.find(b"\n") + 1 :]
            return _Result(body=body, fmt=fmt, summary=_summary(result=result, started=started))
        result = _run(conn, text, fmt, params=_bind(params))
        return _Result(body=result.bytes() or b"", fmt=fmt, summary=_summary(result=result, started=started))


def _check_mode(mode: str) -> str:
    if mode not in MODES:
        raise ValueError(f"unknown fault mode {mode!r}; one of {', '.join(MODES)}")
    return mode


def _bind(params: dict[str, str]) -> dict[str, str]:
    return {k[6:]: v for k, v in params.items() if k.startswith("param_")}


def _engine_text(exc: BaseException) -> str:
    text = str(exc)
    for prefix in ("Streaming insert finish failed: ", "Streaming insert append failed: "):
        text = text.replace(prefix, "")
    at = text.find("Code: ")
    return text[at:].strip() if at >= 0 else f"Code: 1001. DB::Exception: {text.strip()} (STD_EXCEPTION)"


def _run(conn: Any, sql: str, fmt: str, params: dict[str, str] | None = None) -> Any:
    try:
        return conn.query(sql, fmt, params=params or {})
    except Exception as exc:
        raise FrontError(_engine_text(exc)) from None


def _summary(*, result: Any = None, written: tuple[str, str] | None = None, started: float) -> dict[str, str]:
    read_rows = read_bytes = result_rows = "0"
    if result is not None:
        with contextlib.suppress(Exception):
            read_rows, read_bytes = str(result.rows_read()), str(result.bytes_read())
    rows, size = written or ("0", "0")
    return {
        "read_rows": read_rows, "read_bytes": read_bytes, "written_rows": rows, "written_bytes": size,
        "total_rows_to_read": read_rows, "result_rows": result_rows, "result_bytes": "0",
        "elapsed_ns": str(int((time.perf_counter() - started) * 1e9)),
    }  # fmt: skip


def _decompress(data: bytes, encoding: str) -> bytes:
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return data
    if encoding == "gzip":
        return gzip.decompress(data)
    if encoding == "deflate":
        return zlib.decompress(data)
    if encoding == "lz4":
        import lz4.frame

        return bytes(lz4.frame.decompress(data))
    if encoding == "zstd":
        from backports import zstd

        return bytes(zstd.decompress(data))
    if encoding == "br":
        import brotli

        return bytes(brotli.decompress(data))
    raise FrontError(f"Code: 1. DB::Exception: Unknown HTTP compression method {encoding!r}. (UNSUPPORTED_METHOD)")


_COMPRESSORS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": gzip.compress,
    "deflate": zlib.compress,
}


def _compressor(name: str) -> Callable[[bytes], bytes] | None:
    if name in _COMPRESSORS:
        return _COMPRESSORS[name]
    try:
        if name == "lz4":
            import lz4.frame

            return lambda b: bytes(lz4.frame.compress(b))
        if name == "zstd":
            from backports import zstd

            return lambda b: bytes(zstd.compress(b))
    except ImportError:
        return None
    return None


class _Handler(BaseHTTPRequestHandler):
    front: ChHttpFront
    protocol_version = "HTTP/1.1"
    server_version = "ch-http-front"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def setup(self) -> None:
        super().setup()
        self.front._connections.add(self.connection)

    def finish(self) -> None:
        self.front._connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    # --- request ----------------------------------------------------------------------------------------

    def _serve(self) -> None:
        url = urlsplit(self.path)
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        try:
            body = self._read_body()
        except (OSError, ValueError):
            self.close_connection = True
            return
        if url.path in ("/ping", "/replicas_status") or (url.path == "/" and not body and "query" not in params):
            self._answer(200, b"Ok.\n", {"Content-Type": "text/plain; charset=UTF-8"})
            return
        if url.path != "/":
            self._error(
                FrontError(f"Code: 1000. DB::Exception: no handler for {url.path}. (POCO_EXCEPTION)", 1000, 404)
            )
            return
        try:
            body = _decompress(body, self.headers.get("Content-Encoding", ""))
            if "multipart/form-data" in self.headers.get("Content-Type", ""):
                params.update(_form_fields(self.headers.get("Content-Type", ""), body))
                body = b""
            if params.get("compress") == "1" or params.get("decompress") == "1":
                raise FrontError("Code: 48. DB::Exception: the test front has no native compression. (NOT_IMPLEMENTED)")
        except FrontError as exc:
            self._error(exc)
            return
        query = params.get("query", "").encode()
        sql = query + b"\n" + body if query and body else query or body
        statement = _statement_text(sql)
        record = Served(statement, "ok", encoding=self.headers.get("Content-Encoding", ""))
        mode = self.front._decide(statement)
        if mode is not None:
            record.outcome, record.status = mode, 500 if mode == "500" else 0
            self.front._log(record)
            self._fault(mode, sql, params)
            return
        if not self._authenticated(params):
            record.outcome, record.status = "error", 403
            self.front._log(record)
            self._error(
                FrontError(
                    f"Code: 516. DB::Exception: {self._user(params)}: Authentication failed: password is incorrect, "
                    "or there is no user with such name. (AUTHENTICATION_FAILED)",
                    516,
                    403,
                )
            )
            return
        try:
            result = self.front.execute(sql, params, _settings(params))
        except FrontError as exc:
            record.outcome, record.status = "error", exc.status
            self.front._log(record)
            self._error(exc)
            return
        record.response_encoding = self._success(result, params)
        self.front._log(record)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _user(self, params: dict[str, str]) -> str:
        auth = self.headers.get("Authorization", "")
        if auth.lower().startswith("basic "):
            return base64.b64decode(auth[6:]).decode(errors="replace").partition(":")[0]
        return self.headers.get("X-ClickHouse-User") or params.get("user") or "default"

    def _authenticated(self, params: dict[str, str]) -> bool:
        auth = self.headers.get("Authorization", "")
        if auth.lower().startswith("basic "):
            user, _, password = base64.b64decode(auth[6:]).decode(errors="replace").partition(":")
        else:
            user = self.headers.get("X-ClickHouse-User") or params.get("user") or "default"
            password = self.headers.get("X-ClickHouse-Key") or params.get("password") or ""
        return user == self.front.user and password == self.front.password

    # --- answers --------------------------------------------------------------------------------------

    def _common_headers(self, params: dict[str, str]) -> dict[str, str]:
        return {
            "X-ClickHouse-Server-Display-Name": self.front.display_name,
            "X-ClickHouse-Query-Id": params.get("query_id") or str(uuid.uuid4()),
            "X-ClickHouse-Timezone": self.front.timezone,
            "Keep-Alive": "timeout=10, max=10000",
        }

    def _success(self, result: _Result, params: dict[str, str]) -> str:
        """Send the answer; returns its Content-Encoding."""
        headers = self._common_headers(params)
        headers["X-ClickHouse-Summary"] = json.dumps(result.summary)
        body = result.body
        if result.fmt is not None:
            headers["X-ClickHouse-Format"] = result.fmt
            headers["Content-Type"] = CONTENT_TYPES.get(result.fmt, "application/octet-stream")
        else:
            headers["Content-Type"] = "text/plain; charset=UTF-8"
        enabled = params.get("enable_http_compression", self.front.http_compression_default) == "1"
        if self.front.compress_responses and enabled and body:
            for name in (n.strip().lower() for n in self.headers.get("Accept-Encoding", "").split(",")):
                compress = _compressor(name)
                if compress is not None:
                    body = compress(body)
                    headers["Content-Encoding"] = name
                    break
        self._answer(200, body, headers)
        return headers.get("Content-Encoding", "")

    def _error(self, exc: FrontError) -> None:
        text = str(exc).strip()
        if "(version " not in text:
            text = f"{text} (version {self.front.version})"
        headers = {
            "X-ClickHouse-Server-Display-Name": self.front.display_name,
            "X-ClickHouse-Exception-Code": str(exc.code),
            "Content-Type": "text/plain; charset=UTF-8",
        }
        self._answer(exc.status, (text + "\n").encode(), headers)

    def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        try:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def _fault(self, mode: str, sql: bytes, params: dict[str, str]) -> None:
        self.close_connection = True
        if mode == "500":
            self.close_connection = False
            self._error(
                FrontError(
                    "Code: 241. DB::Exception: Memory limit (total) exceeded: injected by the test front while "
                    "executing the statement. (MEMORY_LIMIT_EXCEEDED)",
                    241,
                    500,
                )
            )
            return
        if mode in ("refuse", "hangup"):
            return
        result = _Result()
        if self._authenticated(params):  # "drop" and "reset": the server does the work, the client never learns it
            with contextlib.suppress(FrontError):
                result = self.front.execute(sql, params, _settings(params))
        if mode == "reset":
            return
        try:
            self.send_response(200)
            for key, value in self._common_headers(params).items():
                self.send_header(key, value)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            part = result.body[: max(1, len(result.body) // 2)] if result.body else b""
            if part:
                self.wfile.write(f"{len(result.body):x}\r\n".encode() + part)
            self.wfile.flush()
        except OSError:
            pass


def _form_fields(content_type: str, body: bytes) -> dict[str, str]:
    """The plain fields of a ``multipart/form-data`` body (``query``, ``param_*``): what the client sends when
    the bound parameters are too long for the URL. External data (file fields) is not supported."""
    message = email.message_from_bytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body, policy=email.policy.HTTP
    )
    fields: dict[str, str] = {}
    for part in message.iter_parts():
        if part.get_filename() is not None:
            raise FrontError("Code: 48. DB::Exception: the test front takes no external data. (NOT_IMPLEMENTED)")
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            fields[name] = payload.decode("utf-8", errors="replace")
    return fields


def _settings(params: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in params.items() if k not in TRANSPORT_PARAMS and not k.startswith("param_")}


def _statement_text(sql: bytes) -> str:
    """The statement without any inline insert data, for matching and the log."""
    insert = _INSERT_WITH_DATA.match(sql)
    head = sql[: insert.end()] if insert is not None else sql[:20_000]
    return " ".join(head.decode("utf-8", errors="replace").split())
