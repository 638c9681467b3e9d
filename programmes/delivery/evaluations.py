"""The participant's evaluation once the cohort's last session is past, and the impact on the school their
headteacher is asked for a term after the cohort ends."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from portal.audit.services import record_event
from portal.calendar.services import school_calendar
from portal.errors import Conflict, DomainError, NotAllowed
from portal.formats import date_text
from portal.tenancy.models import Membership
from programmes.delivery.completion import update_completion
from programmes.models import IMPACT_MEANINGS, Cohort, Evaluation, Place, PlaceStatus, SchoolImpact, Session


def impact_choices() -> list[tuple[str, str]]:
    return [(str(score), f"{score}: {meaning}") for score, meaning in IMPACT_MEANINGS.items()]


def last_session_on(cohort: Cohort) -> date | None:
    return cohort.ends_on or Session.objects.filter(cohort=cohort).aggregate(last=Max("date"))["last"]


def impact_due_on(partnership, ended_on: date) -> date:
    """A term after the cohort ends: the last day of the term after the one the last session counts against (the
    partnership's term calendar, or the usual term dates without one)."""
    try:
        calendar = school_calendar(partnership=partnership)
        term = calendar.term_for(ended_on)
        return calendar.following(term, 2)[1].end
    except (LookupError, ValueError, IndexError):  # pragma: no cover - a calendar with no term after
        return ended_on + timedelta(days=122)


def own_place(actor: Membership, place: Place) -> bool:
    return place.user_id is not None and place.user_id == actor.user_id


def evaluation_problem(actor: Membership, place: Place, *, today: date) -> str:
    """Why this member cannot send this place's evaluation now, or ""."""
    if not actor.can("evaluations.write") or not own_place(actor, place):
        return "Only the participant can return their evaluation."
    if place.status != PlaceStatus.ACCEPTED:
        return "Only a participant with a place can return an evaluation."
    last = last_session_on(place.cohort)
    if last is None or last >= today:
        when = f" after {date_text(last)}, the last session" if last else " once the sessions are over"
        return f"You can return your evaluation{when}."
    if Evaluation.objects.filter(place=place).exists():
        return "You have already returned your evaluation."
    return ""


def submit_evaluation(*, actor: Membership, place: Place, practice_change: str, impact: int,
                      today: date | None = None) -> Evaluation:
    today = today or timezone.localdate()
    if not actor.can("evaluations.write") or not own_place(actor, place):
        raise NotAllowed("Only the participant can return their evaluation.")
    problem = evaluation_problem(actor, place, today=today)
    if problem:
        raise DomainError(problem)
    if impact not in IMPACT_MEANINGS:
        raise DomainError("Choose an impact score from 1 to 10.", field="impact")
    if not practice_change.strip():
        raise DomainError("Say what changed in your practice.", field="practice_change")
    try:
        with transaction.atomic():
            Cohort.objects.select_for_update().filter(pk=place.cohort_id).first()  # completion: one at a time
            evaluation = Evaluation.objects.create(partnership=place.partnership, place=place,
                                                   practice_change=practice_change.strip(), impact=impact,
                                                   submitted_by=actor.user)
            record_event(partnership=place.partnership, actor=actor.user, obj=place, action="evaluation.submitted",
                         new={"impact": impact})
            update_completion(place.cohort, actor=actor.user, place_ids=[place.pk])
    except IntegrityError:
        raise Conflict("You have already returned your evaluation.") from None
    return evaluation


# The impact on the school ----------------------------------------------------------------------------------------

def schedule_school_impact(cohort: Cohort) -> int:
    """Create the school impact rows of an ended cohort's accepted participants (once each)."""
    last = last_session_on(cohort)
    if last is None:
        return 0
    due = impact_due_on(cohort.partnership, last)
    places = list(Place.objects.filter(cohort=cohort, status=PlaceStatus.ACCEPTED).values_list("pk", flat=True))
    rows = SchoolImpact.objects.bulk_create(
        [SchoolImpact(partnership=cohort.partnership, place_id=pk, due_on=due) for pk in places],
        ignore_conflicts=True)
    return len(rows)


def leads_school(actor: Membership, school_id: str) -> bool:
    return actor.can("places.nominate") and actor.schools.filter(pk=school_id).exists()


def impact_problem(actor: Membership, impact: SchoolImpact, *, today: date) -> str:
    if not leads_school(actor, impact.place.school_id):
        return "Only the participant's headteacher can say what the programme did for the school."
    if impact.answered_at is not None:
        return "The impact on the school has already been given."
    if impact.due_on > today:
        return f"You can say what the programme did for the school from {date_text(impact.due_on)}."
    return ""


def answer_school_impact(*, actor: Membership, impact: SchoolImpact, text: str, score: int,
                         today: date | None = None) -> SchoolImpact:
    today = today or timezone.localdate()
    if not leads_school(actor, impact.place.school_id):
        raise NotAllowed("Only the participant's headteacher can say what the programme did for the school.")
    problem = impact_problem(actor, impact, today=today)
    if problem:
        raise DomainError(problem)
    if score not in IMPACT_MEANINGS:
        raise DomainError("Choose an impact score from 1 to 10.", field="impact")
    if not text.strip():
        raise DomainError("Say what the programme did for the school.", field="impact_on_school")
    now = timezone.now()
    with transaction.atomic():
        if not SchoolImpact.objects.filter(pk=impact.pk, answered_at__isnull=True).update(
                impact_on_school=text.strip(), impact=score, answered_by=actor.user, answered_at=now):
            raise Conflict("Someone else gave the impact on the school first. Reload the page to see it.")
        record_event(partnership=impact.partnership, actor=actor.user, obj=impact.place,
                     action="school_impact.answered", new={"impact": score})
    impact.impact_on_school, impact.impact, impact.answered_by, impact.answered_at = text.strip(), score, actor.user, now
    return impact
