"""The Bot API's behaviour, without the wire: tokens, chats, sendMessage's checks, flood control."""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .html_check import EntityError, utf16_length, visible_text

MAX_TEXT = 4096
_TOKEN = re.compile(r"^[0-9]{1,20}:[A-Za-z0-9_-]{30,}$")
PARSE_MODES = frozenset({"HTML", "Markdown", "MarkdownV2"})


@dataclass
class BotApiConfig:
    token: str = "123456789:AAH-sim-token-sim-token-sim-token-xx"  # noqa: S105 - the stand-in's own
    chats: dict[str, str] = field(default_factory=lambda: {"1001": "ok"})  # chat id -> "ok" or "blocked"
    burst: int = 20  # messages one chat takes within ``window_s`` before flood control answers 429
    window_s: float = 60.0
    retry_after: int = 3


@dataclass(frozen=True)
class SentMessage:
    message_id: int
    chat_id: str
    text: str  # as sent (HTML)
    visible: str  # after entities parsing
    parse_mode: str


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


def _error(code: int, description: str, **parameters: int) -> Answer:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return Answer(code, body)


class BotApi:
    def __init__(self, config: BotApiConfig | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config or BotApiConfig()
        self.clock = clock
        self.sent: list[SentMessage] = []
        self.requests = 0
        self._forced_429: deque[int] = deque()
        self._recent: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def flood(self, times: int, retry_after: int = 1) -> None:
        """Answer the next ``times`` sendMessage calls with 429 and this ``retry_after``."""
        with self._lock:
            self._forced_429.extend([retry_after] * times)

    def handle(self, token: str, method: str, params: Mapping[str, Any]) -> Answer:
        with self._lock:
            self.requests += 1
            if not _TOKEN.match(token):
                return _error(404, "Not Found")
            if token != self.config.token:
                return _error(401, "Unauthorized")
            if method.lower() == "getme":
                return Answer(200, {"ok": True, "result": {"id": int(token.split(":")[0]), "is_bot": True}})
            if method.lower() != "sendmessage":
                return _error(404, "Not Found")
            return self._send(params)

    def _send(self, params: Mapping[str, Any]) -> Answer:
        chat = params.get("chat_id")
        if chat is None or str(chat).strip() == "":
            return _error(400, "Bad Request: chat_id is empty")
        chat_id = str(chat)
        state = self.config.chats.get(chat_id)
        if state is None:
            return _error(400, "Bad Request: chat not found")
        if state == "blocked":
            return _error(403, "Forbidden: bot was blocked by the user")
        text = params.get("text")
        if not isinstance(text, str) or text.strip() == "":
            return _error(400, "Bad Request: message text is empty")
        mode = str(params.get("parse_mode") or "")
        if mode and mode not in PARSE_MODES:
            return _error(400, f"Bad Request: unsupported parse_mode {mode!r}")
        visible = text
        if mode == "HTML":
            try:
                visible = visible_text(text)
            except EntityError as exc:
                return _error(400, f"Bad Request: can't parse entities: {exc}")
        if utf16_length(visible) > MAX_TEXT:
            return _error(400, "Bad Request: message is too long")
        if self._forced_429:
            wait = self._forced_429.popleft()
            return _error(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        now = self.clock()
        recent = self._recent.setdefault(chat_id, deque())
        while recent and now - recent[0] >= self.config.window_s:
            recent.popleft()
        if len(recent) >= self.config.burst:
            wait = max(1, int(self.config.window_s - (now - recent[0])) + 1)
            return _error(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        recent.append(now)
        message = SentMessage(len(self.sent) + 1, chat_id, text, visible, mode)
        self.sent.append(message)
        result = {"message_id": message.message_id, "chat": {"id": chat_id}, "date": int(time.time()), "text": visible}
        return Answer(200, {"ok": True, "result": result})
