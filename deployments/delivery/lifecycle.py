"""A deployment's life after it is proposed: decided, agreed, paused, resumed, stopped, completed, cancelled.

proposed -> approved | rejected | cancelled; approved -> active (both sides confirmed the agreement) |
cancelled; active -> paused | stopped | completed; paused -> active | stopped.

Each function here moves the deployment alone (one compare-and-set with its audit event) and tells
everyone it involves. What else a change touches (the capacity ledger, the request, the offer, the
reviews) is done by `deployments.processes`, which calls these.
"""

from __future__ import annotations

from django.utils import timezone

from deployments import workflow
from deployments.models import Deployment, DeploymentStatus, Visit, VisitStatus
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
from portal.audit.services import record_event
from portal.days import days_phrase
from portal.errors import DomainError, NotAllowed
from portal.formats import date_text
from portal.notifications.reading import settle
from portal.notifications.services import notify
from portal.tenancy.models import Membership

ALLOWED = {
    DeploymentStatus.PROPOSED: {DeploymentStatus.APPROVED, DeploymentStatus.REJECTED, DeploymentStatus.CANCELLED},
    DeploymentStatus.APPROVED: {DeploymentStatus.ACTIVE, DeploymentStatus.CANCELLED},
    DeploymentStatus.ACTIVE: {DeploymentStatus.PAUSED, DeploymentStatus.STOPPED, DeploymentStatus.COMPLETED},
    DeploymentStatus.PAUSED: {DeploymentStatus.ACTIVE, DeploymentStatus.STOPPED},
}
# What the broker may do to a deployment from its page: the statuses each applies to, and where it leads.
# Each is a move in ALLOWED; a status can be reached by more than one action (approved -> active is the
# agreement being confirmed, never "resume"), so an action names its sources itself.
CHANGES = {
    "pause": ({DeploymentStatus.ACTIVE}, DeploymentStatus.PAUSED),
    "resume": ({DeploymentStatus.PAUSED}, DeploymentStatus.ACTIVE),
    "stop": ({DeploymentStatus.ACTIVE, DeploymentStatus.PAUSED}, DeploymentStatus.STOPPED),
    "complete": ({DeploymentStatus.ACTIVE}, DeploymentStatus.COMPLETED),
}


# Guards the pages ask --------------------------------------------------------------------------------

def four_eyes_blocks(actor: Membership, deployment: Deployment) -> bool:
    """The partnership wants a second pair of eyes and this member proposed the deployment."""
    return workflow.four_eyes_blocks(actor, deployment.proposed_by_id)


def awaits_decision(deployment: Deployment) -> bool:
    return deployment.status == DeploymentStatus.PROPOSED


def can_decide(actor: Membership, deployment: Deployment) -> bool:
    return actor.can("deployments.approve") and awaits_decision(deployment) and not four_eyes_blocks(actor, deployment)


def can_confirm(actor: Membership, deployment: Deployment, *, is_head: bool | None = None) -> bool:
    """The supported head or the system leader, while the agreement waits for their side.
    `is_head` is the answer to "head of this school?" when the page knows it already."""
    if deployment.status != DeploymentStatus.APPROVED:
        return False
    if is_head is None:
        is_head = is_head_of(actor, deployment.school_id)
    return bool((is_head and not deployment.head_confirmed_at)
                or (is_leader_of(actor, deployment) and not deployment.leader_confirmed_at))


def allowed_changes(actor: Membership, deployment: Deployment) -> list[str]:
    """The broker's status changes open to `actor` now: some of pause, resume, stop, complete."""
    if not actor.can("deployments.manage"):
        return []
    return [action for action, (sources, _) in CHANGES.items() if deployment.status in sources]


# Telling people ------------------------------------------------------------------------------------

