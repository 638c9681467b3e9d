"""Review schedule: one termly review per term a deployment runs in, due school days before the term ends."""

from __future__ import annotations

from datetime import date

from django_scopes import scope, scopes_disabled

from deployments.models import Deployment, Review, ReviewKind, ReviewStatus
from deployments.reviews import schedule
from portal.calendar.schooldays import SchoolCalendar
from tests.deployments.conftest import active
from tests.deployments.reviews.conftest import AUTUMN, HALF, SPRING, SUMMER, calendar_periods


def test_reviews_are_created_for_each_term_due_school_days_before_it_ends(brokerage):
    b = brokerage
    calendar_periods(b.partnership)
    deployment = Deployment(partnership=b.partnership, start_date=date(2026, 11, 2), end_date=date(2027, 2, 12))
    days = SchoolCalendar([AUTUMN, HALF, SPRING, SUMMER])
    planned = schedule.planned_reviews(deployment, days, 10)
    assert [(r.term_key, r.due_on) for r in planned] == [
        ("2026-27 autumn", date(2026, 12, 4)),  # ten school days before Friday 18 December
        ("2026-27 spring", date(2027, 3, 11)),  # Friday 26 March 2027 is Good Friday: term's last day is the 25th
    ]
    # A year without a calendar falls back to the usual terms and still avoids weekends and bank holidays.
    later = Deployment(partnership=b.partnership, start_date=date(2027, 9, 6), end_date=date(2027, 10, 1))
    [autumn] = schedule.planned_reviews(later, days, 10)
    # The usual autumn term runs to 31 December; 27 and 28 December 2027 are bank holidays.
    assert autumn.term_key == "2027-28 autumn" and autumn.due_on == date(2027, 12, 15)


def test_starting_the_work_creates_the_reviews_once(brokerage):
    b = brokerage
    deployment = active(b)
    with scopes_disabled():
        created = list(Review.objects.filter(deployment=deployment).values_list("kind", "status"))
    assert created and all(kind == ReviewKind.TERMLY and status == ReviewStatus.DUE for kind, status in created)
    with scope(partnership=b.partnership):
        assert schedule.ensure_reviews([deployment], partnership=b.partnership) == 0
    with scopes_disabled():
        assert Review.objects.filter(deployment=deployment).count() == len(created)
