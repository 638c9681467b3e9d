"""Termly reviews and final evaluations: when they are due, writing and agreeing them, and the services.

A deployment has one termly review for each term it runs in, due `partnership.review_due_school_days`
school days before that term ends, created when the work starts (and topped up by the daily run, so
a calendar edited later is picked up). Completing a deployment adds its final evaluation, due ten
school days later. The system leader writes; the headteacher agrees (then it is final and read-only)
or returns it with comments for the leader to revise.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from deployments import capacity
from deployments.models import (
    OUTCOME_LABELS,
    Deployment,
    DeploymentStatus,
    Met,
    Objective,
    Rag,
    Review,
    ReviewKind,
    ReviewObjective,
    ReviewStatus,
)
from deployments.workflow import (
    TransitionNotAllowed,
    brokers_for,
    heads_of,
    is_head_of,
    is_leader_of,
    leader_recipients,
    move,
    tenant_url,
)
from portal.calendar.bank_holidays import is_bank_holiday
from portal.calendar.schooldays import Period, SchoolCalendar
from portal.calendar.services import calendar_for
from portal.errors import DomainError, NotAllowed
from portal.notifications.services import notify
from portal.tenancy.models import Membership

ALLOWED = {
    ReviewStatus.DUE: {ReviewStatus.SUBMITTED},
    ReviewStatus.SUBMITTED: {ReviewStatus.AGREED, ReviewStatus.DUE},
}
FINAL_DUE_SCHOOL_DAYS = 10


class SchoolDays:
    """School days from the partnership's calendar; for years it has no terms for, weekdays that are not
    bank holidays (so nothing is ever due on a weekend or a bank holiday)."""

    def __init__(self, periods: list[Period]):
        self.calendar = SchoolCalendar(periods)
        self.years = {p.academic_year for p in periods if p.kind == "term"}
        self.terms = capacity.Terms(periods)

    def is_school_day(self, day: date) -> bool:
        if capacity.academic_year_of(day) in self.years:
            return self.calendar.is_school_day(day)
        return day.weekday() < 5 and not is_bank_holiday(day)

    def next_school_day(self, day: date) -> date:
        """`day` if it is a school day, otherwise the next one (holidays postpone, never skip)."""
        for _ in range(400):
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

    def before_end(self, term: capacity.Term, count: int) -> date:
        """`count` school days before the term's last school day (0: the last school day itself)."""
        day, seen = term.end, 0
        while day >= term.start:
            if self.is_school_day(day):
                if seen == count:
                    return day
                seen += 1
            day -= timedelta(days=1)
        return term.start


def school_days_for(partnership) -> SchoolDays:
    return SchoolDays(calendar_for(partnership=partnership))


def review_terms(deployment: Deployment, days: SchoolDays) -> list[capacity.Term]:
    """Each term the deployment runs in, in order."""
    terms, day = [], deployment.start_date
    while day <= deployment.end_date:
        term = days.terms.term_for(day)
        if term not in terms:
            terms.append(term)
        day = term.end + timedelta(days=1)
    return terms


def planned_reviews(deployment: Deployment, days: SchoolDays, lead: int) -> list[Review]:
    return [Review(partnership_id=deployment.partnership_id, deployment=deployment, kind=ReviewKind.TERMLY,
                   term_key=term.key, due_on=days.before_end(term, lead))
            for term in review_terms(deployment, days)]


def ensure_reviews(deployments: list[Deployment], *, partnership, days: SchoolDays | None = None) -> int:
    """Create the termly reviews that do not exist yet (idempotent: the unique key ignores repeats)."""
    days = days or school_days_for(partnership)
    existing = set(Review.objects.filter(deployment__in=[d.pk for d in deployments], kind=ReviewKind.TERMLY)
                   .values_list("deployment_id", "term_key"))
    rows = [review for deployment in deployments
            for review in planned_reviews(deployment, days, partnership.review_due_school_days)
            if (deployment.pk, review.term_key) not in existing]
    # Two runs at once may both plan the same review: the unique key keeps one.
    Review.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def create_final_evaluation(deployment: Deployment) -> Review:
    days = school_days_for(deployment.partnership)
    due = days.add(timezone.localdate(), FINAL_DUE_SCHOOL_DAYS)
    review, _ = Review.objects.get_or_create(
        deployment=deployment, kind=ReviewKind.FINAL, term_key="final",
        defaults={"partnership_id": deployment.partnership_id, "due_on": due})
    return review


def _link(review: Review) -> str:
    return tenant_url(review.deployment.partnership, "review", pk=review.pk)