def tell(deployment: Deployment, event: str, occurrence: str, recipients, subject: str, lines: list[str],
         note: str = "", note_label: str = "", action: str = "See the deployment") -> None:
    notify(partnership=deployment.partnership, event_type=event, recipients=recipients,
           occurrence=f"deployment:{deployment.pk}:{occurrence}",
           context={"subject": subject, "lines": lines, "note": note, "note_label": note_label, "action": action},
           link=tenant_url(deployment.partnership, "deployment", pk=deployment.pk))


def everyone(deployment: Deployment) -> list:
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


# Transitions ---------------------------------------------------------------------------------------

def _check_decider(actor: Membership, deployment: Deployment, rationale: str) -> None:
    if not actor.can("deployments.approve"):
        raise NotAllowed("Only approvers decide on deployments.")
    if four_eyes_blocks(actor, deployment):
        raise NotAllowed("You proposed this deployment, so someone else must decide on it (four-eyes approval).")
    if not rationale.strip():
        raise DomainError("Give the rationale for your decision: it is kept with the deployment.")


def approve(*, actor: Membership, deployment: Deployment, rationale: str) -> None:
    """Approver says yes. The caller commits the leader's days in the same transaction."""
    _check_decider(actor, deployment, rationale)
    move(deployment, DeploymentStatus.APPROVED, allowed=ALLOWED, actor=actor, partnership=actor.partnership,
         note=rationale, decided_by=actor.user, decided_at=timezone.now(), decision_note=rationale)
    tell(deployment, "deployment.decided", "decided", everyone(deployment),
         f"Deployment {deployment.reference} approved: confirm the agreement", [
             f"The steering group approved {deployment.leader.name}'s support for {deployment.school.name}: "
             f"{days_phrase(deployment.days)} from {date_text(deployment.start_date)} to "
             f"{date_text(deployment.end_date)}.",
             "The headteacher and the system leader now each confirm the agreement; then the work starts.",
         ], note=rationale, note_label="The approver's rationale", action="Read and confirm the agreement")


def reject(*, actor: Membership, deployment: Deployment, rationale: str) -> None:
    """Approver says no. The caller sends the request back to matching and releases the offer."""
    _check_decider(actor, deployment, rationale)
    move(deployment, DeploymentStatus.REJECTED, allowed=ALLOWED, actor=actor, partnership=actor.partnership,
         note=rationale, decided_by=actor.user, decided_at=timezone.now(), decision_note=rationale)
    tell(deployment, "deployment.decided", "decided", everyone(deployment),
         f"Deployment {deployment.reference} was not approved", [
             f"The steering group did not approve the proposed support for {deployment.school.name}. "
             "The broker will look again at who can help.",
         ], note=rationale, note_label="The approver's rationale")


def record_confirmation(*, actor: Membership, deployment: Deployment) -> Deployment:
    """One side confirms the agreement. Returns the locked, updated row; it does not start the work."""
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
    # The approval asked this side to confirm: done for them (the other side's copy waits for theirs).
    settle(partnership=actor.partnership, subject=f"deployment:{locked.pk}", event_types=["deployment.decided"],
           recipient=actor.user)
    return locked


def start(*, actor: Membership, deployment: Deployment) -> None:
    """Both sides have confirmed: the work starts. The caller creates its termly reviews."""
    move(deployment, DeploymentStatus.ACTIVE, allowed=ALLOWED, actor=actor, partnership=actor.partnership,
         note="Both sides confirmed the agreement")
    tell(deployment, "deployment.agreed", "agreed", everyone(deployment),
         f"Deployment {deployment.reference} is agreed and under way", [
             f"The headteacher and {deployment.leader.name} have both confirmed the agreement for "
             f"{deployment.school.name}. Visits can now be logged.",
         ])


def _change(actor: Membership, deployment: Deployment, action: str, *, note: str, subject: str, line: str,
            **changes) -> Deployment:
    if not actor.can("deployments.manage"):
        raise NotAllowed("Only brokers pause, resume, stop or complete deployments.")
    sources, to = CHANGES[action]
    if deployment.status not in sources:
        raise TransitionNotAllowed(f"This deployment is {deployment.get_status_display().lower()}, so you cannot "
                                   f"{action} it.")
    event = move(deployment, to, allowed=ALLOWED, actor=actor, partnership=actor.partnership, note=note, **changes)
    tell(deployment, "deployment.status_changed", f"{to}:{event.pk}", everyone(deployment),
         subject, [line], note=note, note_label="The broker's note" if to != DeploymentStatus.COMPLETED else "Summary")
    return deployment


