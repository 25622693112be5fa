"""Alerts with an injected clock on a real ClickHouse: each fires once, is not repeated (not even after a restart),
resolves once with «снова в норме», and waits out the quiet hours unless it is urgent."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from integrations.qtickets_api import connect
from integrations.qtickets_api.notify import alerts, load_notify_settings
from integrations.qtickets_api.notify.errors import SendError
from integrations.qtickets_api.notify.sender import PrintSender
from integrations.qtickets_api.storage import Storage, migrations, schema
from tests.dashboard.world import World

MSK = ZoneInfo("Europe/Moscow")
NOON = datetime(2026, 12, 3, 12, 0, tzinfo=MSK)  # a Thursday
HOSTILE = "<Шоу> & «Огни»"


@pytest.fixture
def store(world: World, request: pytest.FixtureRequest) -> Iterator[Storage]:
    """A database of its own beside the world's (the same embedded engine), empty but migrated."""
    settings = dataclasses.replace(world.settings, clickhouse_db=f"alerts_{request.node.name[5:25]}")
    with connect(settings) as storage:
        storage.command(f"DROP DATABASE IF EXISTS {storage.db}")
        migrations.migrate(storage, "Europe/Moscow")
        yield storage
        storage.command(f"DROP DATABASE IF EXISTS {storage.db}")


def _settings(**env: str) -> object:
    return load_notify_settings({"TELEGRAM_CHAT_IDS": "1001", **env})


def _run(storage: Storage, status: str, at: datetime, error: str = "") -> None:
    row = [f"r-{at.timestamp()}", "qtickets_api", at, at, status, at, at, {}, 0, 0, 0, error, "t", "h", ""]
    storage.insert(schema.JOB_RUNS.name, [row], schema.JOB_RUNS.columns)


def _show(storage: Storage, show_id: int, start: datetime, capacity: int | None = None) -> None:
    now = datetime.now(UTC)
    storage.insert(schema.EVENTS.name, [[1, HOSTILE, 1, "Томск", "Asia/Tomsk", "Зал", 1, None, "h", 1, now]],
                   schema.EVENTS.columns)  # fmt: skip
    storage.insert(schema.SHOWS.name, [[show_id, 1, start, start, start.replace(tzinfo=UTC), "Europe/Moscow", 1,
                                        None, "h", 1, now]], schema.SHOWS.columns)  # fmt: skip
    if capacity is not None:
        storage.insert(
            schema.INVENTORY_SNAPSHOTS.name,
            [[now, "Томск", 1, HOSTILE, show_id, start, capacity, 0, 0, 0, 1, 1, "r"]],
            schema.INVENTORY_SNAPSHOTS.columns,
        )


def _sale(storage: Storage, show_id: int, day: datetime, tickets: int) -> None:
    storage.insert(
        schema.SALES_DETAIL.name,
        [[day.date(), 12, "Томск", 1, HOSTILE, show_id, tickets, Decimal(tickets * 1000)]],
        ("sales_date", "sale_hour", "city", "event_id", "event_name", "show_id", "tickets", "revenue"),
    )


def test_loader_failures_fire_once_survive_a_restart_and_resolve(store: Storage) -> None:
    settings = _settings()
    _run(store, "success", NOON - timedelta(minutes=40))
    _run(store, "failed", NOON - timedelta(minutes=25), "QTickets answered 503 five times\nTraceback...")
    first = PrintSender()
    assert alerts.check(store, settings, first, NOON).sent == []  # one failure is below ALERT_FAILED_RUNS=2
    _run(store, "failed", NOON - timedelta(minutes=10), "QTickets answered 503 five times")
    out = alerts.check(store, settings, first, NOON)
    assert len(out.sent) == 1 and "не удалась 2 раза подряд" in out.sent[0]
    assert "QTickets answered 503 five times" in out.sent[0] and "Traceback" not in out.sent[0]
    assert alerts.check(store, settings, first, NOON + timedelta(minutes=5)).sent == []
    restarted = store.another()  # a new connection knows only what ClickHouse holds
    try:
        assert alerts.check(restarted, settings, PrintSender(), NOON + timedelta(minutes=6)).sent == []
    finally:
        restarted.close()
    _run(store, "success", NOON + timedelta(minutes=15))
    out = alerts.check(store, settings, first, NOON + timedelta(minutes=16))
    assert out.sent == ["✅ Загрузка данных снова в норме"]
    assert alerts.check(store, settings, first, NOON + timedelta(minutes=17)).sent == []


