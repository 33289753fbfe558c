"""Polish statutory public holidays (ustawa o dniach wolnych od pracy) and working days.

Needed for deadlines counted in working days, such as cancelling an e-ZLA within three
working days of its issue. Saturdays and Sundays are never working days here.
"""
import datetime
from functools import lru_cache

# Fixed-date holidays: (month, day, first year it applies).
FIXED = [
    (1, 1, 1951),    # Nowy Rok
    (1, 6, 2011),    # Święto Trzech Króli
    (5, 1, 1951),    # Święto Pracy
    (5, 3, 1990),    # Święto Konstytucji 3 Maja
    (8, 15, 1989),   # Wniebowzięcie Najświętszej Maryi Panny
    (11, 1, 1951),   # Wszystkich Świętych
    (11, 11, 1989),  # Narodowe Święto Niepodległości
    (12, 24, 2025),  # Wigilia Bożego Narodzenia
    (12, 25, 1951),  # Boże Narodzenie (pierwszy dzień)
    (12, 26, 1951),  # Boże Narodzenie (drugi dzień)
]
# Movable feasts: days after Easter Sunday.
MOVABLE = [
    0,   # Wielkanoc
    1,   # Poniedziałek Wielkanocny
    49,  # Zielone Świątki (Zesłanie Ducha Świętego), a Sunday
    60,  # Boże Ciało
]


def easter_sunday(year: int) -> datetime.date:
    """Western (Gregorian) Easter: the anonymous Gregorian algorithm (Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return datetime.date(year, month, day + 1)


@lru_cache(maxsize=64)
def public_holidays(year: int) -> frozenset[datetime.date]:
    easter = easter_sunday(year)
    days = {datetime.date(year, month, day) for month, day, since in FIXED if year >= since}
    days |= {easter + datetime.timedelta(days=offset) for offset in MOVABLE}
    return frozenset(days)


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year)


def add_working_days(day: datetime.date, count: int) -> datetime.date:
    """The `count`-th working day after `day` (the day itself does not count)."""
    while count > 0:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day
