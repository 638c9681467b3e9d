"""Term dates, the reminder outbox and a leader's review writing, shared by the review tests."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from django_scopes import scope, scopes_disabled

from deployments.models import Objective, Review
from deployments.reviews import services as reviews
from portal.calendar.schooldays import Period
from portal.notifications.models import Channel, Notification
from tests.factories import CalendarPeriodFactory

LONDON = ZoneInfo("Europe/London")
AUTUMN = Period("2026-27", "term", "autumn", "Autumn term", date(2026, 9, 3), date(2026, 12, 18))
HALF = Period("2026-27", "half_term", "autumn", "Autumn half term", date(2026, 10, 26), date(2026, 10, 30))
SPRING = Period("2026-27", "term", "spring", "Spring term", date(2027, 1, 5), date(2027, 3, 26))
SUMMER = Period("2026-27", "term", "summer", "Summer term", date(2027, 4, 12), date(2027, 7, 21))


def calendar_periods(partnership):
    """The 2026-27 terms above, with the autumn half term, as the partnership's term dates."""
    for p in (AUTUMN, HALF, SPRING, SUMMER):
        CalendarPeriodFactory(partnership=partnership, academic_year=p.academic_year, kind=p.kind, term=p.term,
                              name=p.name, start=p.start, end=p.end)


def reminder_rows(kind=None):
    """(event type, recipient id, dedupe key) of the outbox's email rows, oldest first."""
    with scopes_disabled():
        rows = Notification.objects.filter(channel=Channel.EMAIL)
        if kind:
            rows = rows.filter(event_type=kind)
        return list(rows.order_by("pk").values_list("event_type", "recipient_id", "dedupe_key"))


def write_as_leader(b, review, *, submit=True, **overrides):
    """The brokerage's leader writes `review` (amber on every objective) through the service, and submits it."""
    with scopes_disabled():
        objectives = list(Objective.objects.filter(deployment_id=review.deployment_id))
    values = {"progress": {o.pk: ("amber", "Lesson visits show <b>better</b> questioning", "partly") for o in objectives},
              "overall_progress": "Planning is consistent; outcomes not yet.", "impact_score": 6,
              "outcomes": ["teaching_quality", "planning"], "next_steps": "Moderate Year 6 books.", **overrides}
    with scope(partnership=b.partnership):
        return reviews.write_review(actor=b.leader_member, review=Review.objects.get(pk=review.pk), submit=submit, **values)


def objective_ids(deployment):
    with scopes_disabled():
        return list(Objective.objects.filter(deployment=deployment).values_list("pk", flat=True))
