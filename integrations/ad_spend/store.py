"""``fact_ad_spend_daily``: writing a window of spend, reading the mapping's inputs, re-mapping campaigns."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from integrations.qtickets_api.storage import schema
from integrations.qtickets_api.storage.connection import Storage

from .mapping import SOURCES, Inputs, Rule, ShowInfo, Target, map_campaign

TABLE = schema.AD_SPEND.name
COLUMNS = schema.AD_SPEND.columns
CENT = Decimal("0.01")
_DIGITS = re.compile(r"^[0-9]{1,19}$")


def vat_percent(day: date) -> Decimal:
    """Russian VAT on advertising services: 20 % until 2025, 22 % from 2026-01-01 (Federal Law 425-FZ)."""
    return Decimal(22) if day >= date(2026, 1, 1) else Decimal(20)


class Campaign(NamedTuple):
    channel: str
    account: str
    campaign_id: int
    campaign_name: str


@dataclass(frozen=True)
class SpendRow:
    spend_date: date
    channel: str
    account: str
    campaign_id: int
    campaign_name: str
    impressions: int
    clicks: int
    spend: Decimal  # VAT included
    spend_ex_vat: Decimal
    vat_rate: Decimal
    vat_source: str

    @staticmethod
    def with_vat(day: date, spend: Decimal, ident: Campaign, impressions: int, clicks: int) -> SpendRow:
        """A row whose source reported the amount charged with VAT."""
        rate = vat_percent(day)
        ex = (spend * 100 / (100 + rate)).quantize(CENT, ROUND_HALF_UP)
        return SpendRow(day, *ident, impressions, clicks, spend.quantize(CENT, ROUND_HALF_UP), ex, rate, "reported")

    @staticmethod
    def without_vat(day: date, spend_ex_vat: Decimal, ident: Campaign, impressions: int, clicks: int) -> SpendRow:
        """A row whose source reported the amount without VAT: the VAT is added at the day's rate."""
        rate = vat_percent(day)
        spend = (spend_ex_vat * (100 + rate) / 100).quantize(CENT, ROUND_HALF_UP)
        ex = spend_ex_vat.quantize(CENT, ROUND_HALF_UP)
        return SpendRow(day, *ident, impressions, clicks, spend, ex, rate, "computed")


def read_inputs(storage: Storage) -> Inputs:
    db = storage.db
    rules = [
        Rule(int(r[0]), str(r[1]), str(r[2]), str(r[3]), int(r[4]), int(r[5]))
        for r in storage.rows(
            f"SELECT position, channel, pattern, city, event_id, show_id FROM {db}.dim_ad_campaign_rules "
            f"WHERE loaded_at = (SELECT max(loaded_at) FROM {db}.dim_ad_campaign_rules) ORDER BY position"
        )
    ]
    shows = [
        ShowInfo(int(r[0]), int(r[1]), str(r[2]), r[3])
        for r in storage.rows(
            "SELECT s.show_id, s.event_id, e.city_name, "
            "toDate(coalesce(s.start_local, toTimeZone(s.start_date, 'Europe/Moscow'))) AS day "
            f"FROM {db}.dim_qtickets_api_shows AS s FINAL INNER JOIN {db}.dim_qtickets_api_events AS e FINAL "
            "ON e.event_id = s.event_id WHERE coalesce(s.start_local, s.start_date) IS NOT NULL"
        )
    ]
    source_channel = {source: channel for channel, sources in SOURCES.items() for source in sources}
    tagged: dict[tuple[str, int], list[tuple[int, int, str, int]]] = defaultdict(list)
    for source, campaign, event_id, show_id, city, tickets in storage.rows(
        "SELECT lower(utm_source), utm_campaign, event_id, show_id, city, sum(tickets) "
        f"FROM {db}.fact_qtickets_sales_detail WHERE match(utm_campaign, '^[0-9]{{1,19}}$') "
        "GROUP BY 1, 2, 3, 4, 5"
    ):
        channel = source_channel.get(str(source))
        if channel and _DIGITS.match(str(campaign)):
            tagged[(channel, int(campaign))].append((int(event_id), int(show_id), str(city), int(tickets)))
    return Inputs(rules, shows, dict(tagged))


