"""Visits: the system leader logs a day or half day, the school confirms or disputes it, the broker settles.

logged -> confirmed | disputed; disputed -> confirmed | removed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

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
from portal.days import days_phrase, days_text
from portal.errors import DomainError, NotAllowed
from portal.formats import date_text
from portal.notifications.services import notify
from portal.tenancy.models import Membership

ALLOWED = {
    VisitStatus.LOGGED: {VisitStatus.CONFIRMED, VisitStatus.DISPUTED},
    VisitStatus.DISPUTED: {VisitStatus.CONFIRMED, VisitStatus.REMOVED},
}


def can_log(actor: Membership, deployment: Deployment) -> bool:
    """The deployment's own system leader, while it is under way."""
    return is_leader_of(actor, deployment) and deployment.status == DeploymentStatus.ACTIVE


def awaits_answer(visit: Visit) -> bool:
    return visit.status == VisitStatus.LOGGED


def awaits_settlement(visit: Visit) -> bool:
    return visit.status == VisitStatus.DISPUTED


def can_answer(actor: Membership, visit: Visit, *, deployment: Deployment, is_head: bool | None = None) -> bool:
    """A headteacher of the supported school, while the visit waits and the deployment is not paused.
    `is_head` is the answer to "head of this school?" when the page knows it already."""
    if not awaits_answer(visit) or deployment.status == DeploymentStatus.PAUSED:
        return False
    return is_head if is_head is not None else is_head_of(actor, deployment.school_id)


def can_resolve(actor: Membership, visit: Visit) -> bool:
    return actor.can("deployments.manage") and awaits_settlement(visit)


@transaction.atomic
def log_visit(*, actor: Membership, deployment: Deployment, visit_date: date, days: Decimal, focus: str,
              notes: str = "") -> Visit:
    """The system leader logs a day or half day; the school is asked to confirm it."""
    locked = Deployment.objects.select_for_update().select_related("leader", "school").get(pk=deployment.pk)
    if not is_leader_of(actor, locked):
        raise NotAllowed("Only the deployment's system leader logs its visits.")
    if not can_log(actor, locked):
        raise TransitionNotAllowed(f"This deployment is {locked.get_status_display().lower()}, so visits cannot be "
                                   "logged.")
    if days not in (Decimal("1.0"), Decimal("0.5")):
        raise DomainError("Choose a whole day or a half day.")
    if visit_date > timezone.localdate():
        raise DomainError("Log a visit on or after the day it happened.")
    if visit_date < locked.start_date:
        raise DomainError(f"The deployment starts on {date_text(locked.start_date)}; log visits from then.")
    if not focus.strip():
        raise DomainError("Say what the visit focused on.")
    counted = Visit.objects.filter(deployment=locked).exclude(status=VisitStatus.REMOVED)
    if counted.filter(visit_date=visit_date).exists():
        raise DomainError(f"A visit on {date_text(visit_date)} is already logged.")
    used = sum(counted.values_list("days", flat=True), Decimal(0))
    if used + days > locked.days:
        raise DomainError(f"{days_text(used)} of the {days_phrase(locked.days)} agreed are logged, so this visit would go past "
                          "the agreement. Ask the broker to change it.")
    visit = Visit.objects.create(partnership=actor.partnership, deployment=locked, visit_date=visit_date, days=days,
                                 focus=focus.strip(), notes=notes.strip(), logged_by=actor.user)
    record_event(partnership=actor.partnership, actor=actor.user, action="visit.logged", obj=visit,
                 new={"deployment": locked.reference, "date": visit_date.isoformat(), "days": str(days)})
    notify(partnership=actor.partnership, event_type="visit.logged", recipients=heads_of(actor.partnership, locked.school),
           occurrence=f"visit:{visit.pk}:logged",
           context={"subject": f"Confirm a visit by {locked.leader.name} on {date_text(visit_date)}",
                    "lines": [f"{locked.leader.name} logged a {'whole' if days == 1 else 'half'} day at "
                              f"{locked.school.name} on {date_text(visit_date)}, focused on: {visit.focus}.",
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
    if not awaits_answer(visit):
        raise TransitionNotAllowed("This visit has already been answered.")
    move(visit, to, allowed=ALLOWED, actor=actor, partnership=actor.partnership, note=reason,
         responded_by=actor.user, responded_at=timezone.now(), dispute_reason="" if confirm else reason)
    when = f"{date_text(visit.visit_date)}"
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
    move(visit, to, allowed=ALLOWED, actor=actor, partnership=actor.partnership, note=note,
         action=f"visit.dispute_{'upheld' if uphold else 'removed'}", resolved_by=actor.user,
         resolved_at=timezone.now(), resolution_note=note)
    deployment = visit.deployment
    when = f"{date_text(visit.visit_date)}"
    notify(partnership=actor.partnership, event_type="visit.resolved",
           recipients=[*leader_recipients(deployment.leader), *heads_of(actor.partnership, deployment.school)],
           occurrence=f"visit:{visit.pk}:resolved",
           context={"subject": f"The disputed visit on {when} was settled ({deployment.reference})",
                    "lines": [f"The broker decided the visit on {when} "
                              + ("stands and counts as delivered." if uphold else "is removed and does not count.")],
                    "note": note, "note_label": "The broker's note", "action": "See the deployment"},
           link=tenant_url(actor.partnership, "deployment", pk=deployment.pk) + "#visits")
    return visit
