"""The one calendar abstraction: a partnership's terms and school days, as pure functions of its periods.

`SchoolCalendar` answers every date question the portal asks: which term a day counts against (ledger
rows, reviews, dashboards), whether a day is a school day and how to count school days (reviews and
reminders), and London's date today. No database access: build it with
`portal.calendar.services.school_calendar(partnership=...)`.

A day in a holiday belongs to the term that follows it, so support that starts in the Easter holiday
counts against the summer term. Where the calendar has no terms for an academic year, the usual shape
stands in (autumn September to December, spring January to March, summer April to August) and every
weekday that is not a bank holiday is a school day, so nothing is ever due on a weekend or bank holiday.
Such a term is `estimated`, and a term of a year the LA has not confirmed is `provisional`: pages that
show a date worked out from one say so (`Term.caveat`), rather than presenting a guess as the term.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from portal.calendar.bank_holidays import is_bank_holiday

LONDON = ZoneInfo("Europe/London")
TERM_ORDER = ("autumn", "spring", "summer")
CONVENTIONAL = {"autumn": ((9, 1), (12, 31)), "spring": ((1, 1), (3, 31)), "summer": ((4, 1), (8, 31))}
SEARCH_LIMIT = 400  # days: longer than any holiday, so a search never runs away


def today_in_london(now: datetime | None = None) -> date:
    """The date in England now (or at `now`), whatever the server's time zone and across clock changes."""
    return timezone.localtime(now or timezone.now(), LONDON).date()


@dataclass(frozen=True)
class Period:
    academic_year: str
    kind: str  # term | half_term | holiday
    term: str  # autumn | spring | summer | ""
    name: str
    start: date
    end: date
    provisional: bool = False  # its year's dates are not confirmed by the LA


@dataclass(frozen=True)
class Term:
    key: str  # "2026-27 autumn": what ledger rows and reviews store
    name: str  # autumn | spring | summer
    start: date
    end: date
    # Not part of the term's identity (the key is): how sure the dates are.
    provisional: bool = field(default=False, compare=False)  # from a year the LA has not confirmed
    estimated: bool = field(default=False, compare=False)  # the calendar lacks this term: the usual dates

    @property
    def label(self) -> str:
        return f"{self.name.capitalize()} term {self.start.year}"

    @property
    def caveat(self) -> str:
        """What a page must say about dates worked out from this term ("" when they are confirmed)."""
        if self.estimated:
            return f"Estimated: there are no term dates for the {self.name} term {self.key[:7]} yet"
        return "Provisional: the local authority has not confirmed these term dates" if self.provisional else ""


def academic_year_of(day: date) -> str:
    first = day.year if day.month >= 9 else day.year - 1
    return f"{first}-{str(first + 1)[2:]}"


def conventional_term(year: str, name: str) -> Term:
    first = int(year[:4])
    (start_month, start_day), (end_month, end_day) = CONVENTIONAL[name]
    in_year = first if name == "autumn" else first + 1
    return Term(f"{year} {name}", name, date(in_year, start_month, start_day), date(in_year, end_month, end_day),
                estimated=True)


