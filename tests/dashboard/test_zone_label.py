"""A venue's zone as a promoter reads it: the city and the offset from Moscow on the show's own date."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from integrations.qtickets_api.bi.panel import with_zone_labels, zone_label


@pytest.mark.parametrize(
    ("tz", "on", "label"),
    [
        ("Asia/Novosibirsk", date(2026, 12, 6), "Новосибирск (МСК+4)"),
        ("Asia/Krasnoyarsk", date(2026, 6, 1), "Красноярск (МСК+4)"),
        ("Asia/Novokuznetsk", date(2026, 6, 1), "Новокузнецк (МСК+4)"),
        ("Asia/Yekaterinburg", date(2026, 6, 1), "Екатеринбург (МСК+2)"),
        ("Europe/Moscow", date(2026, 6, 1), "Москва (МСК)"),
        ("Europe/Kaliningrad", date(2026, 6, 1), "Калининград (МСК−1)"),
        ("Europe/Samara", date(2026, 6, 1), "Самара (МСК+1)"),
        # Novosibirsk moved from UTC+6 to UTC+7 on 2016-07-24: the offset is the one of the show's day
        ("Asia/Novosibirsk", date(2016, 1, 10), "Новосибирск (МСК+3)"),
        # a zone with DST: the offset from Moscow follows the date
        ("Europe/Berlin", date(2026, 1, 10), "Berlin (МСК−2)"),
        ("Europe/Berlin", date(2026, 7, 10), "Berlin (МСК−1)"),
        ("Asia/Kolkata", date(2026, 7, 10), "Kolkata (МСК+2:30)"),
        ("", date(2026, 7, 10), ""),
        ("Not/AZone", date(2026, 7, 10), "Not/AZone"),
    ],
)
def test_zone_label(tz: str, on: date, label: str) -> None:
    assert zone_label(tz, on) == label


def test_rows_keep_the_iana_name_beside_the_label() -> None:
    rows = with_zone_labels([{"show_timezone": "Asia/Novosibirsk", "show_start_local": datetime(2026, 12, 6, 19)}])
    assert rows == [
        {
            "show_timezone": "Asia/Novosibirsk",
            "show_start_local": datetime(2026, 12, 6, 19),
            "show_zone": "Новосибирск (МСК+4)",
        }
    ]
