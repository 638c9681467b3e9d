"""Bank holidays come from the `holidays` package: the one-off days the old hand-written list had, and every year
after it, with weekend holidays replaced by their weekday substitutes."""

from __future__ import annotations

from datetime import date

import pytest

from portal.calendar.bank_holidays import bank_holidays, is_bank_holiday
from portal.calendar.schooldays import SchoolCalendar


@pytest.mark.parametrize(
    ("day", "what"),
    [
        (date(2011, 4, 29), "royal wedding"),
        (date(2012, 6, 5), "Diamond Jubilee"),
        (date(2020, 5, 8), "VE Day 75 (the early May bank holiday moved)"),
        (date(2022, 6, 3), "Platinum Jubilee"),
        (date(2022, 9, 19), "State Funeral of Queen Elizabeth II"),
        (date(2023, 5, 8), "Coronation of King Charles III"),
    ],
)
def test_past_one_off_days_are_bank_holidays(day, what):
    assert is_bank_holiday(day), what


def test_days_moved_for_a_one_off_are_working_days():
    assert not is_bank_holiday(date(2020, 5, 4))  # early May bank holiday moved to Friday 8 May
    assert not is_bank_holiday(date(2022, 5, 30))  # spring bank holiday moved to Thursday 2 June
    assert not is_bank_holiday(date(2012, 5, 28))  # spring bank holiday moved to Monday 4 June


def test_an_ordinary_year_has_the_eight_published_days():
    assert sorted(bank_holidays(2025)) == [
        date(2025, 1, 1), date(2025, 4, 18), date(2025, 4, 21), date(2025, 5, 5),
        date(2025, 5, 26), date(2025, 8, 25), date(2025, 12, 25), date(2025, 12, 26),
    ]


@pytest.mark.parametrize("year", range(2024, 2041))
def test_future_years_have_eight_weekday_bank_holidays(year):
    days = bank_holidays(year)
    assert len(days) == 8
    assert all(day.year == year and day.weekday() < 5 for day in days)
    assert len({day for day in days if day.month == 12}) == 2  # Christmas and Boxing Day, or their substitutes


def test_weekend_holidays_are_replaced_by_their_substitutes():
    assert {date(2027, 12, 27), date(2027, 12, 28)} <= bank_holidays(2027)  # Saturday and Sunday
    assert date(2027, 12, 25) not in bank_holidays(2027)
    assert date(2028, 1, 3) in bank_holidays(2028)  # New Year's Day on a Saturday
    assert date(2032, 12, 27) in bank_holidays(2032) and date(2032, 12, 28) in bank_holidays(2032)  # Christmas Saturday


def test_school_days_skip_the_coronation():
    calendar = SchoolCalendar(periods=[])
    assert calendar.is_school_day(date(2023, 5, 5))
    assert not calendar.is_school_day(date(2023, 5, 8))


@pytest.mark.parametrize("bad", ["2026", 2026.0, None, True])
def test_a_year_that_is_not_a_whole_number_is_refused(bad):
    with pytest.raises(TypeError, match="whole number"):
        bank_holidays(bad)
