"""``python -m integrations.qtickets_api.notify``: the digest sent to the Bot API stand-in, a dry run, and one
clear line (with the bot's fingerprint, never its token) for every way it can be misconfigured."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from integrations.qtickets_api.domain import fingerprint
from integrations.qtickets_api.notify.__main__ import main
from telegram_sim import BotApi
from tests.dashboard.world import World, write_env
from tests.notify.conftest import TOKEN


def _env(world: World, tmp_path: Path, **values: str) -> Path:
    base = dict(line.split("=", 1) for line in world.envfile.read_text(encoding="utf-8").splitlines() if "=" in line)
    return write_env(tmp_path / ".env", {**base, **values})


def _run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["notify", *args])
    with pytest.raises(SystemExit) as done:
        main()
        sys.exit(0)
    out, err = capsys.readouterr()
    return int(done.value.code or 0), out, err


def test_the_digest_reaches_every_chat(
    world: World, bot: tuple[BotApi, str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    api, base = bot
    env = _env(world, tmp_path, TG_BOT_TOKEN=TOKEN, TG_CHAT_ID="1001,1002", TELEGRAM_API_URL=base)
    code, out, err = _run(capsys, monkeypatch, "--envfile", str(env), "--digest")
    assert code == 0, err
    assert sorted(m.chat_id for m in api.sent) == ["1001", "1002"]
    assert all(m.visible.startswith("Продажи за ") and "Продано:" in m.visible for m in api.sent)
    assert fingerprint(TOKEN) in err
    assert TOKEN not in out + err and "LEAKCHECK" not in out + err


def test_dry_run_prints_and_needs_no_bot(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    env = _env(world, tmp_path)
    code, out, err = _run(capsys, monkeypatch, "--envfile", str(env), "--digest", "--check", "--dry-run")
    assert code == 0, err
    assert "Продано:" in out and "<b>" not in out


@pytest.mark.parametrize(
    ("values", "expected", "exit_code"),
    [
        ({}, "TELEGRAM_BOT_TOKEN (or TG_BOT_TOKEN) is not set", 2),
        ({"TELEGRAM_BOT_TOKEN": TOKEN}, "TELEGRAM_CHAT_IDS (or TG_CHAT_ID) is not set", 2),
        ({"TELEGRAM_BOT_TOKEN": "111:" + "Z" * 40, "TELEGRAM_CHAT_IDS": "1001"}, "refused the bot token", 2),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_CHAT_IDS": "42"}, "cannot deliver to chat 42", 2),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_CHAT_IDS": "abc"}, "neither a chat id nor an @channel", 2),
        ({"TELEGRAM_BOT_TOKEN": "has space", "TELEGRAM_CHAT_IDS": "1"}, "does not look like a bot token", 2),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_CHAT_IDS": "1001", "ALERT_FAILED_RUNS": "0"}, "out of range", 2),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_CHAT_IDS": "1001", "DIGEST_TIME": "9am"}, "not a time of day", 2),
    ],
)
def test_each_misconfiguration_is_one_clear_line(
    world: World, bot: tuple[BotApi, str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, values: dict[str, str], expected: str, exit_code: int,
) -> None:  # fmt: skip
    _, base = bot
    for key in ("TELEGRAM_BOT_TOKEN", "TG_BOT_TOKEN", "TELEGRAM_CHAT_IDS", "TG_CHAT_ID"):
        monkeypatch.delenv(key, raising=False)
    env = _env(world, tmp_path, TELEGRAM_API_URL=base, **values)
    code, out, err = _run(capsys, monkeypatch, "--envfile", str(env), "--digest")
    assert code == exit_code
    assert expected in err and len(err.strip().splitlines()) == 1, err
    for secret in values.values():
        if ":" in secret and len(secret) > 20:
            assert secret not in out + err
