"""Writing and agreeing termly reviews and final evaluations (when they are due: `reviews.schedule`).

due -> submitted (the system leader sends it) -> agreed (the headteacher agrees: final and read-only)
| due (returned with comments for the leader to revise).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from deployments.models import (
    LINK_PARTNER_LABELS,
    OUTCOME_LABELS,
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
    copy_state,
    heads_of,
    is_head_of,
    is_leader_of,
    leader_recipients,
    move,
    tenant_url,
)
from portal.errors import DomainError, NotAllowed
from portal.notifications.services import notify
from portal.tenancy.models import Membership
from programmes.funding.selectors import gives_link_partner

ALLOWED = {
    ReviewStatus.DUE: {ReviewStatus.SUBMITTED},
    ReviewStatus.SUBMITTED: {ReviewStatus.AGREED, ReviewStatus.DUE},
}


def can_write(actor: Membership, review: Review) -> bool:
    """The deployment's system leader, while the review is due and the deployment is not paused."""
    deployment = review.deployment
    return (review.status == ReviewStatus.DUE and deployment.status != DeploymentStatus.PAUSED
            and is_leader_of(actor, deployment))


def awaits_answer(review: Review) -> bool:
    return review.status == ReviewStatus.SUBMITTED


def can_answer(actor: Membership, review: Review, *, is_head: bool | None = None) -> bool:
    """A headteacher of the supported school, once the review is sent. `is_head` is the answer to "head of
    this school?" when the page knows it already."""
    if not awaits_answer(review):
        return False
    return is_head if is_head is not None else is_head_of(actor, review.deployment.school_id)


def _link(review: Review) -> str:
    return tenant_url(review.deployment.partnership, "review", pk=review.pk)


SECTION_LENGTH = 2000


def is_link_partner(deployment) -> bool:
    """Funded by a link partner entitlement: its reviews are the link partner's reports (seed 003)."""
    return bool(deployment.entitlement_id) and gives_link_partner(deployment.entitlement_id)


def _sections(deployment, sections: dict[str, str], *, submit: bool) -> dict[str, str]:
    if not is_link_partner(deployment):
        if any(text.strip() for text in sections.values()):
            raise DomainError("Only a link partner's report has the seven sections.")
        return {}
    if set(sections) - set(LINK_PARTNER_LABELS):
        raise DomainError("Write the report under the seven link partner elements.")
    cleaned = {key: (sections.get(key) or "").strip() for key in LINK_PARTNER_LABELS}
    if any(len(text) > SECTION_LENGTH for text in cleaned.values()):
        raise DomainError(f"Keep each section of the report to {SECTION_LENGTH:,} characters or fewer.")
    if submit and not all(cleaned.values()):
        raise DomainError("Write every section of the link partner report before sending it.")
    return cleaned


@transaction.atomic
def write_review(*, actor: Membership, review: Review, progress: dict[int, tuple[str, str, str]], overall_progress: str,
                 impact_score: int | None, outcomes: list[str], next_steps: str, submit: bool,
                 sections: dict[str, str] | None = None, own_school_benefit: str = "") -> Review:
    """The system leader saves a draft or submits it to the headteacher. `progress` maps each objective's id
    to (Red/Amber/Green, evidence, success criteria met) - the last only in a final evaluation. A link partner's
    report also has a section for each of seed 003's seven elements (`sections`), all needed to send it. A final
    evaluation may say how the leader's own school benefited (`own_school_benefit`, optional)."""
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
    sections = _sections(deployment, sections or {}, submit=submit)
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
        # A draft keeps whatever was typed: evidence before the Red/Amber/Green is chosen is not lost.
        for pk, (rag, evidence, met) in progress.items() if rag or evidence.strip() or (final and met)
    ])
    locked.overall_progress, locked.impact_score = overall_progress.strip(), impact_score
    locked.outcomes, locked.next_steps, locked.written_by = sorted(outcomes), next_steps.strip(), actor.user
    locked.sections, locked.own_school_benefit = sections, own_school_benefit.strip() if final else ""
    locked.save(update_fields=["overall_progress", "impact_score", "outcomes", "next_steps", "sections", "written_by",
                               "own_school_benefit", "updated_at"])
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
    copy_state(review, locked)
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
