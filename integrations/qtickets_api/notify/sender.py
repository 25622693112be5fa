"""The one interface a messenger implements (Telegram today; Max or e-mail can be added beside it)."""

from __future__ import annotations

from typing import Protocol, TextIO

import click

from .settings import NotifySettings
from .text import split_message, visible


class Sender(Protocol):
    name: str

    def send(self, chat_id: str, text: str) -> int:
        """Deliver one message (HTML parse mode) to one chat; returns how many messages it took."""
        ...

    def close(self) -> None: ...


class PrintSender:
    """``--dry-run``: the messages on stdout, as the chat would show them, instead of sent."""

    name = "dry-run"

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out
        self.printed: list[tuple[str, str]] = []

    def send(self, chat_id: str, text: str) -> int:
        parts = split_message(text)
        for part in parts:
            self.printed.append((chat_id, part))
            click.echo(f"--- to {chat_id}\n{visible(part)}", file=self.out)
        return len(parts)

    def close(self) -> None:
        pass


def make_sender(settings: NotifySettings, *, dry_run: bool) -> Sender:
    if dry_run:
        return PrintSender()
    from ..errors import ConfigError
    from .telegram import TelegramSender

    if not settings.bot_token:
        raise ConfigError("TELEGRAM_BOT_TOKEN (or TG_BOT_TOKEN) is not set", "add it, or use --dry-run")
    if not settings.chat_ids:
        raise ConfigError("TELEGRAM_CHAT_IDS (or TG_CHAT_ID) is not set", "add the chat ids, or use --dry-run")
    return TelegramSender(settings.bot_token, settings.api_url)


def broadcast(sender: Sender, chat_ids: tuple[str, ...], text: str) -> int:
    return sum(sender.send(chat, text) for chat in chat_ids or ("(no chat)",))


__all__ = ["PrintSender", "Sender", "broadcast", "make_sender"]
