"""The notify tests' stand-ins: a local Bot API (``telegram_sim``) and one simulated organiser, loaded."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from telegram_sim import BotApi, BotApiConfig, BotApiServer
from tests.dashboard.fixtures import truth, world

TOKEN = "987654321:AAF-LEAKCHECK-bot-token-0123456789abcdef"
CHATS = {"1001": "ok", "1002": "ok", "-1003": "blocked"}


@pytest.fixture
def bot() -> Iterator[tuple[BotApi, str]]:
    api = BotApi(BotApiConfig(token=TOKEN, chats=dict(CHATS)))
    with BotApiServer(api) as server:
        yield api, server.base_url


__all__ = ["bot", "truth", "world"]
