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


def test_due_dates_follow_the_calendar_when_its_dates_arrive_and_pages_say_how_sure_they_are(brokerage, client):
    """Issue 12: a review due in a term the calendar lacks is shown as Estimated; once the term dates are added
    the daily run moves its due date, and a year the LA has not confirmed shows Provisional."""
    from portal.calendar.models import CalendarYear
    from tests.factories import DeploymentFactory

    b = brokerage
    with scopes_disabled():
        deployment = DeploymentFactory(partnership=b.partnership, request=b.request, leader=b.leader,
                                       status="active", start_date=date(2030, 9, 9), end_date=date(2030, 11, 29))
    with scope(partnership=b.partnership):
        schedule.ensure_reviews([deployment], partnership=b.partnership)
    with scopes_disabled():
        review = Review.objects.get(deployment=deployment)
    # No term dates for 2030-31: the usual autumn term (to 31 December) stands in, and the page says so.
    assert review.term_key == "2030-31 autumn" and review.due_on == date(2030, 12, 13)
    client.force_login(b.broker.user)
    url = f"/p/{b.partnership.slug}/deployments/{deployment.pk}/"
    assert "Estimated" in client.get(url).content.decode()
    from tests.factories import CalendarPeriodFactory

    CalendarPeriodFactory(partnership=b.partnership, academic_year="2030-31", kind="term", term="autumn",
                          name="Autumn term", start=date(2030, 9, 3), end=date(2030, 12, 20))
    with scopes_disabled():
        CalendarYear.objects.create(partnership=b.partnership, academic_year="2030-31", provisional=True)
    with scope(partnership=b.partnership):
        assert schedule.ensure_reviews([deployment], partnership=b.partnership) == 0
    with scopes_disabled():
        assert Review.objects.get(pk=review.pk).due_on == date(2030, 12, 6)  # ten school days before the 20th
    page = client.get(url).content.decode()
    assert "Estimated" not in page and "Provisional" in page
