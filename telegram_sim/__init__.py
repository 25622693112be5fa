"""A local stand-in for the Telegram Bot API, for tests and the demo (``python -m telegram_sim``).

Built from the Bot API's own documentation, and never easier than it:

- https://core.telegram.org/bots/api#making-requests — requests go to ``/bot<token>/METHOD`` (GET or POST, the
  parameters as a query string, ``application/x-www-form-urlencoded``, ``application/json`` or multipart); every
  answer is a JSON object with ``ok``; on failure ``error_code`` and a human-readable ``description``, and
  optionally ``parameters`` (``ResponseParameters``: ``retry_after`` seconds to wait on flood control, 429).
- https://core.telegram.org/bots/api#sendmessage — ``chat_id`` (an integer or ``@channelusername``) and ``text``
  (1-4096 characters after entities parsing) are required; ``parse_mode`` is HTML, Markdown or MarkdownV2.
- https://core.telegram.org/bots/api#html-style — only the tags b, strong, i, em, u, ins, s, strike, del, span
  class="tg-spoiler", tg-spoiler, a href, code, pre, blockquote and tg-emoji; every ``<``, ``>`` and ``&`` that is
  not part of a tag or entity must be escaped; only the named entities ``&lt; &gt; &amp; &quot;`` and numeric ones.
- https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this — about one message a second
  to one chat, bursts allowed, then 429 "Too Many Requests: retry after N".

The descriptions are those the real API sends ("Unauthorized", "Bad Request: chat not found", "Forbidden: bot was
blocked by the user", "Bad Request: message is too long", "Bad Request: can't parse entities: ...").
"""

from .bot_api import BotApi, BotApiConfig, SentMessage
from .server import BotApiServer

__all__ = ["BotApi", "BotApiConfig", "BotApiServer", "SentMessage"]
