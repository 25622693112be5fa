"""The wire: a threaded HTTP/1.1 server with keep-alive, exact Content-Length, and raw control for faults."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .api import API_PREFIX
from .messages import REASONS, Reply, Request, laravel_page, plain_text, unknown_error

if TYPE_CHECKING:
    from .simulator import Simulator

log = logging.getLogger(__name__)
MAX_BODY = 16 * 1024 * 1024


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], sim: Simulator) -> None:
        self.sim = sim
        self.stopping = threading.Event()
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Without it a small answer waits for the client's delayed ACK (Nagle): 40 ms per request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.connections_lock:
                self.server.connections.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._serve()

    do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_GET

    def _serve(self) -> None:
        body = self._read_body()
        if body is None:
            self._write(Reply(plain_text(400, "Bad Request")), head=False)
            self.close_connection = True
            return
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        request = Request(self.command, path, {k.lower(): v for k, v in self.headers.items()}, body)
        try:
            reply = self.server.sim.handle(request)
        except Exception:
            log.exception("simulator failed on %s %s", self.command, path)
            api = path.startswith(API_PREFIX)
            reply = Reply(unknown_error() if api else laravel_page(500))
        if reply.delay_s > 0 and self.server.stopping.wait(reply.delay_s):
            self.close_connection = True
            return
        self._write(reply, head=self.command == "HEAD")

    def _read_body(self) -> bytes | None:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            return b""
        try:
            length = int(length_header)
        except ValueError:
            return None
        if length < 0 or length > MAX_BODY:
            return None
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes | None:
        parts: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                return None
            if size == 0:
                while self.rfile.readline(1024).strip():
                    pass  # trailers
                return b"".join(parts)
            total += size
            if total > MAX_BODY:
                return None
            parts.append(self.rfile.read(size))
            self.rfile.readline(8)

    def _write(self, reply: Reply, head: bool) -> None:
        """Status line, headers and body in one write (a fault may cut the body and the connection)."""
        response = reply.response
        reason = REASONS.get(response.status) or self.responses.get(response.status, ("",))[0]
        headers = [
            ("Server", self.version_string()),
            ("Date", self.date_time_string()),
            ("Content-Type", response.content_type),
            ("Content-Length", str(len(response.body))),
            ("Cache-Control", "no-cache, private"),
            *response.headers,
        ]
        if reply.cut_at is not None or self.close_connection:
            headers.append(("Connection", "close"))
        head_block = f"{self.protocol_version} {response.status} {reason}\r\n"
        head_block += "".join(f"{name}: {value}\r\n" for name, value in headers) + "\r\n"
        body = b"" if head else response.body[: reply.cut_at]
        self.log_request(response.status, len(body))
        try:
            self.wfile.write(head_block.encode("latin-1") + body)
            if reply.cut_at is not None and not head:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            self.close_connection = True


class SimServer:
    """A running simulator server; a context manager that stops it on exit."""

    def __init__(self, sim: Simulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sim = sim
        self._server = _Server((host, port), sim)
        self.host = host
        self.port: int = self._server.server_address[1]
        self.url = f"http://{host}:{self.port}"
        self.base_url = f"{self.url}{API_PREFIX}"
        self.admin_url = f"{self.url}/_sim"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="qtickets-sim", daemon=True
        )
        self._thread.start()
        self._closed = False

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._server.stopping.set()
        self._server.shutdown()
        with self._server.connections_lock:
            open_connections = list(self._server.connections)
        for connection in open_connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> SimServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
