"""The Telegram sender against the stand-in: escaping, the 4096 split, 429, refusals in one line, no token leak."""

from __future__ import annotations

import logging

import pytest

from integrations.qtickets_api.domain import fingerprint
from integrations.qtickets_api.notify.errors import BadChatError, BadTokenError
from integrations.qtickets_api.notify.telegram import TelegramSender
from integrations.qtickets_api.notify.text import esc, split_message
from telegram_sim import BotApi
from tests.notify.conftest import TOKEN

HOSTILE = '<script>alert("x")</script> & Co <b>ШОУ</b> &amp; </i> 😀'


def _sender(base: str, waits: list[float], token: str = TOKEN) -> TelegramSender:
    return TelegramSender(token, base, sleep=waits.append)


def test_hostile_names_arrive_as_written(bot: tuple[BotApi, str]) -> None:
    api, base = bot
    sender = _sender(base, [])
    sender.send("1001", f"<b>Лучший показ:</b> {esc(HOSTILE)}")
    assert api.sent[-1].visible == f"Лучший показ: {HOSTILE}"


def test_a_long_message_is_split_below_the_limit_and_loses_nothing(bot: tuple[BotApi, str]) -> None:
    api, base = bot
    lines = [f"<b>{n}.</b> {esc(HOSTILE)} — {'я' * 50}" for n in range(200)]
    text = "\n".join(lines)
    sent = _sender(base, []).send("1001", text)
    assert sent == len(api.sent) and sent >= 4
    assert "\n".join(m.visible for m in api.sent) == "\n".join(f"{n}. {HOSTILE} — {'я' * 50}" for n in range(200))
    one_line = "я" * 9000  # no line break to split at
    assert [len(p) for p in split_message(one_line)] == [4000, 4000, 1000]


def test_retry_after_is_honoured(bot: tuple[BotApi, str]) -> None:
    api, base = bot
    api.flood(2, retry_after=5)
    waits: list[float] = []
    _sender(base, waits).send("1001", "привет")
    assert waits == [5, 5]
    assert [m.visible for m in api.sent] == ["привет"]


def test_bad_token_and_chat_are_one_clear_line_without_the_token(
    bot: tuple[BotApi, str], caplog: pytest.LogCaptureFixture
) -> None:
    _, base = bot
    caplog.set_level(logging.DEBUG)
    wrong = "111:" + "Z" * 40
    with pytest.raises(BadTokenError) as bad_token:
        _sender(base, [], token=wrong).send("1001", "x")
    line = bad_token.value.one_line()
    assert fingerprint(wrong) in line and wrong not in line and "TELEGRAM_BOT_TOKEN" in line
    with pytest.raises(BadChatError) as bad_chat:
        _sender(base, []).send("42", "x")
    assert "chat 42" in bad_chat.value.one_line() and "chat not found" in bad_chat.value.one_line()
    with pytest.raises(BadChatError) as blocked:
        _sender(base, []).send("-1003", "x")
    assert "blocked" in blocked.value.one_line()
    assert "\n" not in line
    for text in (line, bad_chat.value.one_line(), caplog.text):
        assert TOKEN not in text and wrong not in text and "LEAKCHECK" not in text
