"""The ``forecast`` panel: every upcoming show's expected final tickets and revenue with its P25–P75 band, as of
the period's end (``to``, default today), with its capacity (null when unknown) and plan (null when none)."""

from __future__ import annotations

from ..bi.filters import Filters
from ..bi.panel import Column, Panel, Reader, Row, register
from ..domain.moscow import MOSCOW
from .curves import read_curves
from .pickup import forecast_all

UNKNOWN = "неизвестно"


def _forecast(reader: Reader, filters: Filters) -> list[Row]:
    plans = {
        int(show): int(target)
        for show, target in reader.rows(
            f"SELECT show_id, target_tickets FROM {reader.db}.bi_plan_vs_fact "
            "WHERE plan_date IS NULL AND show_id > 0 AND target_tickets > 0"
        )
    }
    rows = []
    for f in forecast_all(read_curves(reader, MOSCOW), filters.date_to):
        if (filters.city and f.city != filters.city) or (filters.event_id and f.event_id != filters.event_id):
            continue
        if filters.show_id and f.show_id != filters.show_id:
            continue
        rows.append(
            {
                "show_id": f.show_id, "event_id": f.event_id, "event_name": f.event_name, "city": f.city,
                "show_start_local": f.show_start_local, "sold": f.sold, "forecast_p25": f.p25,
                "forecast_p50": f.p50, "forecast_p75": f.p75, "revenue_p25": f.revenue_p25,
                "revenue_p50": f.revenue_p50, "revenue_p75": f.revenue_p75, "capacity": f.capacity,
                "plan": plans.get(f.show_id), "basis": f.basis, "comparables": f.comparables,
            }
        )  # fmt: skip
    return rows


FORECAST = register(
    Panel(
        "forecast",
        "Прогноз продаж по показам",
        (
            Column("show_id", "Показ", "id"),
            Column("event_id", "Событие", "id"),
            Column("event_name", "Название", "text"),
            Column("city", "Город", "text"),
            Column("show_start_local", "Начало (время площадки)", "datetime_local"),
            Column("sold", "Продано"),
            Column("forecast_p25", "Прогноз, нижняя граница (25-й процентиль)"),
            Column("forecast_p50", "Прогноз, билеты"),
            Column("forecast_p75", "Прогноз, верхняя граница (75-й процентиль)"),
            Column("revenue_p25", "Прогноз выручки, нижняя граница, ₽", "money"),
            Column("revenue_p50", "Прогноз выручки, ₽", "money"),
            Column("revenue_p75", "Прогноз выручки, верхняя граница, ₽", "money"),
            Column("capacity", "Вместимость", unknown=UNKNOWN),
            Column("plan", "План, билеты", unknown="нет плана"),
            Column("basis", "По каким показам", "text"),
            Column("comparables", "Сколько показов в основе"),
        ),
        _forecast,
        uses_dates=False,
    )
)
