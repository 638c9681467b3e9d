"""How days spread over a partnership's terms: the one answer matching, accepting and the ledger share.

A request's days fall in the terms of the dates it asks for: from its preferred start (today when none is
given or it has passed) to its preferred end, in proportion to each term's weekdays, in half days that
add up exactly. Without a preferred end they all fall in the term the support starts. Matching scores and
excludes a leader by their days left in exactly these terms, and accepting an offer holds exactly these
days, so a leader the broker sees as available can always accept. Approval spreads a deployment's days
over its own dates the same way.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal

from portal.calendar.schooldays import SchoolCalendar, Term


def _weekdays(first: date, last: date) -> int:
    """How many of the days from `first` to `last` (both included) are Monday to Friday."""
    weeks, rest = divmod((last - first).days + 1, 7)
    weekday = first.weekday()
    return weeks * 5 + sum(1 for offset in range(rest) if (weekday + offset) % 7 < 5)


def split_days(days: Decimal, start: date, end: date, terms: SchoolCalendar) -> dict[Term, Decimal]:
    """Spread `days` over the terms from `start` to `end` by their weekdays, in half days, adding up exactly."""
    weekdays: dict[Term, int] = defaultdict(int)
    day = start
    while day <= end:
        # Every day from `day` to the end of its term, within its academic year, counts against the same term
        # (`term_for` takes the first term ending on or after the day), so the weekdays of that run are counted
        # at once rather than looking each day's term up.
        term = terms.term_for(day)
        last = min(end, term.end, date(day.year if day.month < 9 else day.year + 1, 8, 31))
        count = _weekdays(day, last)
        if count:
            weekdays[term] += count
        day = last + timedelta(days=1)
    if not weekdays:
        return {terms.term_for(start): days}
    halves = int(days * 2)
    total = sum(weekdays.values())
    shares = {term: Decimal(halves * count) / total for term, count in weekdays.items()}
    given = {term: int(share.to_integral_value(ROUND_FLOOR)) for term, share in shares.items()}
    # Largest remainders get the half days left over; earlier terms win ties.
    order = sorted(shares, key=lambda t: (-(shares[t] - given[t]), t.start))
    for term in order[: halves - sum(given.values())]:
        given[term] += 1
    return {term: Decimal(count) / 2 for term, count in sorted(given.items(), key=lambda item: item[0].start) if count}


def requested_dates(*, preferred_start: date | None, preferred_end: date | None, today: date) -> tuple[date, date]:
    """The dates a request asks for: never before today, and ending no earlier than it starts."""
    start = max(preferred_start or today, today)
    return start, max(preferred_end or start, start)


def requested_days_by_term(*, days: Decimal | None, preferred_start: date | None, preferred_end: date | None,
                           terms: SchoolCalendar, today: date) -> dict[Term, Decimal]:
    """The request's days in each term its dates fall in (0 days in the start term when it asks for none).

    Matching's score and exclusions and the hold an acceptance writes all come from this.
    """
    start, end = requested_dates(preferred_start=preferred_start, preferred_end=preferred_end, today=today)
    if not days:
        return {terms.term_for(start): Decimal(0)}
    return split_days(Decimal(days), start, end, terms)


def request_days_by_term(request, *, terms: SchoolCalendar, today: date) -> dict[Term, Decimal]:
    """`requested_days_by_term` for a `SupportRequest`."""
    return requested_days_by_term(days=request.days_wanted, preferred_start=request.preferred_start,
                                  preferred_end=request.preferred_end, terms=terms, today=today)
