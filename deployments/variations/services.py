"""Variations: the broker proposes a change to an agreed deployment (days, dates, objectives, rate); an approver
approves it where the partnership wants that (never the proposer when four-eyes is on); the school's headteacher
and the system leader each confirm it; then it is applied.

proposed -> confirming | declined | withdrawn; confirming -> applied | declined | withdrawn. A partnership that
does not ask for approval starts a change at confirming. Applying it (the deployment, the capacity ledger and
the termly reviews) is `deployments.processes.confirm_variation`, which calls these.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from deployments import workflow
from deployments.models import (
    OPEN_VARIATION_STATUSES,
    Deployment,
    DeploymentStatus,
    Variation,
    VariationStatus,
)
from deployments.variations.values import Proposed, check_values, current_values
from deployments.workflow import (
    TransitionNotAllowed,
    brokers_for,
    heads_of,
    is_head_of,
    is_leader_of,
    leader_recipients,
    members_with_role,
    move,
    tenant_url,
)
from portal.audit.services import record_event
from portal.errors import DomainError, NotAllowed
from portal.notifications.services import notify
from portal.tenancy.models import Membership
from portal.tenancy.roles import Role

ALLOWED = {
    VariationStatus.PROPOSED: {VariationStatus.CONFIRMING, VariationStatus.DECLINED, VariationStatus.WITHDRAWN},
    VariationStatus.CONFIRMING: {VariationStatus.APPLIED, VariationStatus.DECLINED, VariationStatus.WITHDRAWN},
}
# Only an agreed deployment changes this way: before the agreement the broker and the approver still shape it.
VARIABLE = (DeploymentStatus.ACTIVE, DeploymentStatus.PAUSED)


# Guards the pages ask ---------------------------------------------------------------------------------------

def can_propose(actor: Membership, deployment: Deployment, open_variation: Variation | None) -> bool:
    return actor.can("deployments.manage") and deployment.status in VARIABLE and open_variation is None


def four_eyes_blocks(actor: Membership, variation: Variation) -> bool:
    """The same rule as for deployments: the proposer of a change never decides on it when four-eyes is on."""
    return workflow.four_eyes_blocks(actor, variation.proposed_by_id)


def can_decide(actor: Membership, variation: Variation) -> bool:
    return (actor.can("deployments.approve") and variation.status == VariationStatus.PROPOSED
            and not four_eyes_blocks(actor, variation))


def can_confirm(actor: Membership, variation: Variation, deployment: Deployment, *, is_head: bool | None = None) -> bool:
    """The supported head or the system leader, while the change waits for their side."""
    if variation.status != VariationStatus.CONFIRMING:
        return False
    if is_head is None:
        is_head = is_head_of(actor, deployment.school_id)
    return bool((is_head and not variation.head_confirmed_at)
                or (is_leader_of(actor, deployment) and not variation.leader_confirmed_at))


def can_withdraw(actor: Membership, variation: Variation) -> bool:
    return actor.can("deployments.manage") and variation.status in OPEN_VARIATION_STATUSES


# Telling people ---------------------------------------------------------------------------------------------

def _tell(variation: Variation, deployment: Deployment, event: str, what: str, recipients, subject: str,
          lines: list[str], note: str = "", note_label: str = "", action: str = "See the change") -> None:
    notify(partnership=deployment.partnership, event_type=event, recipients=recipients,
           occurrence=f"variation:{variation.pk}:{what}",
           context={"subject": subject, "lines": lines, "note": note, "note_label": note_label, "action": action},
           link=tenant_url(deployment.partnership, "deployment", pk=deployment.pk) + "#changes")


def _sides(deployment: Deployment) -> list:
    return [*heads_of(deployment.partnership, deployment.school), *leader_recipients(deployment.leader)]


def _brokers(variation: Variation, deployment: Deployment) -> list:
    people = {user.pk: user for user in brokers_for(deployment.request)}
    people.setdefault(variation.proposed_by_id, variation.proposed_by)
    return list(people.values())


def _summary(variation: Variation) -> list[str]:
    return [f"{what}: {before} → {after}" for what, before, after in variation.changes()]


# Transitions ------------------------------------------------------------------------------------------------

def propose(*, actor: Membership, deployment: Deployment, proposed: Proposed, reason: str, logged_days: Decimal,
            visit_dates: tuple[date, date] | None, calendar) -> Variation:
    """The broker proposes a change. The caller has locked the deployment and checked the leader's capacity.
    Approvers are asked to approve it, or (where the partnership needs no approval) both sides to confirm it."""
    if not actor.can("deployments.manage"):
        raise NotAllowed("Only brokers propose changes to a deployment.")
    if deployment.status not in VARIABLE:
        raise TransitionNotAllowed(f"This deployment is {deployment.get_status_display().lower()}, so its agreement "
                                   "cannot change.")
    if not reason.strip():
        raise DomainError("Say why the agreement changes: everyone involved will read it.", field="reason")
    check_values(deployment, proposed, logged_days=logged_days, visit_dates=visit_dates, calendar=calendar,
                 partnership=actor.partnership)
    needs_approval = actor.partnership.variation_approval
    old = current_values(deployment)
    try:
        with transaction.atomic():
            variation = Variation.objects.create(
                partnership=actor.partnership, deployment=deployment, reason=reason.strip(),
                status=VariationStatus.PROPOSED if needs_approval else VariationStatus.CONFIRMING,
                needs_approval=needs_approval, proposed_by=actor.user,
                old_days=old.days, old_start_date=old.start_date, old_end_date=old.end_date,
                old_rate_kind=old.rate_kind, old_day_rate=old.day_rate, old_objectives=old.objectives,
                new_days=proposed.days, new_start_date=proposed.start_date, new_end_date=proposed.end_date,
                new_rate_kind=proposed.rate_kind, new_day_rate=proposed.day_rate, new_objectives=proposed.objectives)
    except IntegrityError:  # the deployment is locked, so only a caller that skipped the lock gets here
        raise TransitionNotAllowed("A change to this deployment is already open. Reload the page to see it.") from None
    changes = variation.changes()
    record_event(partnership=actor.partnership, actor=actor.user, action="variation.proposed", obj=variation,
                 old={"changes": [[what, before] for what, before, _ in changes]},
                 new={"changes": [[what, after] for what, _, after in changes]}, note=reason.strip())
    _announce(actor, variation, deployment)
    return variation


def _announce(actor: Membership, variation: Variation, deployment: Deployment) -> None:
    if variation.needs_approval:
        exclude = actor.user_id if actor.partnership.four_eyes_approval else None
        _tell(variation, deployment, "variation.proposed", "proposed",
              members_with_role(actor.partnership, Role.APPROVER, exclude_user_id=exclude),
              f"Approve a change to deployment {deployment.reference} ({deployment.school.name})",
              [f"{actor.user.get_full_name()} proposes to change the agreement:", *_summary(variation)],
              note=variation.reason, note_label="Why", action="Approve or decline the change")
    else:
        _ask_sides(variation, deployment, "proposed")


def _ask_sides(variation: Variation, deployment: Deployment, what: str) -> None:
    _tell(variation, deployment, "variation.changed", what, _sides(deployment),
          f"Confirm a change to deployment {deployment.reference}",
          [f"The steering group proposes to change the agreement for {deployment.school.name}:", *_summary(variation),
           "The headteacher and the system leader each confirm it; then it takes effect."],
          note=variation.reason, note_label="Why", action="Confirm or decline the change")


@transaction.atomic
def decide(*, actor: Membership, variation: Variation, deployment: Deployment, approve: bool, note: str) -> Variation:
    """An approver approves (both sides are asked to confirm) or declines (the broker is told), with why."""
    if not actor.can("deployments.approve"):
        raise NotAllowed("Only approvers decide on changes to a deployment.")
    if four_eyes_blocks(actor, variation):
        raise NotAllowed("You proposed this change, so someone else must decide on it (four-eyes approval).")
    if not note.strip():
        raise DomainError("Give the rationale for your decision: it is kept with the change.", field="rationale")
    if variation.status != VariationStatus.PROPOSED:
        raise TransitionNotAllowed("This change has already been decided. Reload the page to see what happened.")
    now = timezone.now()
    # Only from "waiting for approval": a change being confirmed may also become declined (a side declines it), so
    # without `expected` an approver's late "no" would overturn another approver's "yes".
    if approve:
        move(variation, VariationStatus.CONFIRMING, allowed=ALLOWED, actor=actor, note=note, action="variation.approved",
             expected=VariationStatus.PROPOSED, decided_by=actor.user, decided_at=now, decision_note=note)
        _ask_sides(variation, deployment, "approved")
        return variation
    move(variation, VariationStatus.DECLINED, allowed=ALLOWED, actor=actor, note=note, action="variation.rejected",
         expected=VariationStatus.PROPOSED, decided_by=actor.user, decided_at=now, decision_note=note, closed_by=actor.user, closed_at=now, close_note=note)
    _tell(variation, deployment, "variation.changed", "rejected", _brokers(variation, deployment),
          f"The change to deployment {deployment.reference} was not approved",
          ["The steering group did not approve the change. The deployment stays as it was."],
          note=note, note_label="The approver's rationale")
    return variation


def record_confirmation(*, actor: Membership, variation: Variation, deployment: Deployment) -> Variation:
    """One side confirms the change. Returns the locked, updated row; it does not apply the change."""
    locked = Variation.objects.select_for_update().get(pk=variation.pk)
    if locked.status != VariationStatus.CONFIRMING:
        raise TransitionNotAllowed("This change is not waiting to be confirmed. Reload the page to see what happened.")
    now = timezone.now()
    if is_head_of(actor, deployment.school_id):
        if locked.head_confirmed_at:
            raise TransitionNotAllowed("The school has already confirmed this change.")
        locked.head_confirmed_by, locked.head_confirmed_at, side = actor.user, now, "headteacher"
    elif is_leader_of(actor, deployment):
        if locked.leader_confirmed_at:
            raise TransitionNotAllowed("You have already confirmed this change.")
        locked.leader_confirmed_at, side = now, "system_leader"
    else:
        raise NotAllowed("Only the supported school's headteacher and the system leader confirm a change.")
    locked.save(update_fields=["head_confirmed_by", "head_confirmed_at", "leader_confirmed_at", "updated_at"])
    record_event(partnership=actor.partnership, actor=actor.user, action=f"variation.confirmed_by_{side}", obj=locked)
    return locked


def mark_applied(*, actor: Membership, variation: Variation, deployment: Deployment) -> None:
    """Both sides confirmed: the change is in force. The caller changes the deployment, ledger and reviews."""
    move(variation, VariationStatus.APPLIED, allowed=ALLOWED, actor=actor, note="Both sides confirmed the change",
         action="variation.applied")
    people = {getattr(p, "pk", p): p for p in [*_sides(deployment), *_brokers(variation, deployment)]}
    _tell(variation, deployment, "variation.changed", "applied", list(people.values()),
          f"Deployment {deployment.reference} has changed",
          ["The headteacher and the system leader both confirmed the change, so the agreement now reads:",
           *_summary(variation)], action="See the deployment")


@transaction.atomic
def decline(*, actor: Membership, variation: Variation, deployment: Deployment, reason: str) -> Variation:
    """The headteacher or the system leader does not agree the change; the broker is told why."""
    if not (is_head_of(actor, deployment.school_id) or is_leader_of(actor, deployment)):
        raise NotAllowed("Only the supported school's headteacher and the system leader decline a change.")
    if variation.status == VariationStatus.CONFIRMING and not can_confirm(actor, variation, deployment):
        raise TransitionNotAllowed("You have already confirmed this change, so it is the other side's to decline.")
    if not reason.strip():
        raise DomainError("Say why you do not agree the change: the broker will read it.", field="note")
    now = timezone.now()
    move(variation, VariationStatus.DECLINED, allowed=ALLOWED, actor=actor, note=reason, action="variation.declined",
         closed_by=actor.user, closed_at=now, close_note=reason)
    _tell(variation, deployment, "variation.changed", "declined", [*_brokers(variation, deployment), *_sides(deployment)],
          f"The change to deployment {deployment.reference} was declined",
          [f"{actor.user.get_full_name()} did not agree the change. The deployment stays as it was."],
          note=reason, note_label="Their reason")
    return variation


@transaction.atomic
def withdraw(*, actor: Membership | None, variation: Variation, deployment: Deployment, reason: str,
             partnership=None) -> Variation:
    """The broker withdraws an open change (or closing the deployment does, with no actor)."""
    if actor is not None and not actor.can("deployments.manage"):
        raise NotAllowed("Only brokers withdraw a change to a deployment.")
    if not reason.strip():
        raise DomainError("Say why the change is withdrawn: everyone asked about it will read it.", field="note")
    asked = (members_with_role(deployment.partnership, Role.APPROVER) if variation.status == VariationStatus.PROPOSED
             else _sides(deployment))
    move(variation, VariationStatus.WITHDRAWN, allowed=ALLOWED, actor=actor, partnership=partnership,
         note=reason, action="variation.withdrawn", closed_by=getattr(actor, "user", None), closed_at=timezone.now(), close_note=reason)
    _tell(variation, deployment, "variation.changed", "withdrawn", asked,
          f"The change to deployment {deployment.reference} was withdrawn",
          ["The proposed change was withdrawn, so nothing is needed from you. The deployment stays as it was."],
          note=reason, note_label="Why")
    return variation
