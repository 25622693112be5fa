"""The mapping rules on hand-made inputs: each rule, their order, and the cases where a rule must not guess."""

from __future__ import annotations

from datetime import date

from integrations.ad_spend.mapping import UNMAPPED, Inputs, Rule, ShowInfo, Target, map_campaign

SHOWS = [
    ShowInfo(11, 1, "Томск", date(2026, 3, 12)),
    ShowInfo(12, 1, "Томск", date(2026, 3, 12)),  # two shows of one event that day
    ShowInfo(21, 2, "Томск", date(2026, 4, 1)),
    ShowInfo(31, 3, "Барнаул", date(2026, 4, 1)),
    ShowInfo(41, 4, "Барнаул", date(2026, 4, 1)),  # two events in one city that day
    ShowInfo(51, 5, "Новокузнецк", date(2025, 5, 9)),
    ShowInfo(52, 5, "Новокузнецк", date(2026, 5, 9)),  # the same dd.mm a year later
]
START = date(2026, 3, 1)


def target(name: str, inputs: Inputs | None = None, campaign_id: int = 1, channel: str = "yandex_direct") -> Target:
    return map_campaign(channel, campaign_id, name, START, inputs or Inputs(shows=SHOWS))


def test_the_utm_content_token_names_city_and_day() -> None:
    assert target("tomsk_01_04 Шоу | поиск") == Target("Томск", 2, 21, "utm_content")
    assert target("Томск_01_04 на кириллице") == Target("Томск", 2, 21, "utm_content")
    assert target("tomsk_12_03") == Target("Томск", 1, 0, "utm_content")  # the event, not one of its two shows
    assert target("barnaul_01_04") == Target("Барнаул", 0, 0, "utm_content")  # two events: the city only
    assert target("novokuznetsk_09_05") == Target("Новокузнецк", 5, 52, "utm_content")  # the nearer year
    assert target("omsk_01_04") == UNMAPPED  # no such city among the shows
    assert target("tomsk_2_7 nothing that day") == Target("Томск", 0, 0, "utm_content")


def test_orders_carrying_the_campaign_id_map_it() -> None:
    tagged = {("vk_ads", 7): [(2, 21, "Томск", 5), (3, 31, "Барнаул", 2)]}
    inputs = Inputs(shows=SHOWS, tagged=tagged)
    assert target("Весна", inputs, 7, "vk_ads") == Target("Томск", 2, 21, "utm_campaign")
    assert target("Весна", inputs, 7, "yandex_direct") == UNMAPPED  # another channel's campaign 7
    spread = Inputs(shows=SHOWS, tagged={("vk_ads", 8): [(1, 11, "Томск", 3), (1, 12, "Томск", 3)]})
    assert target("Весна", spread, 8, "vk_ads") == Target("Томск", 1, 0, "utm_campaign")


def test_the_organisers_rules_come_first_in_file_order() -> None:
    rules = [
        Rule(2, "vk_ads", "*весна*", "Омск", 0, 0),
        Rule(3, "", "*ВЕСНА*", "", 3, 0),
        Rule(4, "", "*бренд*", "", 0, 0),
    ]
    inputs = Inputs(rules=rules, shows=SHOWS, tagged={("yandex_direct", 1): [(2, 21, "Томск", 5)]})
    assert target("tomsk_01_04 Весна", inputs) == Target("Барнаул", 3, 0, "rules")  # the city from the event
    assert target("Весна", inputs, 1, "vk_ads") == Target("Омск", 0, 0, "rules")
    assert target("Бренд tomsk_01_04", inputs) == UNMAPPED  # kept unmapped on purpose
    assert target("Лето", inputs) == Target("Томск", 2, 21, "utm_campaign")