def test_a_run_that_lost_the_lease_counts_as_a_failure(store: Storage) -> None:
    _run(store, "success", NOON - timedelta(minutes=40))
    _run(store, "failed", NOON - timedelta(minutes=25), "QTickets answered 503 five times")
    _run(store, "lease_lost", NOON - timedelta(minutes=10), "the run lease was lost: another run holds it")
    out = alerts.check(store, _settings(), PrintSender(), NOON)
    assert len(out.sent) == 1 and "не удалась 2 раза подряд" in out.sent[0]
    assert "the run lease was lost" in out.sent[0]


def test_stale_data_and_an_unsent_alert_stays_owed(store: Storage) -> None:
    settings = _settings(ALERT_STALE_MINUTES="30")
    _run(store, "success", NOON - timedelta(minutes=20))
    assert alerts.check(store, settings, PrintSender(), NOON).sent == []

    class Down(PrintSender):
        def send(self, chat_id: str, text: str) -> int:
            raise SendError("Telegram could not be reached")

    later = NOON + timedelta(minutes=15)
    with pytest.raises(SendError):
        alerts.check(store, settings, Down(), later)
    out = alerts.check(store, settings, PrintSender(), later + timedelta(minutes=1))
    assert len(out.sent) == 1 and "Данные устарели" in out.sent[0]


def test_quiet_hours_hold_what_is_not_urgent(store: Storage) -> None:
    settings = _settings()
    _run(store, "success", NOON)
    night = datetime(2026, 12, 4, 2, 0, tzinfo=MSK)
    _run(store, "success", night - timedelta(minutes=5))
    store.insert(schema.REFUNDS_DAILY.name, [[night.date(), "Томск", 1, HOSTILE, 1, "", 12, Decimal(12000), night,
                                                   night.date(), Decimal(12000)]],
                 schema.REFUNDS_DAILY.columns)  # fmt: skip
    out = alerts.check(store, settings, PrintSender(), night)
    assert out.sent == [] and len(out.held) == 1 and "Много возвратов" in out.held[0]
    _run(store, "failed", night + timedelta(minutes=10), "boom")
    _run(store, "failed", night + timedelta(minutes=20), "boom")
    out = alerts.check(store, settings, PrintSender(), night + timedelta(minutes=25))
    assert len(out.sent) == 1 and "не удалась 2 раза подряд" in out.sent[0]  # urgent: it goes at night
    morning = datetime(2026, 12, 4, 8, 30, tzinfo=MSK)
    _run(store, "success", morning - timedelta(minutes=5))
    out = alerts.check(store, settings, PrintSender(), morning)
    assert len(out.sent) == 2 and out.held == []
    assert {"Загрузка данных снова в норме" in m or "Много возвратов" in m for m in out.sent} == {True}


def test_no_sales_near_sellout_and_escaped_names(store: Storage) -> None:
    settings = _settings()
    _run(store, "success", NOON)
    _show(store, 7, NOON + timedelta(days=20), capacity=100)
    _sale(store, 7, NOON - timedelta(days=10), 40)
    _sale(store, 7, NOON - timedelta(days=4), 10)
    out = alerts.check(store, settings, PrintSender(), NOON)
    assert len(out.sent) == 1 and "Нет продаж 4 дн." in out.sent[0]
    assert "&lt;Шоу&gt; &amp; «Огни»" in out.sent[0] and HOSTILE not in out.sent[0]
    _sale(store, 7, NOON, 42)  # 92 of 100: sales resume, and the show is near sellout
    out = alerts.check(store, settings, PrintSender(), NOON + timedelta(minutes=15))
    assert sorted(m.split(":")[0] for m in out.sent) == ["✅ Продажи снова идут", "🟢 <b>Почти всё продано</b>"]
    assert "92,0 %" in next(m for m in out.sent if "Почти" in m).replace("\u00a0", " ")
    assert alerts.check(store, settings, PrintSender(), NOON + timedelta(minutes=30)).sent == []
    # once the show is over nothing is said: the alert is closed without a message
    _run(store, "success", NOON + timedelta(days=22))
    assert alerts.check(store, settings, PrintSender(), NOON + timedelta(days=22, minutes=1)).sent == []


