"""Numbers as the page writes them: the dashboard formats with ``Intl.NumberFormat('ru-RU')`` (its ``app.js``
FMT_INT, FMT_RUB0/FMT_RUB2 and FMT_PCT); this is the same output in Python, so a message and the page agree to
the character. ru-RU groups thousands with a no-break space (U+00A0), writes a decimal comma, and puts a
no-break space before ₽ and %.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

NBSP = "\u00a0"
WEEKDAYS = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")


def integer(value: int | float | Decimal) -> str:
    number = int(Decimal(str(value)).quantize(Decimal(1), ROUND_HALF_UP))
    text = f"{abs(number):,}".replace(",", NBSP)
    return ("-" if number < 0 else "") + text


def money(value: int | float | Decimal) -> str:
    amount = Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    if amount == amount.to_integral_value():
        return f"{integer(amount)}{NBSP}₽"
    whole, cents = f"{abs(amount):.2f}".split(".")
    return f"{'-' if amount < 0 else ''}{integer(int(whole))},{cents}{NBSP}₽"


def percent(share: float) -> str:
    tenths = Decimal(str(share * 100)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    whole, frac = f"{abs(tenths):.1f}".split(".")
    return f"{'-' if tenths < 0 else ''}{integer(int(whole))},{frac}{NBSP}%"


def day(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def show_time(value: datetime) -> str:
    """A show's start as the venue's wall clock: «пт 12.12 19:00»."""
    return f"{WEEKDAYS[value.weekday()]} {value.strftime('%d.%m %H:%M')}"


def change(now: float, before: float) -> str:
    """«+12 %» against an earlier figure; «—» when there is nothing to compare with."""
    if not before:
        return "—"
    delta = (now - before) / before
    sign = "+" if delta > 0 else "−" if delta < 0 else "±"
    return f"{sign}{integer(round(abs(delta) * 100))}{NBSP}%"


def plural(n: int, one: str, few: str, many: str) -> str:
    """«1 раз», «2 раза», «5 раз»: the Russian plural for ``n``."""
    if n % 10 == 1 and n % 100 != 11:
        return one
    return few if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14 else many
