"""Invented reference data: cities, venues, event titles, tariffs, codes, names. No real person's data.

The account is shaped after the real organiser behind the dashboard (``/work/shared/real_answers.md``): Siberian
cities whose ``city.timezone`` is not Moscow's (and is not always the city's own zone: the capture has Томск on
``Asia/Krasnoyarsk`` and Барнаул on ``Asia/Novosibirsk``), exhibitions sold by tariff, seated shows in a parterre.
City coordinates are public geography, rounded.
"""

from __future__ import annotations

from typing import Final

# (name, IANA zone the organiser set for the city, share of the events, region code, latitude, longitude)
CITIES: Final = (
    ("Томск", "Asia/Krasnoyarsk", 0.19, 70, 56.48, 84.95),
    ("Новосибирск", "Asia/Novosibirsk", 0.15, 54, 55.03, 82.92),
    ("Барнаул", "Asia/Novosibirsk", 0.11, 22, 53.35, 83.78),
    ("Новокузнецк", "Asia/Novokuznetsk", 0.10, 42, 53.76, 87.14),
    ("Кемерово", "Asia/Novokuznetsk", 0.10, 42, 55.35, 86.09),
    ("Прокопьевск", "Asia/Novokuznetsk", 0.06, 42, 53.89, 86.75),
    ("Междуреченск", "Asia/Novokuznetsk", 0.05, 42, 53.69, 88.07),
    ("Красноярск", "Asia/Krasnoyarsk", 0.09, 24, 56.02, 92.89),
    ("Ангарск", "Asia/Irkutsk", 0.07, 38, 52.54, 103.89),
    ("Омск", "Asia/Omsk", 0.08, 55, 54.99, 73.37),
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
    "пр. Ленина",
    "ул. Советская",
)

# Halls for seated shows: one PARTERRE zone of 500-830 seats.
HALL_NAMES: Final = (
    "ДК «Строитель»",
    "Драматический театр",
    "Концертный зал «Октава»",
    "ДК «Горняк»",
    "Театр юного зрителя",
    "Дворец культуры «Маяк»",
)
# Places of exhibitions: a shopping centre's hall, a museum, an exhibition centre.
EXPO_NAMES: Final = (
    "ТРЦ «Галерея», 3 этаж",
    "Выставочный зал «Экспоцентр»",
    "Музейно-выставочный комплекс",
    "ТЦ «Орион», атриум",
    "Арт-пространство «Берег»",
)

# (title, latin slug) — exhibitions run for weeks and are sold by tariff.
EXHIBITIONS: Final = (
    ("Выставка «Динозавры»", "vystavka-dinozavry"),
    ("Выставка «Мир роботов»", "vystavka-mir-robotov"),
    ("Интерактивная выставка «Оптические иллюзии»", "vystavka-opticheskie-illyuzii"),
    ("Выставка «Гигантские насекомые»", "vystavka-gigantskie-nasekomye"),
    ("Выставка «Тайны океана»", "vystavka-tajny-okeana"),
    ("Выставка «Космос рядом»", "vystavka-kosmos-ryadom"),
    ("Научное шоу «Город изобретателей»", "gorod-izobretatelej"),
    ("Выставка «Лабиринт зеркал»", "vystavka-labirint-zerkal"),
)
# (title, latin slug) — seated shows: one event, several shows in one hall.
SEATED_SHOWS: Final = (
    ("Шоу мыльных пузырей «Радуга»", "shou-mylnyh-puzyrej-raduga"),
    ("Спектакль «Снежная королева»", "spektakl-snezhnaya-koroleva"),
    ("Цирковое шоу «Огни манежа»", "cirkovoe-shou-ogni-manezha"),
    ("Мюзикл «Бременские музыканты»", "myuzikl-bremenskie-muzykanty"),
    ("Шоу «Лазерная сказка»", "shou-lazernaya-skazka"),
    ("Концерт «Голоса улиц»", "koncert-golosa-ulic"),
    ("Спектакль «Тёплый ветер»", "spektakl-tyoplyj-veter"),
)
# Junk events organisers park and mark by name (the capture has one starting with "Удалить - ").
JUNK_PREFIX: Final = "Удалить - "

# Exhibition tariffs: (zone id as the real seat ids carry it, readable name, price in roubles, buyers' weight).
# Every exhibition sells the first four; some add extras.
TARIFFS: Final = (
    ("vzroslyj-bilet-v-budni", "Взрослый билет (в будни)", 450, 3.0),
    ("vzroslyj-bilet-v-vyhodnye", "Взрослый билет (в выходные)", 550, 3.0),
    ("detskij-bilet-v-budni", "Детский билет (в будни)", 350, 2.6),
    ("detskij-bilet-v-vyhodnye", "Детский билет (в выходные)", 450, 2.6),
    ("lgotnyj-bilet", "Льготный билет", 300, 0.8),
    ("semejnyj-bilet", "Семейный билет (2 взрослых + 2 детей)", 1500, 0.5),
    ("masterklass", "Мастер-класс", 500, 0.7),
    ("ekskursiya", "Экскурсия с гидом", 700, 0.4),
)
CORE_TARIFFS: Final = 4

# (first name, latin, middle name) pairs, used for invented buyers only.
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
MIDDLE_NAMES: Final = (None, None, None, "Ивановна", "Петрович", "Сергеевна", "Алексеевич")
EMAIL_DOMAINS: Final = ("example.com", "example.org")
# Invented companies for the rare invoiced sale (the basket's company-buyer fields).
COMPANIES: Final = (
    ("ООО «Тестовая организация»", "Общество с ограниченной ответственностью «Тестовая организация»"),
    ("АНО «Пример»", "Автономная некоммерческая организация «Пример»"),
    ("МБОУ «Условная школа № 0»", "Муниципальное бюджетное общеобразовательное учреждение «Условная школа № 0»"),
)
WORK_POSITIONS: Final = ("бухгалтер", "директор", "менеджер")

SITE_HOSTS: Final = ("tickets.example.org", "afisha.example.com")

# UTM tags as the organiser's campaigns set them; None means an order without tags (served as []).
UTM_SOURCES: Final = ("insta", "yandex", "vk")
UTM_MEDIUMS: Final = {"insta": ("stories", "post"), "yandex": ("cpc", "rsya"), "vk": ("target", "post")}
UTM_CAMPAIGNS: Final = ("season", "weekend", "kids", "last_days")

DISCOUNT_NAMES: Final = (
    ("Многодетным семьям", 20),
    ("Пенсионная", 15),
    ("Студенческая", 10),
    ("Ранняя покупка", 25),
    ("Групповая от 10 человек", 15),
    ("Именинникам", 30),
)
# Promo codes: per city (ТОМСК70, АНГАРСК38 ...), a 100 % code for the organiser's guests (free tickets),
# a blogger's 99 % code (a ticket of 390 costs 4), and seasonal ones.
PROMO_SPECIAL: Final = (("admin100", 100), ("blogger99", 99), ("guest100", 100))
PROMO_WORDS: Final = (("SEMYA", 20), ("VESNA", 15), ("LETO", 10), ("SHKOLA", 15), ("DRUZYA", 5))

PAYMENTS: Final = (
    (1, "Банковская карта", "card"),
    (2, "СБП", "sbp"),
    (3, "Пушкинская карта", "pushkin"),
)
