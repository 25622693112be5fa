"""The Bot API stand-in answers as the documented API does: never easier than Telegram."""

from __future__ import annotations

import httpx

from telegram_sim import BotApi
from tests.notify.conftest import TOKEN


def _post(base: str, token: str, method: str = "sendMessage", **params: object) -> tuple[int, dict[str, object]]:
    response = httpx.post(f"{base}/bot{token}/{method}", json=params)
    return response.status_code, response.json()


def test_tokens_chats_and_text_are_checked(bot: tuple[BotApi, str]) -> None:
    api, base = bot
    assert _post(base, "not-a-token", chat_id="1001", text="x") == (
        404, {"ok": False, "error_code": 404, "description": "Not Found"},
    )  # fmt: skip
    status, body = _post(base, "123:" + "A" * 35, chat_id="1001", text="x")
    assert (status, body["description"]) == (401, "Unauthorized")
    status, body = _post(base, TOKEN, chat_id="42", text="x")
    assert (status, body["description"]) == (400, "Bad Request: chat not found")
    status, body = _post(base, TOKEN, chat_id="-1003", text="x")
    assert (status, body["description"]) == (403, "Forbidden: bot was blocked by the user")
    status, body = _post(base, TOKEN, chat_id="1001", text="")
    assert status == 400
    status, body = _post(base, TOKEN, chat_id="1001", text="я" * 4097)
    assert (status, body["description"]) == (400, "Bad Request: message is too long")
    assert _post(base, TOKEN, chat_id="1001", text="я" * 4096)[0] == 200
    assert api.sent[-1].visible == "я" * 4096


def test_html_is_parsed_strictly(bot: tuple[BotApi, str]) -> None:
    api, base = bot
    for bad in ("a < b", "Tom & Jerry", "<script>x</script>", "<b>open", "<b><i>x</b></i>", "&nbsp;"):
        status, body = _post(base, TOKEN, chat_id="1001", text=bad, parse_mode="HTML")
        assert status == 400, bad
        assert str(body["description"]).startswith("Bad Request: can't parse entities"), bad
    status, _ = _post(base, TOKEN, chat_id="1001", text='<b>a &lt; b &amp; &quot;c&quot;</b> <a href="x">y</a>',
                      parse_mode="HTML")  # fmt: skip
    assert status == 200
    assert api.sent[-1].visible == 'a < b & "c" y'
    # 4096 counts the visible text: tags and entities do not count, an emoji outside the BMP counts twice
    assert _post(base, TOKEN, chat_id="1001", text="<b>" + "&amp;" * 4096 + "</b>", parse_mode="HTML")[0] == 200
    assert _post(base, TOKEN, chat_id="1001", text="😀" * 2049)[0] == 400


def test_flood_control_answers_429_with_retry_after(bot: tuple[BotApi, str]) -> None:
    api, base = bot
    api.flood(1, retry_after=7)
    status, body = _post(base, TOKEN, chat_id="1001", text="x")
    assert status == 429
    assert body == {
        "ok": False, "error_code": 429, "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }  # fmt: skip
    for _ in range(api.config.burst - 0):
        if _post(base, TOKEN, chat_id="1002", text="x")[0] != 200:
            break
    status, body = _post(base, TOKEN, chat_id="1002", text="x")
    assert status == 429 and body["parameters"]["retry_after"] >= 1  # type: ignore[index]
    assert _post(base, TOKEN, chat_id="1001", text="x")[0] == 200  # another chat is not limited