def write(
    storage: Storage,
    rows: list[SpendRow],
    run_id: str,
    inputs: Inputs,
    *,
    channel: str,
    account: str,
    first: date,
    last: date,
) -> int:
    """Store a window's rows: newer versions replace the older rows of the same day and campaign, and a stored day
    of a campaign that the source no longer reports in the window is written again as zero (spend corrected to
    nothing is not left standing)."""
    reported = {(row.spend_date, row.campaign_id) for row in rows}
    stale = storage.rows(
        f"SELECT {', '.join(COLUMNS[:11])} FROM {storage.db}.{TABLE} FINAL WHERE channel = {{channel:String}} "
        "AND account = {account:String} AND spend_date BETWEEN {first:Date} AND {last:Date} AND "
        "(impressions > 0 OR clicks > 0 OR spend > 0)",
        {"channel": channel, "account": account, "first": first, "last": last},
    )
    zero = Decimal("0.00")
    for old in stale:
        if (old[0], int(old[3])) not in reported:
            rows = [*rows, replace(SpendRow(*old), impressions=0, clicks=0, spend=zero, spend_ex_vat=zero)]
    if not rows:
        return 0
    first_day: dict[tuple[str, int], date] = {}
    for row in rows:
        key = (row.channel, row.campaign_id)
        first_day[key] = min(first_day.get(key, row.spend_date), row.spend_date)
    known = _first_days(storage)
    targets = {
        (row.channel, row.campaign_id): map_campaign(
            row.channel,
            row.campaign_id,
            row.campaign_name,
            min(first_day[(row.channel, row.campaign_id)], known.get((row.channel, row.campaign_id), date.max)),
            inputs,
        )
        for row in rows
    }
    now = datetime.now(UTC)
    storage.insert(TABLE, [_values(row, targets[(row.channel, row.campaign_id)], run_id, now) for row in rows], COLUMNS)
    return len(rows)


def remap(storage: Storage, inputs: Inputs, run_id: str) -> int:
    """Map every stored campaign again (new orders, new rules, new shows); rewrite those whose target changed.

    Returns the number of campaigns re-mapped."""
    db = storage.db
    current = storage.rows(
        "SELECT channel, account, campaign_id, argMax(campaign_name, spend_date), min(spend_date), "
        "argMax(city, loaded_at), argMax(event_id, loaded_at), argMax(show_id, loaded_at), "
        "argMax(mapped_by, loaded_at) "
        f"FROM {db}.{TABLE} FINAL GROUP BY channel, account, campaign_id"
    )
    changed: dict[tuple[str, str, int], Target] = {}
    for channel, account, campaign_id, name, first, city, event_id, show_id, by in current:
        target = map_campaign(str(channel), int(campaign_id), str(name), first, inputs)
        if target != Target(str(city), int(event_id), int(show_id), str(by)):
            changed[(str(channel), str(account), int(campaign_id))] = target
    if not changed:
        return 0
    rows = storage.rows(
        f"SELECT {', '.join(COLUMNS[:11])} FROM {db}.{TABLE} FINAL "
        "WHERE (channel, account, campaign_id) IN {keys:Array(Tuple(String, String, UInt64))}",
        {"keys": list(changed)},
    )
    now = datetime.now(UTC)
    values = []
    for row in rows:
        spend_row = SpendRow(*row)
        values.append(_values(spend_row, changed[(str(row[1]), str(row[2]), int(row[3]))], run_id, now))
    storage.insert(TABLE, values, COLUMNS)
    return len(changed)


def _first_days(storage: Storage) -> dict[tuple[str, int], date]:
    return {
        (str(r[0]), int(r[1])): r[2]
        for r in storage.rows(
            f"SELECT channel, campaign_id, min(spend_date) FROM {storage.db}.{TABLE} GROUP BY channel, campaign_id"
        )
    }


def _values(row: SpendRow, target: Target, run_id: str, now: datetime) -> list[object]:
    return [
        row.spend_date,
        row.channel,
        row.account,
        row.campaign_id,
        row.campaign_name,
        row.impressions,
        row.clicks,
        row.spend,
        row.spend_ex_vat,
        row.vat_rate,
        row.vat_source,
        target.city,
        target.event_id,
        target.show_id,
        target.mapped_by,
        run_id,
        now,
    ]


__all__ = ["COLUMNS", "TABLE", "Campaign", "SpendRow", "read_inputs", "remap", "vat_percent", "write"]
