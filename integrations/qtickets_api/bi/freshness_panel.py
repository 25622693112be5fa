"""The freshness of the data for the header: the last successful run, its age, and the latest error."""

from __future__ import annotations

from .filters import Filters
from .panel import Column, Panel, Reader, Row, as_rows, register

STALE_AFTER_MINUTES = 45.0  # three missed 15-minute runs
FAILED = ("failed", "lease_lost")


def _freshness(reader: Reader, filters: Filters) -> list[Row]:
    rows = reader.rows(
        f"""
        SELECT last_success_at, age_minutes, last_run_at, last_run_status, last_error, failed_since_success
        FROM {reader.db}.bi_freshness
        """
    )
    out = as_rows(
        ["last_success_at", "age_minutes", "last_run_at", "last_run_status", "last_error", "failed_since_success"],
        rows,
    )
    for row in out:
        age = row["age_minutes"]
        row["stale"] = age is None or age > STALE_AFTER_MINUTES
        row["failed"] = row["last_run_status"] in FAILED  # a lease_lost run published nothing
    return out


register(
    Panel(
        "freshness",
        "Свежесть данных",
        (
            Column("last_success_at", "Последняя успешная загрузка (МСК)", "datetime_msk"),
            Column("age_minutes", "Минут назад", "minutes"),
            Column("last_run_at", "Последний запуск (МСК)", "datetime_msk"),
            Column("last_run_status", "Статус последнего запуска", "text"),
            Column("last_error", "Последняя ошибка", "text"),
            Column("failed_since_success", "Неудачных запусков после успешного"),
            Column("stale", "Данные устарели", "text"),
            Column("failed", "Последний запуск с ошибкой", "text"),
        ),
        _freshness,
        uses_dates=False,
    )
)