@transaction.atomic
def write_review(*, actor: Membership, review: Review, progress: dict[int, tuple[str, str, str]], overall_progress: str,
                 impact_score: int | None, outcomes: list[str], next_steps: str, submit: bool) -> Review:
    """The system leader saves a draft or submits it to the headteacher. `progress` maps each objective's id
    to (Red/Amber/Green, evidence, success criteria met) - the last only in a final evaluation."""
    locked = Review.objects.select_for_update().select_related("deployment__leader", "deployment__school").get(pk=review.pk)
    deployment = locked.deployment
    if not is_leader_of(actor, deployment):
        raise NotAllowed("Only the deployment's system leader writes its reviews.")
    if locked.status != ReviewStatus.DUE:
        raise TransitionNotAllowed("This review has been submitted, so it cannot be changed now.")
    if deployment.status == DeploymentStatus.PAUSED:
        raise TransitionNotAllowed("This deployment is paused, so its reviews cannot change until it resumes.")
    objectives = {o.pk: o for o in Objective.objects.filter(deployment=deployment)}
    if set(progress) - set(objectives):
        raise NotAllowed("That objective is not part of this deployment.")
    unknown = set(outcomes) - set(OUTCOME_LABELS)
    if unknown:
        raise DomainError("Choose outcomes from the checklist.")
    if impact_score is not None and not 1 <= impact_score <= 10:
        raise DomainError("Give an impact score from 1 to 10.")
    final = locked.kind == ReviewKind.FINAL
    for rag, _evidence, met in progress.values():
        if rag and rag not in Rag.values or (met and met not in Met.values):
            raise DomainError("Choose the progress from the list.")
    if submit:
        missing = [o.area.name for pk, o in objectives.items()
                   if pk not in progress or not progress[pk][0] or not progress[pk][1].strip() or (final and not progress[pk][2])]
        if missing or impact_score is None or not overall_progress.strip() or not next_steps.strip():
            raise DomainError("Complete every objective, the overall progress, the impact score and the next steps "
                              "before sending the review.")
    ReviewObjective.objects.filter(review=locked).delete()
    ReviewObjective.objects.bulk_create([
        ReviewObjective(partnership_id=locked.partnership_id, review=locked, objective_id=pk, rag=rag,
                        evidence=evidence.strip(), success_met=met if final else "")
        for pk, (rag, evidence, met) in progress.items() if rag
    ])
    locked.overall_progress, locked.impact_score = overall_progress.strip(), impact_score
    locked.outcomes, locked.next_steps, locked.written_by = sorted(outcomes), next_steps.strip(), actor.user
    locked.save(update_fields=["overall_progress", "impact_score", "outcomes", "next_steps", "written_by", "updated_at"])
    if submit:
        event = move(locked, ReviewStatus.SUBMITTED, allowed=ALLOWED, actor=actor, partnership=actor.partnership,
                     action="review.submitted", submitted_at=timezone.now())
        notify(partnership=actor.partnership, event_type="review.submitted",
               recipients=heads_of(actor.partnership, deployment.school), occurrence=f"review:{locked.pk}:{event.pk}",
               context={"subject": f"Agree the {locked.get_kind_display().lower()} of {deployment.reference}",
                        "lines": [f"{deployment.leader.name} has written the {locked.get_kind_display().lower()} "
                                  f"({locked.term_label if not final else 'at completion'}) of the support for "
                                  f"{deployment.school.name}, with an impact score of {impact_score} out of 10.",
                                  "Read it, then agree it or return it with your comments."],
                        "action": "Read the review"},
               link=_link(locked))
    review.status = locked.status
    return locked


@transaction.atomic
def answer_review(*, actor: Membership, review: Review, agree: bool, comments: str = "",
                  head_impact_score: int | None = None) -> Review:
    """The headteacher agrees a submitted review (then it is final) or returns it with comments."""
    deployment = review.deployment
    if not is_head_of(actor, deployment.school_id):
        raise NotAllowed("Only a headteacher of the supported school agrees its reviews.")
    if not agree and not comments.strip():
        raise DomainError("Say what should change: the system leader will read your comments.")
    final = review.kind == ReviewKind.FINAL
    if agree and final and head_impact_score is None:
        raise DomainError("Give your own impact score from 1 to 10 for the final evaluation.")
    if head_impact_score is not None and not 1 <= head_impact_score <= 10:
        raise DomainError("Give an impact score from 1 to 10.")
    if agree:
        event = move(review, ReviewStatus.AGREED, allowed=ALLOWED, actor=actor, partnership=actor.partnership,
             action="review.agreed", note=comments, head_comments=comments.strip(), agreed_by=actor.user,
             agreed_at=timezone.now(), head_impact_score=head_impact_score)
    else:
        event = move(review, ReviewStatus.DUE, allowed=ALLOWED, actor=actor, partnership=actor.partnership,
             action="review.returned", note=comments, head_comments=comments.strip(), submitted_at=None)
    notify(partnership=actor.partnership, event_type="review.answered",
           recipients=[*leader_recipients(deployment.leader), *brokers_for(deployment.request)],
           occurrence=f"review:{review.pk}:{event.pk}",
           context={"subject": f"The {review.get_kind_display().lower()} of {deployment.reference} was "
                               f"{'agreed' if agree else 'returned with comments'}",
                    "lines": [f"{deployment.school.name}'s headteacher "
                              + ("agreed the review. It is now final." if agree else
                                 "returned the review with comments. Revise it and send it again.")],
                    "note": comments, "note_label": "The headteacher's comments", "action": "Read the review"},
           link=_link(review))
    return review
