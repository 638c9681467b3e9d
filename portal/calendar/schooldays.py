"""School-day arithmetic over a partnership's calendar: pure functions, no database access."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from portal.calendar.bank_holidays import is_bank_holiday


@dataclass(frozen=True)
class Period:
    academic_year: str
    kind: str  # term | half_term | holiday
    term: str  # autumn | spring | summer | ""
    name: str
    start: date
    end: date


class SchoolCalendar:
    """A school day is a weekday inside a term, outside its half term and not a bank holiday."""

    def __init__(self, periods: Iterable[Period]):
        periods = list(periods)
        self.terms = sorted((p for p in periods if p.kind == "term"), key=lambda p: p.start)
        self.breaks = sorted((p for p in periods if p.kind == "half_term"), key=lambda p: p.start)
        self._term_starts = [t.start for t in self.terms]

    def term_for(self, day: date) -> Period | None:
        index = bisect_right(self._term_starts, day) - 1
        if index >= 0 and self.terms[index].start <= day <= self.terms[index].end:
            return self.terms[index]
        return None

    def is_school_day(self, day: date) -> bool:
        if day.weekday() >= 5 or is_bank_holiday(day) or self.term_for(day) is None:
            return False
        return not any(b.start <= day <= b.end for b in self.breaks)

    def next_school_day(self, day: date) -> date | None:
        """`day` itself if it is a school day, otherwise the next one; None past the last known term."""
        if not self.terms:
            return None
        last = self.terms[-1].end
        while day <= last:
            if self.is_school_day(day):
                return day
            day += timedelta(days=1)
        return None

    def school_days_before(self, day: date, count: int) -> date | None:
        """Count back `count` school days from the last school day on or before `day` (which is day 0).

        So 0 gives `day` itself when it is a school day, or the school day before it; 10 before the last
        day of term is "ten school days before the end of term". None before the first known term.
        """
        first = self.terms[0].start if self.terms else day
        seen = 0
        while day >= first:
            if self.is_school_day(day):
                if seen == count:
                    return day
                seen += 1
            day -= timedelta(days=1)
        return None

    def school_days_between(self, start: date, end: date) -> int:
        """School days from `start` to `end`, both included."""
        count, day = 0, start
        while day <= end:
            count += self.is_school_day(day)
            day += timedelta(days=1)
        return count

    def last_school_day(self, term: Period) -> date | None:
        return self.school_days_before(term.end, 0)
