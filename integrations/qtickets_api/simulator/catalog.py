"""Invented reference data: cities, venue templates, names. No real person's data."""

from __future__ import annotations

from typing import Final

# (name, IANA time zone, share of the organiser's events)
CITIES: Final = (
    ("Москва", "Europe/Moscow", 0.28),
    ("Санкт-Петербург", "Europe/Moscow", 0.18),
    ("Казань", "Europe/Moscow", 0.10),
    ("Екатеринбург", "Asia/Yekaterinburg", 0.10),
    ("Новосибирск", "Asia/Novosibirsk", 0.09),
    ("Нижний Новгород", "Europe/Moscow", 0.08),
    ("Самара", "Europe/Samara", 0.09),
    ("Краснодар", "Europe/Moscow", 0.08),
)

STREETS: Final = (
    "ул. Лесная",
    "пр. Победы",
    "ул. Садовая",
    "наб. Речная",
    "ул. Театральная",
    "пр. Строителей",
    "ул. Парковая",
    "ул. Заводская",
)

# A seated zone: (zone id, name, rows, places per row, tariffs, price factor).
# A general-admission zone: (zone id, name, 0, capacity, tariffs, price factor).
ZoneTemplate = tuple[str, str, int, int, tuple[str, ...], float]

VENUE_TEMPLATES: Final[tuple[tuple[str, tuple[ZoneTemplate, ...]], ...]] = (
    (
        "Концертный зал «{n}»",
        (
            ("CENTER_PARTERRE", "Партер, центр", 24, 34, ("full", "child"), 1.0),
            ("LEFT_PARTERRE", "Партер, левая сторона", 18, 12, ("full", "child"), 0.8),
            ("RIGHT_PARTERRE", "Партер, правая сторона", 18, 12, ("full", "child"), 0.8),
            ("BALCONY", "Балкон", 10, 34, ("full",), 0.6),
        ),
    ),
    (
        "Камерная сцена «{n}»",
        (
            ("CENTER_PARTERRE", "Партер", 10, 16, ("full", "child"), 1.0),
            ("BALCONY", "Балкон", 4, 14, ("full",), 0.7),
        ),
    ),
    (
        "Клуб «{n}»",
        (
            ("DANCE_FLOOR", "Танцпол", 0, 1500, ("full",), 1.0),
            ("VIP", "VIP-ложа", 3, 10, ("full",), 2.5),
        ),
    ),
    (
        "Арена «{n}»",
        (
            ("FAN_ZONE", "Фан-зона", 0, 2000, ("full",), 1.3),
            ("SECTOR_A", "Сектор A", 25, 40, ("full", "child"), 1.0),
            ("SECTOR_B", "Сектор B", 25, 40, ("full", "child"), 1.0),
            ("SECTOR_C", "Сектор C", 25, 40, ("full", "child"), 0.8),
            ("SECTOR_D", "Сектор D", 25, 40, ("full", "child"), 0.8),
        ),
    ),
)

VENUE_WORDS: Final = ("Октава", "Маяк", "Северный", "Галерея", "Старт", "Орион", "Акварель", "Берег", "Зенит")

EVENT_KINDS: Final = (
    "Концерт",
    "Спектакль",
    "Стендап",
    "Джазовый вечер",
    "Лекция",
    "Шоу",
    "Мюзикл",
    "Оркестр",
    "Фестиваль",
)
EVENT_TITLES: Final = (
    "Огни города",
    "Белые ночи",
    "Синий час",
    "Новая волна",
    "Тёплый ветер",
    "Ночной трамвай",
    "Лето в сердце",
    "Бумажные корабли",
    "Северное сияние",
    "Голоса улиц",
    "Осенний блюз",
    "Лунная соната для двоих",
    "Зимняя сказка",
    "Дорога домой",
)

# (Cyrillic, Latin) pairs, used for invented buyers only.
FIRST_NAMES: Final = (
    ("Анна", "anna"),
    ("Мария", "maria"),
    ("Елена", "elena"),
    ("Ольга", "olga"),
    ("Дарья", "daria"),
    ("Ксения", "ksenia"),
    ("Алексей", "aleksei"),
    ("Иван", "ivan"),
    ("Дмитрий", "dmitry"),
    ("Сергей", "sergei"),
    ("Павел", "pavel"),
    ("Никита", "nikita"),
)
SURNAMES: Final = (
    ("Тестова", "testova"),
    ("Примерова", "primerova"),
    ("Образцова", "obraztsova"),
    ("Вымыслова", "vymyslova"),
    ("Тестов", "testov"),
    ("Примеров", "primerov"),
    ("Образцов", "obraztsov"),
    ("Вымыслов", "vymyslov"),
    ("Условнов", "uslovnov"),
    ("Макетов", "maketov"),
)
EMAIL_DOMAINS: Final = ("example.com", "example.org")

SITE_HOSTS: Final = ("tickets.example.org", "afisha.example.com")
UTM_SOURCES: Final = (None, None, None, "vk", "telegram", "yandex", "email")

DISCOUNTS: Final = (
    ("Студенческая", 10),
    ("Пенсионная", 15),
    ("Многодетным семьям", 20),
    ("Ранняя покупка", 25),
)
PROMO_CODES: Final = (("AUTUMN15", 15), ("FRIENDS10", 10), ("JAZZ20", 20), ("WINTER5", 5), ("VIP30", 30))