def pause(*, actor: Membership, deployment: Deployment, reason: str) -> Deployment:
    if not reason.strip():
        raise DomainError("Say why the deployment is paused: everyone involved will read it.")
    return _change(actor, deployment, "pause", note=reason, status_note=reason,
                   subject=f"Deployment {deployment.reference} is paused",
                   line=f"The support for {deployment.school.name} is paused. Nothing can be logged until it resumes.")


def resume(*, actor: Membership, deployment: Deployment, note: str = "") -> Deployment:
    return _change(actor, deployment, "resume", note=note, status_note="",
                   subject=f"Deployment {deployment.reference} has resumed",
                   line=f"The support for {deployment.school.name} has resumed.")


def stop(*, actor: Membership, deployment: Deployment, reason: str) -> Deployment:
    """Stops early. The caller closes it (ledger trimmed, reviews, final evaluation)."""
    if not reason.strip():
        raise DomainError("Say why the deployment is stopping early.")
    return _change(actor, deployment, "stop", note=reason, status_note=reason,
                   closed_at=timezone.now(), subject=f"Deployment {deployment.reference} has stopped early",
                   line=f"The support for {deployment.school.name} has stopped before its planned end.")


def open_visits(deployment: Deployment) -> int:
    return Visit.objects.filter(deployment=deployment, status__in=[VisitStatus.LOGGED, VisitStatus.DISPUTED]).count()


def complete(*, actor: Membership, deployment: Deployment, summary: str) -> Deployment:
    """Completes it once no visit waits. The caller closes it (ledger trimmed, reviews, final evaluation)."""
    if not summary.strip():
        raise DomainError("Write a closing summary: what was done and what changed.")
    if DeploymentStatus.COMPLETED not in ALLOWED.get(deployment.status, ()):
        raise TransitionNotAllowed(f"A deployment that is {deployment.get_status_display().lower()} cannot be completed.")
    waiting = open_visits(deployment)
    if waiting:
        raise DomainError(f"{waiting} visit{'s' if waiting != 1 else ''} still wait{'s' if waiting == 1 else ''} for "
                          "the school or the broker. Settle them before completing the deployment.")
    return _change(actor, deployment, "complete", note=summary, closing_summary=summary,
                   closed_at=timezone.now(), subject=f"Deployment {deployment.reference} is complete",
                   line=f"The support for {deployment.school.name} is complete. The system leader writes the final "
                        "evaluation next, and the headteacher agrees it.")


def finished(deployments) -> bool:
    """The support for a request has been delivered and closed (completed or stopped early)."""
    return any(d.status in (DeploymentStatus.COMPLETED, DeploymentStatus.STOPPED) for d in deployments)


def not_started(deployment: Deployment | None) -> bool:
    """No live deployment, or one not yet under way: a school may still withdraw."""
    return deployment is None or deployment.status in (DeploymentStatus.PROPOSED, DeploymentStatus.APPROVED)


def cancel(*, actor: Membership, deployment: Deployment, reason: str, recipients: list) -> None:
    """The school withdrew before the work started. The caller releases the leader's days."""
    move(deployment, DeploymentStatus.CANCELLED, allowed=ALLOWED, actor=actor, partnership=actor.partnership,
         note="The school withdrew its request", status_note=reason, closed_at=timezone.now())
    tell(deployment, "deployment.status_changed", "cancelled", recipients,
         f"Deployment {deployment.reference} is cancelled", [
             f"{deployment.school.name} withdrew its request before the support started, so the deployment is "
             "cancelled.",
         ], note=reason, note_label="The school's reason")