def test_the_scheduled_digest_goes_once_a_day_at_its_time(store: Storage) -> None:
    from integrations.qtickets_api.notify import run

    settings = _settings(DIGEST_TIME="09:00")
    _run(store, "success", NOON - timedelta(days=2))
    printed = PrintSender()
    for hour, minute, day in ((8, 50, 3), (9, 5, 3), (9, 20, 3), (23, 0, 3), (8, 59, 4), (9, 0, 4)):
        moment = datetime(2026, 12, day, hour, minute, tzinfo=MSK)
        _run(store, "success", moment - timedelta(minutes=1))
        run.scheduled(store, settings, printed, moment)
    digests = [text for _chat, text in printed.printed if text.startswith("<b>Продажи за")]
    assert [d.split("</b>")[0] for d in digests] == ["<b>Продажи за 02.12.2026", "<b>Продажи за 03.12.2026"]


def _order(storage: Storage, order_id: int, run_id: str, at: datetime) -> None:
    row = [order_id, 1, at, at, 1, at, None, 1, Decimal(1000), "RUB", 1, 1, "", "", "", "{}", run_id, at]
    storage.insert(schema.ORDERS_RAW.name, [row], schema.ORDERS_RAW.columns)


def test_silent_webhooks_fire_only_where_webhooks_are_in_use(store: Storage) -> None:
    settings = _settings(ALERT_WEBHOOK_SILENT_MINUTES="60")
    _run(store, "success", NOON)
    _order(store, 1, "scheduled-run", NOON - timedelta(minutes=30))
    assert not [m for m in alerts.check(store, settings, PrintSender(), NOON).sent if "Вебхуки" in m]
    _order(store, 2, "webhook-abc", NOON - timedelta(days=2))  # webhooks are in use
    out = alerts.check(store, settings, PrintSender(), NOON + timedelta(minutes=1))
    assert len(out.sent) == 1 and "Вебхуки молчат" in out.sent[0]
    _order(store, 3, "webhook-def", NOON + timedelta(minutes=5))
    out = alerts.check(store, settings, PrintSender(), NOON + timedelta(minutes=6))
    assert out.sent == ["✅ Вебхуки снова приходят"]


def test_a_show_behind_its_comparables_and_its_plan(store: Storage) -> None:
    settings = _settings()
    _run(store, "success", NOON)
    for n in range(1, 7):  # six finished shows of the same event: 100 sold by 10 days before, 200 in the end
        start = NOON - timedelta(days=30 * n)
        _show(store, 100 + n, start)
        _sale(store, 100 + n, start - timedelta(days=20), 60)
        _sale(store, 100 + n, start - timedelta(days=12), 40)
        _sale(store, 100 + n, start - timedelta(days=2), 100)
    _show(store, 7, NOON + timedelta(days=10), capacity=1000)
    _sale(store, 7, NOON - timedelta(days=1), 60)  # 60 where the comparables had 100: 40 % behind (threshold 30 %)
    out = alerts.check(store, settings, PrintSender(), NOON)
    assert len(out.sent) == 1 and "Показ отстаёт" in out.sent[0] and "продавали 100" in out.sent[0]
    _sale(store, 7, NOON, 30)  # 90: within 30 % of the pace
    out = alerts.check(store, settings, PrintSender(), NOON + timedelta(minutes=15))
    assert len(out.sent) == 1 and out.sent[0].startswith("✅ Показ снова в графике")
    # a plan above what even P75 reaches: behind again, now for the plan
    store.insert(schema.PLAN.name, [[1, 7, None, 5000, Decimal(0), datetime.now(UTC)]], schema.PLAN.columns)
    out = alerts.check(store, settings, PrintSender(), NOON + timedelta(minutes=30))
    assert len(out.sent) == 1 and "ниже плана 5" in out.sent[0].replace("\u00a0", " ")
