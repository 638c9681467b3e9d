"""When reviews are due: one termly review for each term a deployment runs in, and a final evaluation.

A termly review is due `partnership.review_due_school_days` school days before its term ends, created
when the work starts (and topped up by the daily run, so a calendar edited later is picked up).
Completing or stopping a deployment adds its final evaluation, due ten school days later.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from deployments.models import Deployment, Review, ReviewKind, ReviewStatus
from portal.calendar.schooldays import SchoolCalendar, Term
from portal.calendar.services import school_calendar

FINAL_DUE_SCHOOL_DAYS = 10


def review_terms(deployment: Deployment, days: SchoolCalendar) -> list[Term]:
    """Each term the deployment runs in, in order."""
    return days.terms_between(deployment.start_date, deployment.end_date)


def planned_reviews(deployment: Deployment, days: SchoolCalendar, lead: int) -> list[Review]:
    return [Review(partnership_id=deployment.partnership_id, deployment=deployment, kind=ReviewKind.TERMLY,
                   term_key=term.key, due_on=days.before_end(term, lead))
            for term in review_terms(deployment, days)]


def ensure_reviews(deployments: list[Deployment], *, partnership, days: SchoolCalendar | None = None) -> int:
    """Create the termly reviews that do not exist yet (idempotent: the unique key ignores repeats), and move
    the due date of any not yet written whose term's dates changed since (an estimated or provisional term
    replaced by the LA's dates), so a due date always follows the calendar as it is now."""
    days = days or school_calendar(partnership=partnership)
    existing = {(deployment_id, term_key): (pk, due_on, status) for pk, deployment_id, term_key, due_on, status in
                Review.objects.filter(deployment__in=[d.pk for d in deployments], kind=ReviewKind.TERMLY)
                .values_list("pk", "deployment_id", "term_key", "due_on", "status")}
    rows, moved = [], []
    for deployment in deployments:
        for review in planned_reviews(deployment, days, partnership.review_due_school_days):
            found = existing.get((deployment.pk, review.term_key))
            if found is None:
                rows.append(review)
            elif found[2] == ReviewStatus.DUE and found[1] != review.due_on:
                moved.append(Review(pk=found[0], due_on=review.due_on))
    # Two runs at once may both plan the same review: the unique key keeps one.
    Review.objects.bulk_create(rows, ignore_conflicts=True)
    if moved:
        Review.objects.bulk_update(moved, ["due_on"])
    return len(rows)


def create_final_evaluation(deployment: Deployment, *, closed_on: date | None = None) -> Review:
    """The final evaluation, due ten school days after the work closed (today unless `closed_on` says)."""
    days = school_calendar(partnership=deployment.partnership)
    due = days.add(closed_on or timezone.localdate(), FINAL_DUE_SCHOOL_DAYS)
    review, _ = Review.objects.get_or_create(
        deployment=deployment, kind=ReviewKind.FINAL, term_key="final",
        defaults={"partnership_id": deployment.partnership_id, "due_on": due})
    return review


def follow_dates(deployment: Deployment) -> tuple[int, int]:
    """The deployment's dates changed: unwritten termly reviews of terms it no longer runs in go, and the terms it
    now reaches get theirs. Reviews already written stay, as the record of that term. Returns (dropped, added)."""
    partnership = deployment.partnership
    days = school_calendar(partnership=partnership)
    keys = [term.key for term in review_terms(deployment, days)]
    dropped, _ = (Review.objects.filter(deployment=deployment, kind=ReviewKind.TERMLY, status=ReviewStatus.DUE)
                  .exclude(term_key__in=keys).delete())
    return dropped, ensure_reviews([deployment], partnership=partnership, days=days)


def drop_unreached(deployment: Deployment) -> int:
    """A closed deployment no longer reaches the terms after today: their unwritten reviews go."""
    deleted, _ = Review.objects.filter(deployment=deployment, kind=ReviewKind.TERMLY, status=ReviewStatus.DUE,
                                       due_on__gt=timezone.localdate()).delete()
    return deleted
