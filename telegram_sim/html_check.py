"""Telegram's HTML parse mode, as strict as the Bot API: the supported tags, properly nested, and every ``<``,
``>`` and ``&`` outside a tag written as an entity. Returns the visible text, or raises with the API's wording."""

from __future__ import annotations

import html
import re

TAGS = frozenset(
    {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code", "pre"}
    | {"blockquote", "tg-emoji"}
)
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:=(?:\"[^\"]*\"|'[^']*'|[^\s>]*))?)*)\s*>")
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")


class EntityError(ValueError):
    pass


def visible_text(text: str) -> str:
    out: list[str] = []
    stack: list[str] = []
    at = 0
    while at < len(text):
        ch = text[at]
        offset = len(text[:at].encode("utf-8"))
        if ch == "<":
            match = _TAG.match(text, at)
            if not match:
                raise EntityError(f"Unsupported start tag at byte offset {offset}")
            closing, name = match.group(1) == "/", match.group(2).lower()
            if name not in TAGS:
                raise EntityError(f'Unsupported start tag "{name}" at byte offset {offset}')
            if closing:
                if not stack or stack[-1] != name:
                    raise EntityError(
                        f'Unmatched end tag at byte offset {offset}, expected "</{stack[-1]}>"'
                        if stack
                        else f"Unexpected end tag at byte offset {offset}"
                    )
                stack.pop()
            else:
                if name == "a" and "href" not in match.group(3):
                    pass  # an <a> without href is allowed and shows as text
                stack.append(name)
            at = match.end()
        elif ch == ">":
            raise EntityError(f"Unexpected end of name token at byte offset {offset}")
        elif ch == "&":
            match = _ENTITY.match(text, at)
            if not match:
                raise EntityError(f"Can't find end of the entity starting at byte offset {offset}")
            out.append(html.unescape(match.group(0)))
            at = match.end()
        else:
            out.append(ch)
            at += 1
    if stack:
        raise EntityError(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)


def utf16_length(text: str) -> int:
    """Telegram measures text in UTF-16 code units (an emoji outside the BMP is two)."""
    return len(text.encode("utf-16-le")) // 2
