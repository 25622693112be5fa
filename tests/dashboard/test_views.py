"""The bi_* views as a BI tool reads them (plain SELECTs, no FINAL): they equal the truth from the simulator's
orders, and ``bi_views.install`` re-creates only what changed or went missing."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from integrations.qtickets_api import connect
from integrations.qtickets_api.bi import panels
from integrations.qtickets_api.service import ReaderPool
from integrations.qtickets_api.storage import bi_views
from tests.dashboard.truth import Scope, Truth
from tests.dashboard.world import World

ALL_TIME = Scope(date(2000, 1, 1), date(2100, 1, 1))


def test_bi_sales_daily_equals_the_truth_by_sale_date_event_and_show(readers: ReaderPool, truth: Truth) -> None:
    rows = readers.rows(
        "SELECT sales_date, event_id, show_id, sum(tickets), sum(revenue), sum(discount), sum(free_tickets) "
        "FROM zakaz.bi_sales_daily GROUP BY sales_date, event_id, show_id"
    )
    got = {(r[0], int(r[1]), int(r[2])): (int(r[3]), Decimal(r[4]), Decimal(r[5]), int(r[6])) for r in rows}
    want: dict[tuple[date, int, int], list[object]] = defaultdict(lambda: [0, Decimal(0), Decimal(0), 0])
    for t in truth.tickets:
        acc = want[(t.sales_date, t.event_id, t.show_id)]
        acc[0] += t.tickets  # type: ignore[operator]
        acc[1] += t.revenue  # type: ignore[operator]
        acc[2] += t.original - t.revenue  # type: ignore[operator]
        acc[3] += t.tickets if t.revenue == 0 else 0  # type: ignore[operator]
    assert got == {k: tuple(v) for k, v in want.items()}


def test_bi_refunds_daily_is_by_refund_date(readers: ReaderPool, truth: Truth) -> None:
    rows = readers.rows("SELECT refund_date, sum(refunds), sum(refund_amount) FROM zakaz.bi_refunds_daily GROUP BY 1")
    want: dict[date, list[object]] = defaultdict(lambda: [0, Decimal(0)])
    for r in truth.refunds:
        want[r.refund_date][0] += r.tickets  # type: ignore[operator]
        want[r.refund_date][1] += r.amount  # type: ignore[operator]
    assert {r[0]: (int(r[1]), Decimal(r[2])) for r in rows} == {k: tuple(v) for k, v in want.items()}


def test_promo_and_utm_views_keep_every_ticket_with_explicit_buckets(readers: ReaderPool, truth: Truth) -> None:
    total = truth.kpi(ALL_TIME)["tickets"]
    promo = dict(readers.rows("SELECT promo_code, sum(tickets) FROM zakaz.bi_promo_daily GROUP BY 1"))
    utm = dict(readers.rows("SELECT utm_source, sum(tickets) FROM zakaz.bi_utm_daily GROUP BY 1"))
    assert sum(promo.values()) == total and sum(utm.values()) == total
    assert "без промокода" in promo and "" not in promo
    assert "без метки" in utm and "" not in utm


def test_attendance_is_scanned_over_sold_of_shows_that_took_place(
    readers: ReaderPool, truth: Truth, world: World
) -> None:
    # the API writes every time in Moscow time; the venue's clock is that instant in the city's own zone
    starts = {
        s["id"]: datetime.fromisoformat(s["start_date"]).astimezone(ZoneInfo(e["city"]["timezone"]))
        for e in world.sim.events()
        for s in e["shows"]
    }
    past = {sid for sid, start in starts.items() if start <= world.now}
    _, _, rows = panels.run("attendance", readers, {"from": "2020-01-01", "to": "2029-12-31"}, today=date.today())
    assert {r["show_id"] for r in rows} == {t.show_id for t in truth.tickets if t.show_id in past}
    for row in rows:
        mine = [t for t in truth.tickets if t.show_id == row["show_id"]]
        sold, scanned = sum(t.tickets for t in mine), sum(t.scanned for t in mine)
        assert (row["sold"], row["scanned"]) == (sold, scanned)
        assert row["share"] == scanned / sold
        assert row["show_start_local"].strftime("%Y-%m-%dT%H:%M") == starts[row["show_id"]].strftime("%Y-%m-%dT%H:%M")


def test_freshness_view_names_the_last_successful_run(readers: ReaderPool) -> None:
    row = readers.rows("SELECT last_success_at, age_minutes, last_run_status, last_error FROM zakaz.bi_freshness")[0]
    assert row[0] is not None and 0 <= row[1] < 60
    # earlier tests may have left a failed run last (the service's tests stop one on purpose)
    assert (row[2], row[3] == "") in (("success", True), ("failed", False))


def test_install_recreates_only_changed_or_missing_views(world: World) -> None:
    with connect(world.settings) as storage:
        assert bi_views.install(storage) == []
        storage.command("DROP VIEW zakaz.bi_utm_daily")
        assert bi_views.install(storage) == ["bi_utm_daily"]
        storage.command(
            "INSERT INTO zakaz.meta_bi_views VALUES ('bi_hourly_placeholder', 'x', now64(3)), "
            "('bi_sales_hourly', 'stale-checksum', now64(3))"
        )
        assert bi_views.install(storage) == ["bi_sales_hourly"]
        assert bi_views.install(storage) == []
    names = {v.name for v in bi_views.views()}
    assert {"bi_sales_daily", "bi_refunds_daily", "bi_pace", "bi_sell_through", "bi_promo_daily", "bi_utm_daily",
            "bi_sales_hourly", "bi_attendance", "bi_plan_vs_fact", "bi_freshness"} <= names  # fmt: skip


def test_bi_money_daily_has_the_three_figures_and_the_cash(readers: ReaderPool, truth: Truth) -> None:
    rows = readers.rows(
        "SELECT sales_date, event_id, sum(tickets), sum(revenue), sum(gross_tickets), sum(gross_revenue), "
        "sum(refunds), sum(refund_amount), sum(cash_revenue) FROM zakaz.bi_money_daily GROUP BY sales_date, event_id"
    )
    got = {(r[0], int(r[1])): (int(r[2]), Decimal(r[3]), int(r[4]), Decimal(r[5]), int(r[6]), Decimal(r[7]),
                               Decimal(r[8])) for r in rows}  # fmt: skip
    keys = {(t.sales_date, t.event_id) for t in truth.tickets}
    keys |= {(r.sales_date, r.event_id) for r in truth.refunds} | {(r.refund_date, r.event_id) for r in truth.refunds}
    want = {}
    for day, event_id in keys:
        m = truth.money(Scope(day, day, event_id=event_id))
        want[(day, event_id)] = (m["tickets"], m["revenue"], m["gross_tickets"], m["gross_revenue"], m["refunds"],
                                 m["refund_amount"], m["cash_revenue"])  # fmt: skip
    assert got == want
