"""``python -m telegram_sim --port 8081 --token T --chat 1001``: the Bot API stand-in as its own process.

Prints its base URL (for ``TELEGRAM_API_URL``) and prints every message it receives as its visible text.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

import click

from .bot_api import BotApi, BotApiConfig
from .server import BotApiServer


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8081, show_default=True)
@click.option("--token", default=BotApiConfig.token, show_default=True, help="The bot token it accepts.")
@click.option("--chat", "chats", multiple=True, default=["1001"], show_default=True, help="A chat id it knows.")
def main(host: str, port: int, token: str, chats: tuple[str, ...]) -> None:
    """Serve a local Telegram Bot API (sendMessage, getMe) until SIGTERM or Ctrl-C."""
    api = BotApi(BotApiConfig(token=token, chats={chat: "ok" for chat in chats}))
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    with BotApiServer(api, host, port) as server:
        click.echo(server.base_url, nl=True)
        shown = 0
        while not stop.wait(0.5):
            for message in api.sent[shown:]:
                click.echo(f"--- chat {message.chat_id}\n{message.visible}")
            shown = len(api.sent)


if __name__ == "__main__":
    main()