class SchoolCalendar:
    """Terms and school days from a partnership's calendar periods."""

    def __init__(self, periods: Iterable[Period]):
        periods = sorted(periods, key=lambda p: p.start)
        self.terms = [p for p in periods if p.kind == "term"]  # the calendar's own term periods
        self.breaks = [p for p in periods if p.kind == "half_term"]
        self.holidays = [p for p in periods if p.kind == "holiday"]
        self.years = {p.academic_year for p in self.terms}
        self.provisional_years = {p.academic_year for p in periods if p.provisional}
        self._term_starts = [t.start for t in self.terms]
        self.by_year: dict[str, list[Term]] = defaultdict(list)
        self._estimated_spans: list[tuple[date, date]] = []  # the unpublished rest of a term known by its first half
        for period in self.terms:
            if period.term in TERM_ORDER:
                end = self._published_end(period)
                if end > period.end:
                    self._estimated_spans.append((period.end + timedelta(days=1), end))
                self.by_year[period.academic_year].append(
                    Term(f"{period.academic_year} {period.term}", period.term, period.start, end,
                         provisional=period.provisional, estimated=end > period.end))

    def _published_end(self, period: Period) -> date:
        """A term whose own half term comes after its last day is known only by its first half (a proposed
        calendar that stops at the half term): it runs on to its usual end, or to the next term, estimated,
        so a day after its half term is not counted against the next term."""
        if not any(b.academic_year == period.academic_year and b.term == period.term and b.end > period.end
                   for b in self.breaks):
            return period.end
        later = [t.start - timedelta(days=1) for t in self.terms
                 if t.academic_year == period.academic_year and t.start > period.start]
        return max(period.end, min([conventional_term(period.academic_year, period.term).end] + later))

    # Terms: which term a day counts against --------------------------------------------------------

    def year_terms(self, year: str) -> list[Term]:
        """The year's three terms. A term the calendar lacks (an LA that has not published its summer dates
        yet) takes the usual dates, trimmed so it never overlaps the terms the calendar has."""
        known = self.by_year.get(year)
        if not known:
            return [conventional_term(year, name) for name in TERM_ORDER]
        if {t.name for t in known} >= set(TERM_ORDER):
            return known
        terms = list(known)
        for name in TERM_ORDER:
            if any(t.name == name for t in known):
                continue
            usual = conventional_term(year, name)
            start = max([usual.start] + [t.end + timedelta(days=1) for t in known if t.start < usual.start])
            end = min([usual.end] + [t.start - timedelta(days=1) for t in known if t.start > usual.start])
            if start <= end:
                terms.append(Term(usual.key, name, start, end, provisional=year in self.provisional_years,
                                  estimated=True))
        return sorted(terms, key=lambda t: t.start)

    def term_for(self, day: date) -> Term:
        """The term `day` counts against: the term it is in, or the next one when it falls in a holiday."""
        year = academic_year_of(day)
        for term in self.year_terms(year):
            if day <= term.end:
                return term
        # After the last term of the year (the summer holiday): the next year's autumn term.
        return self.year_terms(academic_year_of(date(day.year, 9, 1)))[0]

    def following(self, term: Term, count: int) -> list[Term]:
        """`term` and the `count - 1` terms after it."""
        terms = [term]
        while len(terms) < count:
            terms.append(self.term_for(terms[-1].end + timedelta(days=1)))
        return terms

    def terms_between(self, start: date, end: date) -> list[Term]:
        """Each term a piece of work from `start` to `end` runs in, in order."""
        terms, day = [], start
        while day <= end:
            term = self.term_for(day)
            if term not in terms:
                terms.append(term)
            day = term.end + timedelta(days=1)
        return terms

    # School days -------------------------------------------------------------------------------------

    def _calendar_term(self, day: date) -> Period | None:
        index = bisect_right(self._term_starts, day) - 1
        if index >= 0 and self.terms[index].start <= day <= self.terms[index].end:
            return self.terms[index]
        return None

    def is_school_day(self, day: date) -> bool:
        """A weekday inside a term, outside its half term and not a bank holiday; in a year or a term the
        calendar has no dates for, any such weekday outside the calendar's holidays."""
        if day.weekday() >= 5 or is_bank_holiday(day):
            return False
        if self._calendar_term(day) is not None or any(start <= day <= end for start, end in self._estimated_spans):
            return not any(b.start <= day <= b.end for b in self.breaks)
        if academic_year_of(day) not in self.years:
            return True
        # A term the calendar lacks (estimated) has school days too, outside the holidays the calendar has.
        if any(h.start <= day <= h.end for h in self.holidays):
            return False
        term = self.term_for(day)
        return term.estimated and term.start <= day

    def next_school_day(self, day: date) -> date:
        """`day` if it is a school day, otherwise the next one (holidays postpone, never skip)."""
        for _ in range(SEARCH_LIMIT):
            if self.is_school_day(day):
                return day
            day += timedelta(days=1)
        return day

    def add(self, day: date, count: int) -> date:
        """The school day `count` school days after `day` (0: `day`, or the next school day)."""
        day = self.next_school_day(day)
        for _ in range(count):
            day = self.next_school_day(day + timedelta(days=1))
        return day

    def before_end(self, term: Term, count: int) -> date:
        """`count` school days before the term's last school day (0: the last school day itself)."""
        return self.school_days_before(term.end, count, not_before=term.start) or term.start

    def school_days_before(self, day: date, count: int, *, not_before: date | None = None) -> date | None:
        """Count back `count` school days from the last school day on or before `day` (which is day 0).

        So 0 gives `day` itself when it is a school day, or the school day before it; 10 before the last
        day of term is "ten school days before the end of term". None before `not_before` (by default the
        first term the calendar knows).
        """
        first = not_before or (self.terms[0].start if self.terms else day)
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
