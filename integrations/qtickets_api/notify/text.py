"""Message text for HTML parse mode: every name escaped, and split below Telegram's 4096-character limit."""

from __future__ import annotations

import html
import re

LIMIT = 4000  # below 4096, counted in UTF-16 units of the raw HTML, which is never shorter than what Telegram counts
MAX_NAME = 120
_TAGS = re.compile(r"<[^>]*>")


def esc(name: object, limit: int = MAX_NAME) -> str:
    """An event name, a city, an error text: truncated, then escaped (``<``, ``>``, ``&`` and quotes)."""
    text = " ".join(str(name).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return html.escape(text, quote=True)


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def visible(text: str) -> str:
    return html.unescape(_TAGS.sub("", text))


def split_message(text: str, limit: int = LIMIT) -> list[str]:
    """Whole lines per message (our tags never span a line); a line longer than the limit goes as plain text."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        pieces = [line] if units(line) <= limit else _hard_split(line, limit)
        for piece in pieces:
            candidate = piece if not current else f"{current}\n{piece}"
            if units(candidate) <= limit:
                current = candidate
            else:
                parts.append(current)
                current = piece
    if current.strip():
        parts.append(current)
    return [part for part in parts if part.strip()]


def _hard_split(line: str, limit: int) -> list[str]:
    plain = visible(line)
    out, piece = [], ""
    for ch in plain:
        escaped = html.escape(ch, quote=False)
        if units(piece) + units(escaped) > limit:
            out.append(piece)
            piece = ""
        piece += escaped
    return [*out, piece] if piece else out


__all__ = ["LIMIT", "esc", "split_message", "units", "visible"]
