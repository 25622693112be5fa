"""Sending through Telegram's Bot API ``sendMessage`` over httpx (https://core.telegram.org/bots/api#sendmessage).

The plain HTTP API is one POST per message; a bot framework would bring an event loop, polling and webhooks we
do not use. The token lives only in the URL path of the request: it is never logged (httpx's own request log is
silenced by ``logs.quiet_libraries``) and every message about it names its fingerprint.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import httpx

from ..domain.redaction import SecretFilter, fingerprint
from .errors import BadChatError, BadTokenError, SendError
from .text import split_message

log = logging.getLogger("integrations.qtickets_api")

MAX_RETRIES = 5
MAX_WAIT_S = 120.0
_GUARDED: set[str] = set()


def _guard_http_log(token: str) -> None:
    """httpx logs every request's URL at INFO, and the Bot API puts the token in the path: redact it there."""
    if token and token not in _GUARDED:
        _GUARDED.add(token)
        logging.getLogger("httpx").addFilter(SecretFilter([token]))


class TelegramSender:
    """One bot, any number of chats. ``sleep`` is injectable so that a test of ``retry_after`` takes no time."""

    name = "telegram"

    def __init__(
        self,
        token: str,
        api_url: str = "https://api.telegram.org",
        *,
        timeout_s: float = 15.0,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        _guard_http_log(token)
        self._fp = fingerprint(token)
        self._url = f"{api_url.rstrip('/')}/bot{token}/sendMessage"
        self._sleep = sleep
        self._client = httpx.Client(timeout=timeout_s, transport=transport)
        self.waited_s = 0.0

    def close(self) -> None:
        self._client.close()

    def send(self, chat_id: str, text: str) -> int:
        """Send ``text`` (HTML) to one chat, split below the limit; returns the number of messages sent."""
        parts = split_message(text)
        for part in parts:
            self._send_one(chat_id, part)
        return len(parts)

    def _send_one(self, chat_id: str, text: str) -> None:
        payload = {
            "chat_id": chat_id,
            "text": text,
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": True},
        }
        for _attempt in range(MAX_RETRIES + 1):
            try:
                response = self._client.post(self._url, json=payload)
            except httpx.HTTPError as exc:
                raise SendError(
                    f"Telegram could not be reached ({exc.__class__.__name__})",
                    "check the network, or TELEGRAM_API_URL",
                ) from None
            body = _json(response)
            if body.get("ok") is True:
                return
            code = int(body.get("error_code") or response.status_code)
            description = str(body.get("description") or response.reason_phrase)[:200]
            if code == 429:
                wait = float((body.get("parameters") or {}).get("retry_after") or 1)
                if wait > MAX_WAIT_S:
                    raise SendError(f"Telegram asks to wait {wait:g} s before sending again", "try later")
                log.warning("Telegram flood control: waiting %g s before chat %s", wait, chat_id)
                self.waited_s += wait
                self._sleep(wait)
                continue
            raise _refusal(code, description, chat_id, self._fp)
        raise SendError(f"Telegram kept answering 429 to chat {chat_id}", "try later")


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {"ok": False, "error_code": response.status_code, "description": response.reason_phrase}
    return body if isinstance(body, dict) else {"ok": False, "error_code": response.status_code}


def _refusal(code: int, description: str, chat_id: str, fp: str) -> SendError:
    if code in (401, 404) and "chat" not in description.lower():
        return BadTokenError(
            f"Telegram refused the bot token {fp} ({code} {description})",
            "set TELEGRAM_BOT_TOKEN to the token @BotFather gave",
        )
    if code == 403 or "chat not found" in description.lower():
        return BadChatError(
            f"Telegram cannot deliver to chat {chat_id} ({code} {description})",
            "check TELEGRAM_CHAT_IDS, and that the chat has started the bot (or added it to the group)",
        )
    return SendError(f"Telegram refused a message to chat {chat_id} ({code} {description})", "see the log")


__all__ = ["TelegramSender"]
