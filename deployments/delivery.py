"""Deployments from proposal to close, and the visits that deliver them.

Deployment: proposed -> approved | rejected | cancelled; approved -> active (both sides confirmed the
agreement) | cancelled; active -> paused | stopped | completed; paused -> active | stopped.
Visit: logged -> confirmed | disputed; disputed -> confirmed | removed (the broker decides).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from alliances.models import Specialism
from deployments import capacity
from deployments.models import (
    LIVE_DEPLOYMENT_STATUSES,
    Deployment,
    DeploymentStatus,
    Funder,
    Objective,
    Offer,
    OfferStatus,
    RateKind,
    RequestStatus,
    SupportRequest,
    Visit,
    VisitStatus,
)
from deployments.workflow import (
    TransitionNotAllowed,
    brokers_for,
    days_text,
    heads_of,
    is_head_of,
    is_leader_of,
    leader_recipients,
    members_with_role,
    move,
    tenant_url,
)
from portal.audit.services import record_event
from portal.calendar.services import calendar_for
from portal.errors import DomainError, NotAllowed
from portal.notifications.services import notify
from portal.tenancy.models import Membership
from portal.tenancy.roles import Role

ALLOWED = {
    DeploymentStatus.PROPOSED: {DeploymentStatus.APPROVED, DeploymentStatus.REJECTED, DeploymentStatus.CANCELLED},
    DeploymentStatus.APPROVED: {DeploymentStatus.ACTIVE, DeploymentStatus.CANCELLED},
    DeploymentStatus.ACTIVE: {DeploymentStatus.PAUSED, DeploymentStatus.STOPPED, DeploymentStatus.COMPLETED},
    DeploymentStatus.PAUSED: {DeploymentStatus.ACTIVE, DeploymentStatus.STOPPED},
}
VISIT_ALLOWED = {
    VisitStatus.LOGGED: {VisitStatus.CONFIRMED, VisitStatus.DISPUTED},
    VisitStatus.DISPUTED: {VisitStatus.CONFIRMED, VisitStatus.REMOVED},
}


@dataclass
class ObjectiveInput:
    area: Specialism
    description: str
    success_criteria: str


def _terms(partnership) -> capacity.Terms:
    return capacity.Terms(calendar_for(partnership=partnership))


def _tell(deployment: Deployment, event: str, occurrence: str, recipients, subject: str, lines: list[str],
          note: str = "", note_label: str = "", action: str = "See the deployment", page: str = "deployment",
          pk: int | None = None) -> None:
    notify(partnership=deployment.partnership, event_type=event, recipients=recipients,
           occurrence=f"deployment:{deployment.pk}:{occurrence}",
           context={"subject": subject, "lines": lines, "note": note, "note_label": note_label, "action": action},
           link=tenant_url(deployment.partnership, page, pk=pk or deployment.pk))


def _everyone(deployment: Deployment) -> list:
    """The school's heads, the system leader and the request's broker: everyone a deployment involves."""
    people = [*heads_of(deployment.partnership, deployment.school), *leader_recipients(deployment.leader),
              *brokers_for(deployment.request)]
    seen, unique = set(), []
    for person in people:
        key = getattr(person, "pk", person)
        if key not in seen:
            seen.add(key)
            unique.append(person)
    return unique


def _half_days(days: Decimal | None, what: str = "days") -> Decimal:
    if days is None or days <= 0 or (days * 2) % 1 != 0:
        raise DomainError(f"Enter the {what} in whole or half days, like 3 or 2.5.")
    return days


@transaction.atomic
def propose_deployment(
    *, actor: Membership, request: SupportRequest, objectives: list[ObjectiveInput], days: Decimal, rate_kind: str,
    day_rate: Decimal, funder: str, start_date: date, end_date: date, funder_note: str = "",
) -> Deployment:
    """The broker proposes the deployment for the leader who accepted; approvers are asked to decide."""
    if not actor.can("deployments.propose"):
        raise NotAllowed("Only brokers propose deployments.")
    locked = SupportRequest.objects.select_for_update().select_related("school").get(pk=request.pk)
    if locked.status != RequestStatus.MATCHED:
        raise TransitionNotAllowed("A deployment can be proposed once a system leader has accepted the request.")
    if Deployment.objects.filter(request=locked, status__in=LIVE_DEPLOYMENT_STATUSES).exists():
        raise TransitionNotAllowed("This request already has a deployment. Open it from the request page.")
    offer = Offer.objects.select_related("leader").get(request=locked, status=OfferStatus.ACCEPTED)
    _half_days(days)
    if rate_kind not in RateKind.values or funder not in Funder.values:
        raise DomainError("Choose the rate and the funder.")
    if day_rate is None or day_rate < 0:
        raise DomainError("Enter the day rate in pounds, like 350 or 412.50.")
    if end_date < start_date:
        raise DomainError("The end date must be on or after the start date.")
    if not objectives:
        raise DomainError("Add at least one objective with its success criteria.")
    for objective in objectives:
        if objective.area.partnership_id != actor.partnership_id:
            raise NotAllowed("That need area is not in this partnership.")
        if not objective.description.strip() or not objective.success_criteria.strip():
            raise DomainError("Give each objective a description and success criteria.")
    deployment = Deployment.objects.create(
        partnership=actor.partnership, request=locked, offer=offer, school=locked.school, leader=offer.leader,
        days=days, rate_kind=rate_kind, day_rate=day_rate, funder=funder, funder_note=funder_note,
        start_date=start_date, end_date=end_date, proposed_by=actor.user,
    )
    Objective.objects.bulk_create([
        Objective(partnership=actor.partnership, deployment=deployment, area=o.area, description=o.description.strip(),
                  success_criteria=o.success_criteria.strip(), position=index)
        for index, o in enumerate(objectives)
    ])
    record_event(partnership=actor.partnership, actor=actor.user, action="deployment.proposed", obj=deployment,
                 new={"leader": offer.leader.name, "days": str(days), "rate": rate_kind, "day_rate": str(day_rate),
                      "funder": funder, "start": start_date.isoformat(), "end": end_date.isoformat(),
                      "objectives": len(objectives)})
    exclude = actor.user_id if actor.partnership.four_eyes_approval else None
    _tell(deployment, "deployment.proposed", "proposed", members_with_role(actor.partnership, Role.APPROVER,
                                                                           exclude_user_id=exclude),
          f"Approve a deployment for {locked.school.name} ({deployment.reference})", [
              f"{actor.user.get_full_name()} proposes {offer.leader.name} for {days_text(days)} days of support at "
              f"{locked.school.name}, from {start_date:%-d %B %Y} to {end_date:%-d %B %Y}.",
              "Approve it or say why not.",
          ], action="Decide on the deployment")
    return deployment


@transaction.atomic
def decide_deployment(*, actor: Membership, deployment: Deployment, approve: bool, rationale: str) -> Deployment:
    """An approver approves (committing the leader's days) or rejects (the broker looks again), with why."""
    if not actor.can("deployments.approve"):
        raise NotAllowed("Only approvers decide on deployments.")
    if actor.partnership.four_eyes_approval and deployment.proposed_by_id == actor.user_id:
        raise NotAllowed("You proposed this deployment, so someone else must decide on it (four-eyes approval).")
    if not rationale.strip():
        raise DomainError("Give the rationale for your decision: it is kept with the deployment.")
    now = timezone.now()
    request = deployment.request
    if approve:
        move(deployment, DeploymentStatus.APPROVED, allowed=ALLOWED, actor=actor, partnership=actor.partnership,
             note=rationale, decided_by=actor.user, decided_at=now, decision_note=rationale)
        allocation = capacity.split_days(deployment.days, deployment.start_date, deployment.end_date,
                                         _terms(actor.partnership))
        capacity.book(leader=deployment.leader, allocation=allocation, deployment=deployment,
                      replace_offer=deployment.offer)
        _tell(deployment, "deployment.decided", "decided", _everyone(deployment),
              f"Deployment {deployment.reference} approved: confirm the agreement", [
                  f"The steering group approved {deployment.leader.name}'s support for {deployment.school.name}: "
                  f"{days_text(deployment.days)} days from {deployment.start_date:%-d %B %Y} to {deployment.end_date:%-d %B %Y}.",
                  "The headteacher and the system leader now each confirm the agreement; then the work starts.",
              ], note=rationale, note_label="The approver's rationale", action="Read and confirm the agreement")
    else:
        move(deployment, DeploymentStatus.REJECTED, allowed=ALLOWED, actor=actor, partnership=actor.partnership,
             note=rationale, decided_by=actor.user, decided_at=now, decision_note=rationale)
        from deployments.offers import release_accepted
        from deployments.services import move_request

        locked = SupportRequest.objects.select_for_update().get(pk=request.pk)
        move_request(locked, RequestStatus.TRIAGED, actor=actor, note="The proposed deployment was not approved")
        release_accepted(actor=actor, request=locked, note="The proposed deployment was not approved")
        _tell(deployment, "deployment.decided", "decided", _everyone(deployment),
              f"Deployment {deployment.reference} was not approved", [
                  f"The steering group did not approve the proposed support for {deployment.school.name}. "
                  "The broker will look again at who can help.",
              ], note=rationale, note_label="The approver's rationale")
    return deployment


@transaction.atomic
def confirm_agreement(*, actor: Membership, deployment: Deployment) -> Deployment:
    """The supported head or the system leader confirms the agreement; when both have, the work starts."""
    locked = Deployment.objects.select_for_update().select_related("leader", "school").get(pk=deployment.pk)
    if locked.status != DeploymentStatus.APPROVED:
        raise TransitionNotAllowed("Only an approved deployment waits for its agreement to be confirmed.")
    now = timezone.now()
    if is_head_of(actor, locked.school_id):
        if locked.head_confirmed_at:
            raise TransitionNotAllowed("The school has already confirmed this agreement.")
        locked.head_confirmed_by, locked.head_confirmed_at = actor.user, now
        side = "headteacher"
    elif is_leader_of(actor, locked):
        if locked.leader_confirmed_at:
            raise TransitionNotAllowed("You have already confirmed this agreement.")
        locked.leader_confirmed_at = now
        side = "system_leader"
    else:
        raise NotAllowed("Only the supported school's headteacher and the system leader confirm the agreement.")
    locked.save(update_fields=["head_confirmed_by", "head_confirmed_at", "leader_confirmed_at", "updated_at"])
    record_event(partnership=actor.partnership, actor=actor.user, action=f"deployment.confirmed_by_{side}", obj=locked)
    if locked.head_confirmed_at and locked.leader_confirmed_at:
        move(locked, DeploymentStatus.ACTIVE, allowed=ALLOWED, actor=actor, partnership=actor.partnership,
             note="Both sides confirmed the agreement")
        from deployments.reviews import ensure_reviews

        ensure_reviews([locked], partnership=actor.partnership)
        _tell(locked, "deployment.agreed", "agreed", _everyone(locked),
              f"Deployment {locked.reference} is agreed and under way", [
                  f"The headteacher and {locked.leader.name} have both confirmed the agreement for "
                  f"{locked.school.name}. Visits can now be logged.",
              ])
    for field in ("status", "head_confirmed_by", "head_confirmed_at", "leader_confirmed_at"):
        setattr(deployment, field, getattr(locked, field))
    return deployment


def _change(actor: Membership, deployment: Deployment, to: str, *, note: str, subject: str, line: str,
            **changes) -> Deployment:
    if not actor.can("deployments.manage"):
        raise NotAllowed("Only brokers pause, resume, stop or complete deployments.")
    event = move(deployment, to, allowed=ALLOWED, actor=actor, partnership=actor.partnership, note=note, **changes)
    _tell(deployment, "deployment.status_changed", f"{to}:{event.pk}", _everyone(deployment),
          subject, [line], note=note, note_label="The broker's note" if to != DeploymentStatus.COMPLETED else "Summary")
    return deployment


@transaction.atomic
def pause_deployment(*, actor: Membership, deployment: Deployment, reason: str) -> Deployment:
    if not reason.strip():
        raise DomainError("Say why the deployment is paused: everyone involved will read it.")
    return _change(actor, deployment, DeploymentStatus.PAUSED, note=reason, status_note=reason,
                   subject=f"Deployment {deployment.reference} is paused",
                   line=f"The support for {deployment.school.name} is paused. Nothing can be logged until it resumes.")


@transaction.atomic
def resume_deployment(*, actor: Membership, deployment: Deployment, note: str = "") -> Deployment:
    return _change(actor, deployment, DeploymentStatus.ACTIVE, note=note, status_note="",
                   subject=f"Deployment {deployment.reference} has resumed",
                   line=f"The support for {deployment.school.name} has resumed.")


def _close(deployment: Deployment) -> None:
    """A closed deployment keeps only the days it delivered in the ledger (the rest go back to the leader),
    drops the termly reviews of terms it no longer reaches, and gets its final evaluation."""
    from deployments.models import Review, ReviewKind, ReviewStatus
    from deployments.reviews import create_final_evaluation

    _trim_to_delivered(deployment)
    Review.objects.filter(deployment=deployment, kind=ReviewKind.TERMLY, status=ReviewStatus.DUE,
                          due_on__gt=timezone.localdate()).delete()
    create_final_evaluation(deployment)


def _trim_to_delivered(deployment: Deployment) -> None:
    """A closed deployment keeps only the days it delivered in the ledger; the rest go back to the leader."""
    delivered = capacity.delivered_by_term(deployment=deployment, terms=_terms(deployment.partnership))
    capacity.book(leader=deployment.leader, allocation=delivered, deployment=deployment,
                  replace_deployment=deployment, check=False)


def _open_visits(deployment: Deployment) -> int:
    return Visit.objects.filter(deployment=deployment, status__in=[VisitStatus.LOGGED, VisitStatus.DISPUTED]).count()


@transaction.atomic
def stop_deployment(*, actor: Membership, deployment: Deployment, reason: str) -> Deployment:
    if not reason.strip():
        raise DomainError("Say why the deployment is stopping early.")
    _change(actor, deployment, DeploymentStatus.STOPPED, note=reason, status_note=reason, closed_at=timezone.now(),
            subject=f"Deployment {deployment.reference} has stopped early",
            line=f"The support for {deployment.school.name} has stopped before its planned end.")
    _close(deployment)
    return deployment


@transaction.atomic
def complete_deployment(*, actor: Membership, deployment: Deployment, summary: str) -> Deployment:
    if not summary.strip():
        raise DomainError("Write a closing summary: what was done and what changed.")
    if DeploymentStatus.COMPLETED not in ALLOWED.get(deployment.status, ()):
        raise TransitionNotAllowed(f"A deployment that is {deployment.get_status_display().lower()} cannot be completed.")
    waiting = _open_visits(deployment)
    if waiting:
        raise DomainError(f"{waiting} visit{'s' if waiting != 1 else ''} still wait{'s' if waiting == 1 else ''} for "
                          "the school or the broker. Settle them before completing the deployment.")
    _change(actor, deployment, DeploymentStatus.COMPLETED, note=summary, closing_summary=summary,
            closed_at=timezone.now(), subject=f"Deployment {deployment.reference} is complete",
            line=f"The support for {deployment.school.name} is complete. The system leader writes the final "
                 "evaluation next, and the headteacher agrees it.")
    _close(deployment)
    return deployment


def cancel_for_withdrawn_request(*, actor: Membership, request: SupportRequest, reason: str) -> None:
    """A school may withdraw until the work starts; after that the broker stops the deployment instead."""
    if Deployment.objects.filter(request=request, status__in=(DeploymentStatus.COMPLETED,
                                                              DeploymentStatus.STOPPED)).exists():
        raise TransitionNotAllowed("The support for this request has finished, so there is nothing to withdraw.")
    live = Deployment.objects.filter(request=request, status__in=LIVE_DEPLOYMENT_STATUSES).select_related(
        "leader", "school").first()
    if live is None:
        return
    if live.status in (DeploymentStatus.ACTIVE, DeploymentStatus.PAUSED):
        raise TransitionNotAllowed("The support has started, so the request cannot be withdrawn. "
                                   "Ask the broker to stop the deployment instead.")
    move(live, DeploymentStatus.CANCELLED, allowed=ALLOWED, actor=actor, partnership=actor.partnership,
         note="The school withdrew its request", status_note=reason, closed_at=timezone.now())
    capacity.release(deployment=live)
    _tell(live, "deployment.status_changed", "cancelled", [*leader_recipients(live.leader), *brokers_for(request)],
          f"Deployment {live.reference} is cancelled", [
              f"{live.school.name} withdrew its request before the support started, so the deployment is cancelled.",
          ], note=reason, note_label="The school's reason")


@transaction.atomic
def log_visit(*, actor: Membership, deployment: Deployment, visit_date: date, days: Decimal, focus: str,
              notes: str = "") -> Visit:
    """The system leader logs a day or half day; the school is asked to confirm it."""
    locked = Deployment.objects.select_for_update().select_related("leader", "school").get(pk=deployment.pk)
    if not is_leader_of(actor, locked):
        raise NotAllowed("Only the deployment's system leader logs its visits.")
    if locked.status != DeploymentStatus.ACTIVE:
        raise TransitionNotAllowed(f"This deployment is {locked.get_status_display().lower()}, so visits cannot be "
                                   "logged.")
    if days not in (Decimal("1.0"), Decimal("0.5")):
        raise DomainError("Choose a whole day or a half day.")
    if visit_date > timezone.localdate():
        raise DomainError("Log a visit on or after the day it happened.")
    if visit_date < locked.start_date:
        raise DomainError(f"The deployment starts on {locked.start_date:%-d %B %Y}; log visits from then.")
    if not focus.strip():
        raise DomainError("Say what the visit focused on.")
    counted = Visit.objects.filter(deployment=locked).exclude(status=VisitStatus.REMOVED)
    if counted.filter(visit_date=visit_date).exists():
        raise DomainError(f"A visit on {visit_date:%-d %B %Y} is already logged.")
    used = sum(counted.values_list("days", flat=True), Decimal(0))
    if used + days > locked.days:
        raise DomainError(f"{days_text(used)} of the {days_text(locked.days)} agreed days are logged, so this visit would go past "
                          "the agreement. Ask the broker to change it.")
    visit = Visit.objects.create(partnership=actor.partnership, deployment=locked, visit_date=visit_date, days=days,
                                 focus=focus.strip(), notes=notes.strip(), logged_by=actor.user)
    record_event(partnership=actor.partnership, actor=actor.user, action="visit.logged", obj=visit,
                 new={"deployment": locked.reference, "date": visit_date.isoformat(), "days": str(days)})
    notify(partnership=actor.partnership, event_type="visit.logged", recipients=heads_of(actor.partnership, locked.school),
           occurrence=f"visit:{visit.pk}:logged",
           context={"subject": f"Confirm a visit by {locked.leader.name} on {visit_date:%-d %B %Y}",
                    "lines": [f"{locked.leader.name} logged a {'whole' if days == 1 else 'half'} day at "
                              f"{locked.school.name} on {visit_date:%-d %B %Y}, focused on: {visit.focus}.",
                              "Confirm it, or dispute it if it does not match what happened."],
                    "action": "Confirm or dispute the visit"},
           link=tenant_url(actor.partnership, "deployment", pk=locked.pk) + "#visits")
    return visit


@transaction.atomic
def answer_visit(*, actor: Membership, visit: Visit, confirm: bool, reason: str = "") -> Visit:
    """The supported school confirms a visit, or disputes it with a reason (which goes to the broker)."""
    deployment = visit.deployment
    if not is_head_of(actor, deployment.school_id):
        raise NotAllowed("Only a headteacher of the supported school confirms its visits.")
    if deployment.status == DeploymentStatus.PAUSED:
        raise TransitionNotAllowed("This deployment is paused, so its visits cannot change until it resumes.")
    if not confirm and not reason.strip():
        raise DomainError("Say what does not match: the broker and the system leader will read it.")
    to = VisitStatus.CONFIRMED if confirm else VisitStatus.DISPUTED
    if visit.status != VisitStatus.LOGGED:
        raise TransitionNotAllowed("This visit has already been answered.")
    move(visit, to, allowed=VISIT_ALLOWED, actor=actor, partnership=actor.partnership, note=reason,
         responded_by=actor.user, responded_at=timezone.now(), dispute_reason="" if confirm else reason)
    when = f"{visit.visit_date:%-d %B %Y}"
    recipients = leader_recipients(deployment.leader) + ([] if confirm else brokers_for(deployment.request))
    notify(partnership=actor.partnership, event_type="visit.answered", recipients=recipients,
           occurrence=f"visit:{visit.pk}:{to}",
           context={"subject": f"The visit on {when} was {'confirmed' if confirm else 'disputed'} ({deployment.reference})",
                    "lines": [f"{deployment.school.name} {'confirmed' if confirm else 'disputed'} the visit on {when}."
                              + ("" if confirm else " The broker will look into it.")],
                    "note": reason, "note_label": "The school's reason", "action": "See the deployment"},
           link=tenant_url(actor.partnership, "deployment", pk=deployment.pk) + "#visits")
    return visit


@transaction.atomic
def resolve_dispute(*, actor: Membership, visit: Visit, uphold: bool, note: str) -> Visit:
    """The broker settles a disputed visit: it stands (counts as delivered) or is removed."""
    if not actor.can("deployments.manage"):
        raise NotAllowed("Only brokers settle disputed visits.")
    if not note.strip():
        raise DomainError("Say how the dispute was settled: the school and the system leader will read it.")
    to = VisitStatus.CONFIRMED if uphold else VisitStatus.REMOVED
    move(visit, to, allowed=VISIT_ALLOWED, actor=actor, partnership=actor.partnership, note=note,
         action=f"visit.dispute_{'upheld' if uphold else 'removed'}", resolved_by=actor.user,
         resolved_at=timezone.now(), resolution_note=note)
    deployment = visit.deployment
    when = f"{visit.visit_date:%-d %B %Y}"
    notify(partnership=actor.partnership, event_type="visit.resolved",
           recipients=[*leader_recipients(deployment.leader), *heads_of(actor.partnership, deployment.school)],
           occurrence=f"visit:{visit.pk}:resolved",
           context={"subject": f"The disputed visit on {when} was settled ({deployment.reference})",
                    "lines": [f"The broker decided the visit on {when} "
                              + ("stands and counts as delivered." if uphold else "is removed and does not count.")],
                    "note": note, "note_label": "The broker's note", "action": "See the deployment"},
           link=tenant_url(actor.partnership, "deployment", pk=deployment.pk) + "#visits")
    return visit
