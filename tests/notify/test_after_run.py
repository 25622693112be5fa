"""The service tells a failing loader at once: the alert check runs after every scheduled loader run, not only on
its own timer. Real loader runs (QTickets unreachable), real ClickHouse, the Bot API stand-in; the timers are an
hour long, so only a run can have woken the check."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from integrations.qtickets_api import Settings
from integrations.qtickets_api.notify import load_notify_settings
from integrations.qtickets_api.service import notify_schedule
from integrations.qtickets_api.service.schedule import LoaderSchedule
from integrations.qtickets_api.storage import connect, migrations
from telegram_sim import BotApi, BotApiConfig, BotApiServer
from tests.notify.conftest import TOKEN

NOON = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)  # 12:00 in Moscow: outside the quiet hours


async def _until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


def test_two_failed_scheduled_runs_are_told_right_after_the_second(tmp_path: Path, settings: Settings) -> None:
    unreachable = dataclasses.replace(
        settings, api_base_url="http://127.0.0.1:9/api/rest/v1", api_max_attempts=1, api_retry_budget_s=1
    )
    api = BotApi(BotApiConfig(token=TOKEN, chats={"1001": "ok"}))
    with BotApiServer(api) as bot, connect(unreachable) as storage:
        migrations.migrate(storage, unreachable.tz)
        notify = dataclasses.replace(
            load_notify_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_CHAT_IDS": "1001"}),
            api_url=bot.base_url,
            check_minutes=60.0,
            digest_time=datetime(2026, 1, 1, 23, 59).time(),  # not due at noon: only alerts are sent
        )
        schedule = LoaderSchedule(unreachable, storage, interval_s=3600.0, jitter_s=0.0, first_delay_s=3600.0)
        wake = asyncio.Event()
        schedule.after_run.append(wake.set)

        async def scenario() -> list[str]:
            loader = asyncio.create_task(schedule.run_forever())
            checker = asyncio.create_task(
                notify_schedule.forever(storage.another(), notify, lambda: NOON, wake, first_delay_s=3600.0)
            )
            try:
                schedule.wake()
                await _until(lambda: schedule.status.runs == 1)
                await asyncio.sleep(0.5)
                after_one = [m.text for m in api.sent]
                schedule.wake()
                await _until(lambda: schedule.status.runs == 2)
                await _until(lambda: any("подряд" in m.text for m in api.sent))
                return after_one
            finally:
                loader.cancel()
                checker.cancel()
                await asyncio.gather(loader, checker, return_exceptions=True)

        after_one = asyncio.run(scenario())
    assert schedule.status.failures == 2
    assert not any("подряд" in text for text in after_one)  # one failure is below ALERT_FAILED_RUNS=2
    told = [m for m in api.sent if "подряд" in m.text]
    assert len(told) == 1 and "не удалась 2 раза подряд" in told[0].text and told[0].chat_id == "1001"
