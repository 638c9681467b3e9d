"""How a request's days spread over the partnership's terms (`deployments.terms`): the one answer that
matching scores and excludes by and that accepting an offer holds days by."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from deployments.terms import requested_dates, requested_days_by_term
from portal.calendar.schooldays import Period, SchoolCalendar

TODAY = date(2030, 11, 1)


def calendar_2030_31() -> SchoolCalendar:
    """Autumn to 20 December, spring from 6 January to 28 March, summer from 14 April."""
    year = "2030-31"
    return SchoolCalendar([
        Period(year, "term", "autumn", "Autumn term", date(2030, 9, 2), date(2030, 12, 20)),
        Period(year, "holiday", "", "Christmas holiday", date(2030, 12, 21), date(2031, 1, 5)),
        Period(year, "term", "spring", "Spring term", date(2031, 1, 6), date(2031, 3, 28)),
        Period(year, "holiday", "", "Easter holiday", date(2031, 3, 29), date(2031, 4, 13)),
        Period(year, "term", "summer", "Summer term", date(2031, 4, 14), date(2031, 7, 22)),
    ])


def spread(days, start, end, today=TODAY):
    return {term.key: value for term, value in requested_days_by_term(
        days=Decimal(days) if days is not None else None, preferred_start=start, preferred_end=end,
        terms=calendar_2030_31(), today=today).items()}


def test_a_request_spanning_two_terms_spreads_its_days_by_their_weekdays():
    # 2 to 20 December: 15 weekdays in autumn; 23 December to 31 January: 30 weekdays counted against spring
    # (the Christmas holiday counts against the term that follows it).
    assert spread(6, date(2030, 12, 2), date(2031, 1, 31)) == {
        "2030-31 autumn": Decimal(2), "2030-31 spring": Decimal(4)}


def test_the_days_add_up_exactly_in_half_days():
    result = spread(Decimal("3.5"), date(2030, 12, 2), date(2031, 4, 30))
    assert sum(result.values()) == Decimal("3.5")
    assert set(result) == {"2030-31 autumn", "2030-31 spring", "2030-31 summer"}
    assert all(value * 2 == int(value * 2) for value in result.values())


def test_without_an_end_every_day_falls_in_the_term_the_support_starts():
    assert spread(4, date(2031, 2, 2), None) == {"2030-31 spring": Decimal(4)}
    # A start in a holiday counts against the term after it.
    assert spread(4, date(2031, 4, 1), None) == {"2030-31 summer": Decimal(4)}


def test_a_start_in_the_past_or_none_means_today_and_an_end_before_the_start_means_the_start():
    assert requested_dates(preferred_start=None, preferred_end=None, today=TODAY) == (TODAY, TODAY)
    assert requested_dates(preferred_start=date(2030, 1, 1), preferred_end=date(2030, 2, 1), today=TODAY) == (TODAY, TODAY)
    assert spread(2, None, None) == {"2030-31 autumn": Decimal(2)}


def test_a_request_without_days_asks_for_nothing_in_the_start_term():
    assert spread(None, date(2031, 1, 10), date(2031, 5, 1)) == {"2030-31 spring": Decimal(0)}
