"""Bank holidays in England, from the `holidays` package (its United Kingdom calendar, England subdivision).

The package carries the rules and the one-off days (jubilees, a state funeral, a coronation) and is updated when a
new one is announced: keep it current with `make outdated` and `make lock-upgrade`. A holiday that falls on a
weekend is replaced by its weekday substitute ("observed"), so only the days that are actually off are returned.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays

COUNTRY, SUBDIVISION = "GB", "ENG"
SATURDAY = 5


@lru_cache(maxsize=256)
def bank_holidays(year: int) -> frozenset[date]:
    """The weekdays that are bank holidays in England in `year`."""
    if isinstance(year, bool) or not isinstance(year, int):
        raise TypeError(f"year must be a whole number, not {year!r}")
    calendar = holidays.country_holidays(COUNTRY, subdiv=SUBDIVISION, years=year, observed=True)
    return frozenset(day for day in calendar if day.year == year and day.weekday() < SATURDAY)


def is_bank_holiday(day: date) -> bool:
    return day in bank_holidays(day.year)
