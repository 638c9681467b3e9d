"""Bank holidays in England and Wales, by rule, with the one-off changes announced since 2011."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

# Moved or extra days (royal events, VE Day): year -> (days removed, days added).
EXCEPTIONS: dict[int, tuple[set[date], set[date]]] = {
    2011: (set(), {date(2011, 4, 29)}),
    2012: ({date(2012, 5, 28)}, {date(2012, 6, 4), date(2012, 6, 5)}),
    2020: ({date(2020, 5, 4)}, {date(2020, 5, 8)}),
    2022: ({date(2022, 5, 30)}, {date(2022, 6, 2), date(2022, 6, 3), date(2022, 9, 19)}),
    2023: (set(), {date(2023, 5, 8)}),
}


def easter_sunday(year: int) -> date:
    """Anonymous Gregorian algorithm (Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month = (h + l_ - 7 * m + 114) // 31
    day = (h + l_ - 7 * m + 114) % 31 + 1
    return date(year, month, day)


def _first_monday(year: int, month: int) -> date:
    day = date(year, month, 1)
    return day + timedelta(days=(7 - day.weekday()) % 7)


def _last_monday(year: int, month: int) -> date:
    day = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    return day - timedelta(days=day.weekday())


@lru_cache(maxsize=256)
def bank_holidays(year: int) -> frozenset[date]:
    easter = easter_sunday(year)
    days = {easter - timedelta(days=2), easter + timedelta(days=1), _first_monday(year, 5), _last_monday(year, 5),
            _last_monday(year, 8)}
    new_year = date(year, 1, 1)
    days.add(new_year + timedelta(days={5: 2, 6: 1}.get(new_year.weekday(), 0)))
    christmas, boxing = date(year, 12, 25), date(year, 12, 26)
    if christmas.weekday() == 5:  # Saturday: both move to Monday and Tuesday
        days |= {date(year, 12, 27), date(year, 12, 28)}
    elif christmas.weekday() == 6:  # Sunday: Christmas moves to Tuesday, Boxing Day stays Monday
        days |= {boxing, date(year, 12, 27)}
    elif christmas.weekday() == 4:  # Friday: Boxing Day (Saturday) moves to Monday
        days |= {christmas, date(year, 12, 28)}
    else:
        days |= {christmas, boxing}
    removed, added = EXCEPTIONS.get(year, (set(), set()))
    return frozenset((days - removed) | added)


def is_bank_holiday(day: date) -> bool:
    return day in bank_holidays(day.year)
