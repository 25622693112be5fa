"""The organiser's ad campaigns, shared by the QTickets simulator and the ad simulators (``direct_sim``,
``vk_ads_sim``) so that the orders' UTM tags and the ad accounts tell one story.

Every event gets, per channel, one campaign per UTM campaign word of :mod:`.catalog` (``season``, ``weekend``,
``kids``, ``last_days``). An order tagged ``utm_source=yandex`` (or ``vk``) with one of those words carries the
campaign's id in ``utm_campaign`` — the organiser's links use Direct's ``{campaign_id}`` and VK's
``{{campaign_id}}`` macros. Names follow the organiser's habits, so that each of the loader's mapping rules has
campaigns to map:

- ``season``: ``<city>_<dd>_<mm> <title> | поиск`` — the token of the organiser's ``utm_content`` convention;
- ``weekend`` / ``last_days``: the title only — mapped through the orders that carry the campaign id;
- ``kids``: ``Дети — <title> (<city>)`` — for the organiser's rules file;
- one brand campaign per channel that sells nothing in particular (``Бренд — общая``): spend that maps to nothing.

The daily figures are a pure function of (campaign, day): the truth a test compares a loader with needs no state.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from .catalog import UTM_CAMPAIGNS
from .model import Event

CHANNELS = ("yandex", "vk")
_BASE_ID = {"yandex": 70_000_000, "vk": 9_000_000}
BRAND_ID_OFFSET = 999_999
_LATIN = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i", "й": "y",
    "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f",
    "х": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
})  # fmt: skip


def city_slug(name: str) -> str:
    """The latin city name of the organiser's ``utm_content`` tokens: ``Томск`` -> ``tomsk``."""
    return "".join(ch for ch in name.lower().translate(_LATIN) if ch.isalnum())


def campaign_id(channel: str, event_id: int, word: str) -> int:
    """The id of the campaign of ``channel`` (``yandex`` or ``vk``) for one event and UTM word."""
    return _BASE_ID[channel] + event_id * 10 + UTM_CAMPAIGNS.index(word)


@dataclass(frozen=True)
class Campaign:
    channel: str
    id: int
    name: str
    first_day: date
    last_day: date
    event_id: int  # 0: the brand campaign
    word: str


def _first_local_day(event: Event) -> date:
    first = min(event.shows, key=lambda show: show.start_ts)
    return datetime.fromtimestamp(first.start_ts, ZoneInfo(event.venue.city.timezone)).date()


def _name(event: Event, word: str) -> str:
    title = event.name.split("«")[-1].rstrip("»") if "«" in event.name else event.name
    city = event.venue.city.name
    if word == "season":
        day = _first_local_day(event)
        return f"{city_slug(city)}_{day.day:02d}_{day.month:02d} {title} | поиск"
    if word == "kids":
        return f"Дети — {title} ({city})"
    if word == "weekend":
        return f"{title} — выходные"
    return f"{title} — последние дни"


def plan(events: list[Event], channel: str, today: date) -> list[Campaign]:
    """The campaigns of ``channel``: those of every event with shows, and the brand campaign; ordered by id."""
    found = []
    for event in events:
        if not event.shows or event.deleted_ts is not None:
            continue
        # the organiser advertises from the start of sales to the last show
        sale_start = min(show.sale_start_ts for show in event.shows)
        finish = max(show.finish_ts for show in event.shows)
        zone = ZoneInfo("Europe/Moscow")
        first = datetime.fromtimestamp(sale_start, zone).date()
        last = min(datetime.fromtimestamp(finish, zone).date(), today)
        if last < first:
            continue
        for word in UTM_CAMPAIGNS:
            found.append(
                Campaign(channel, campaign_id(channel, event.id, word), _name(event, word), first, last, event.id, word)
            )
    brand = _BASE_ID[channel] + BRAND_ID_OFFSET
    found.append(Campaign(channel, brand, "Бренд — общая", today - timedelta(days=400), today, 0, ""))
    return sorted(found, key=lambda c: c.id)


def _draw(*parts: object) -> int:
    return int.from_bytes(hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest(), "big")


@dataclass(frozen=True)
class DayStats:
    impressions: int
    clicks: int
    cost_kopecks: int  # without VAT


def day_stats(campaign: Campaign, day: date) -> DayStats | None:
    """What ``campaign`` showed, was clicked and cost on ``day`` (``None``: it did not run that day)."""
    if not campaign.first_day <= day <= campaign.last_day:
        return None
    draw = _draw(campaign.channel, campaign.id, day.isoformat())
    if draw % 7 == 0:  # a day paused, or out of budget
        return None
    impressions = 200 + draw % 4800
    clicks = impressions * (5 + (draw >> 13) % 25) // 1000
    cpc_kopecks = 1200 + (draw >> 21) % 3300  # 12–45 roubles a click
    return DayStats(impressions, clicks, clicks * cpc_kopecks + (draw >> 33) % 100)


__all__ = ["CHANNELS", "Campaign", "DayStats", "campaign_id", "city_slug", "day_stats", "plan"]
