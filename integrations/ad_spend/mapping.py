"""From a campaign to the city, event and show its spend is for. Pure: the inputs are read by :mod:`.store`.

The rules, first that applies wins:

1. ``rules``: the organiser's file (:mod:`.rules_csv`): the first line whose glob matches the campaign name
   (and whose channel, if given, is the campaign's).
2. ``utm_content``: the organiser's tag convention ``<city>_<dd>_<mm>`` (``tomsk_12_03``) written in the campaign
   name, as the links' ``utm_content`` carries it: the city, and the show(s) in that city starting on that day
   (the one nearest the campaign's first spend). One event that day: the event (and its show, if only one).
3. ``utm_campaign``: orders whose ``utm_campaign`` is the campaign id (Direct's ``{campaign_id}``, VK's
   ``{{campaign_id}}``) and whose ``utm_source`` is the channel's: the event most of their tickets are for, and
   its show if all of those tickets are for one show.

Nothing applies: ``none`` — the spend stays, shown as «не сопоставлено».
"""

from __future__ import annotations

import fnmatch
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

# utm_source values that mean each channel (lower case)
SOURCES: dict[str, frozenset[str]] = {
    "yandex_direct": frozenset({"yandex", "ya", "direct", "yandex_direct", "yandexdirect", "yd"}),
    "vk_ads": frozenset({"vk", "vkads", "vk_ads", "vkontakte", "mytarget", "vk_reklama"}),
}
UNMAPPED_LABEL = "не сопоставлено"
UNTAGGED_LABEL = "без метки"
_TOKEN = re.compile(r"(?<![a-z0-9])([a-z]+)_(\d{1,2})_(\d{1,2})(?![0-9])")
_LATIN = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i", "й": "y",
    "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f",
    "х": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
})  # fmt: skip


def slug(text: str) -> str:
    """Lower-case latin letters and digits: ``Новокузнецк`` -> ``novokuznetsk`` (the organiser's transliteration)."""
    return "".join(ch for ch in text.casefold().translate(_LATIN) if ch.isalnum())


@dataclass(frozen=True)
class Target:
    city: str
    event_id: int
    show_id: int
    mapped_by: str


UNMAPPED = Target("", 0, 0, "none")


@dataclass(frozen=True)
class Rule:
    position: int
    channel: str
    pattern: str
    city: str
    event_id: int
    show_id: int


@dataclass(frozen=True)
class ShowInfo:
    show_id: int
    event_id: int
    city: str
    day: date  # the local start date (the venue's wall clock)


@dataclass
class Inputs:
    rules: list[Rule] = field(default_factory=list)
    shows: list[ShowInfo] = field(default_factory=list)
    # (channel, campaign id) -> [(event id, show id, city, tickets)] of orders that carry the campaign id
    tagged: dict[tuple[str, int], list[tuple[int, int, str, int]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._by_show = {s.show_id: s for s in self.shows}
        self._city_of_event = {s.event_id: s.city for s in self.shows}
        self._by_city: dict[str, list[ShowInfo]] = defaultdict(list)
        for show in self.shows:
            self._by_city[slug(show.city)].append(show)


def map_campaign(channel: str, campaign_id: int, name: str, first_day: date, inputs: Inputs) -> Target:
    return (
        _by_rules(channel, name, inputs)
        or _by_token(name, first_day, inputs)
        or _by_orders(channel, campaign_id, inputs)
        or UNMAPPED
    )


def _by_rules(channel: str, name: str, inputs: Inputs) -> Target | None:
    folded = name.casefold()
    for rule in sorted(inputs.rules, key=lambda r: r.position):
        if rule.channel and rule.channel != channel:
            continue
        if not fnmatch.fnmatchcase(folded, rule.pattern.casefold()):
            continue
        if not (rule.city or rule.event_id or rule.show_id):
            return UNMAPPED  # a rule that keeps these campaigns unmapped on purpose
        show = inputs._by_show.get(rule.show_id) if rule.show_id else None
        event_id = show.event_id if show else rule.event_id
        city = rule.city or (show.city if show else inputs._city_of_event.get(event_id, ""))
        return Target(city, event_id, rule.show_id, "rules")
    return None


def _by_token(name: str, first_day: date, inputs: Inputs) -> Target | None:
    for match in _TOKEN.finditer(name.casefold().translate(_LATIN)):
        shows = inputs._by_city.get(match.group(1))
        if not shows:
            continue
        day, month = int(match.group(2)), int(match.group(3))
        same = [s for s in shows if s.day.day == day and s.day.month == month]
        city = shows[0].city
        if not same:
            return Target(city, 0, 0, "utm_content")
        nearest = min(abs((s.day - first_day).days) for s in same)
        same = [s for s in same if abs((s.day - first_day).days) == nearest]
        events = {s.event_id for s in same}
        if len(events) > 1:
            return Target(city, 0, 0, "utm_content")
        return Target(city, same[0].event_id, same[0].show_id if len(same) == 1 else 0, "utm_content")
    return None


def _by_orders(channel: str, campaign_id: int, inputs: Inputs) -> Target | None:
    tagged = inputs.tagged.get((channel, campaign_id))
    if not tagged:
        return None
    per_event: dict[int, int] = defaultdict(int)
    for event_id, _, _, tickets in tagged:
        per_event[event_id] += tickets
    event_id = max(sorted(per_event), key=lambda e: per_event[e])
    shows = {show_id for e, show_id, _, _ in tagged if e == event_id}
    city = next(c for e, _, c, _ in tagged if e == event_id)
    return Target(city, event_id, next(iter(shows)) if len(shows) == 1 else 0, "utm_campaign")


__all__ = [
    "SOURCES", "UNMAPPED", "UNMAPPED_LABEL", "UNTAGGED_LABEL", "Inputs", "Rule", "ShowInfo", "Target", "map_campaign",
    "slug",
]  # fmt: skip
