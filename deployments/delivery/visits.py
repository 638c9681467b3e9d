"""Visits: the system leader logs a day or half day, the school confirms or disputes it, the broker settles.

logged -> confirmed | disputed | deleted (by its leader, before the school answers) | voided (the deployment
closed before the school answered); disputed -> confirmed | removed. The leader may correct a logged visit
until the school answers it. Which days a visit may fall on: `visit_rules`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from deployments.delivery.visit_rules import date_problem, log_block
from deployments.models import NOT_COUNTED, Deployment, DeploymentStatus, Visit, VisitStatus
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
from portal.accounts.models import User
from portal.audit.services import record_event
from portal.calendar.services import school_calendar
from portal.days import days_text
from portal.errors import DomainError, NotAllowed
from portal.formats import date_text
from portal.notifications.models import Notification
from portal.notifications.services import notify
from portal.tenancy.models import Membership
from programmes.funding.selectors import entitlement_is_for
from programmes.models import Service

ALLOWED = {
    VisitStatus.LOGGED: {VisitStatus.CONFIRMED, VisitStatus.DISPUTED, VisitStatus.DELETED, VisitStatus.VOIDED},
    VisitStatus.DISPUTED: {VisitStatus.CONFIRMED, VisitStatus.REMOVED},
}
CLOSED = (DeploymentStatus.COMPLETED, DeploymentStatus.STOPPED, DeploymentStatus.CANCELLED)


def can_log(actor: Membership, deployment: Deployment) -> bool:
    """The deployment's own system leader, while it is under way and has started."""
    return is_leader_of(actor, deployment) and not log_block(deployment=deployment, today=timezone.localdate())


def awaits_answer(visit: Visit) -> bool:
    return visit.status == VisitStatus.LOGGED


def awaits_settlement(visit: Visit) -> bool:
    return visit.status == VisitStatus.DISPUTED


def can_answer(actor: Membership, visit: Visit, *, deployment: Deployment, is_head: bool | None = None) -> bool:
    """A headteacher of the supported school, while the visit waits and the deployment is under way.
    `is_head` is the answer to "head of this school?" when the page knows it already."""
    if not awaits_answer(visit) or deployment.status != DeploymentStatus.ACTIVE:
        return False
    return is_head if is_head is not None else is_head_of(actor, deployment.school_id)


def can_resolve(actor: Membership, visit: Visit, *, deployment: Deployment | None = None) -> bool:
    closed = (deployment or visit.deployment).status in CLOSED
    return actor.can("deployments.manage") and awaits_settlement(visit) and not closed


def can_change(actor: Membership, visit: Visit, *, deployment: Deployment, is_leader: bool | None = None) -> bool:
    """The visit's system leader may correct or delete it until the school answers, while the work is under way."""
    if not awaits_answer(visit) or deployment.status != DeploymentStatus.ACTIVE:
        return False
    return is_leader if is_leader is not None else is_leader_of(actor, deployment)


def _check(locked: Deployment, *, visit_date: date, days: Decimal, focus: str, override_reason: str,
           editing: Visit | None = None) -> None:
    """The rules a logged or corrected visit keeps: length, date, focus, one a day, within the agreed days."""
    if days not in (Decimal("1.0"), Decimal("0.5")):
        raise DomainError("Choose a whole day or a half day.")
    if days == Decimal("0.5") and locked.entitlement_id and not Service.objects.filter(
            entitlement_is_for(locked.entitlement_id), half_days_allowed=True).exists():
        raise DomainError("The service that pays for this support is taken in whole days, so log a whole day.",
                          field="days")
    change = tenant_url(locked.partnership, "deployment", pk=locked.pk) + "#changes"
    problem = date_problem(visit_date, deployment=locked, calendar=school_calendar(partnership=locked.partnership_id),
                           today=timezone.localdate(), override_reason=override_reason)
    if problem:
        raise DomainError(problem, field="visit_date", href=change if visit_date > locked.end_date else "")
    if not focus.strip():
        raise DomainError("Say what the visit focused on.", field="focus")
    counted = Visit.objects.filter(deployment=locked).exclude(status__in=NOT_COUNTED)
    if editing is not None:
        counted = counted.exclude(pk=editing.pk)
    if counted.filter(visit_date=visit_date).exists():
        raise DomainError(f"A visit on {date_text(visit_date)} is already logged.", field="visit_date")
    used = sum(counted.values_list("days", flat=True), Decimal(0))
    if used + days > locked.days:
        raise DomainError(f"{days_text(used)} of the {days_text(locked.days)} agreed days are logged, so this visit would go "
                          "past the agreement. Ask the broker to propose a change to the agreement: it takes effect "
                          "once the school and you confirm it.",
                          href=change)


def _locked_for_leader(actor: Membership, deployment: Deployment) -> Deployment:
    locked = Deployment.objects.select_for_update().select_related("leader", "school").get(pk=deployment.pk)
    if not is_leader_of(actor, locked):
        raise NotAllowed("Only the deployment's system leader logs and changes its visits.")
    return locked


@transaction.atomic
def log_visit(*, actor: Membership, deployment: Deployment, visit_date: date, days: Decimal, focus: str,
              notes: str = "", override_reason: str = "") -> Visit:
    """The system leader logs a day or half day on a school day of the deployment (or another day, with an
    override reason); the school is asked to confirm it."""
    locked = _locked_for_leader(actor, deployment)
    blocked = log_block(deployment=locked, today=timezone.localdate())
    if blocked:
        raise TransitionNotAllowed(blocked)
    _check(locked, visit_date=visit_date, days=days, focus=focus, override_reason=override_reason)
    visit = Visit.objects.create(partnership=actor.partnership, deployment=locked, visit_date=visit_date, days=days,
                                 focus=focus.strip(), notes=notes.strip(), override_reason=override_reason.strip(),
                                 logged_by=actor.user)
    record_event(partnership=actor.partnership, actor=actor.user, action="visit.logged", obj=visit,
                 new={"deployment": locked.reference, "date": visit_date.isoformat(), "days": str(days)},
                 note=visit.override_reason)
    notify(partnership=actor.partnership, event_type="visit.logged", recipients=heads_of(actor.partnership, locked.school),
           occurrence=f"visit:{visit.pk}:logged",
           context={"subject": f"Confirm a visit by {locked.leader.name} on {date_text(visit_date)}",
                    "lines": [f"{locked.leader.name} logged a {'whole' if days == 1 else 'half'} day at "
                              f"{locked.school.name} on {date_text(visit_date)}, focused on: {visit.focus}.",
                              "Confirm it, or dispute it if it does not match what happened."],
                    "note": visit.override_reason, "note_label": "Why it counts on a day that is not a school day",
                    "action": "Confirm or dispute the visit"},
           link=tenant_url(actor.partnership, "deployment", pk=locked.pk) + "#visits")
    return visit


def _locked_visit(actor: Membership, visit: Visit) -> tuple[Deployment, Visit]:
    """The deployment and the visit, locked in that order, once the leader may still change the visit."""
    locked = _locked_for_leader(actor, visit.deployment)
    row = Visit.objects.select_for_update().get(pk=visit.pk, deployment=locked)
    if locked.status != DeploymentStatus.ACTIVE:
        raise TransitionNotAllowed(f"This deployment is {locked.get_status_display().lower()}, so its visits cannot "
                                   "change.")
    if row.status in NOT_COUNTED:
        raise TransitionNotAllowed(f"This visit was {row.get_status_display().lower()}, so there is nothing to change.")
    if not awaits_answer(row):
        raise TransitionNotAllowed("The school has already answered this visit, so it cannot be changed. Ask the "
                                   "broker if it is wrong.")
    return locked, row


def _notified_heads(visit: Visit) -> list[User]:
    """The school's people who were told about the visit: they hear when it changes."""
    ids = Notification.objects.filter(partnership_id=visit.partnership_id, event_type="visit.logged",
                                      dedupe_key__contains=f":visit.logged:visit:{visit.pk}:logged:",
                                      recipient__isnull=False).values("recipient_id")
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


def _tell_school(actor: Membership, locked: Deployment, visit: Visit, *, what: str, lines: list[str], note: str = "",
                 key: str) -> None:
    notify(partnership=actor.partnership, event_type="visit.changed", recipients=_notified_heads(visit),
           occurrence=f"visit:{visit.pk}:{key}",
           context={"subject": f"{locked.leader.name} {what} the visit on {date_text(visit.visit_date)} "
                               f"({locked.reference})", "lines": lines, "note": note,
                    "note_label": "The system leader's reason", "action": "See the deployment"},
           link=tenant_url(actor.partnership, "deployment", pk=locked.pk) + "#visits")


@transaction.atomic
def correct_visit(*, actor: Membership, visit: Visit, visit_date: date, days: Decimal, focus: str, notes: str = "",
                  override_reason: str = "") -> Visit:
    """The leader corrects a visit the school has not answered yet (same rules as logging it); the school's
    people who were asked to confirm it are told what changed."""
    locked, row = _locked_visit(actor, visit)
    _check(locked, visit_date=visit_date, days=days, focus=focus, override_reason=override_reason, editing=row)
    fields = {"visit_date": visit_date, "days": days, "focus": focus.strip(), "notes": notes.strip(),
              "override_reason": override_reason.strip()}
    old = {name: str(getattr(row, name)) for name in fields if getattr(row, name) != fields[name]}
    if not old:
        return row
    previous = row.visit_date
    Visit.objects.filter(pk=row.pk, status=VisitStatus.LOGGED).update(**fields)
    for name, value in fields.items():
        setattr(row, name, value)
        setattr(visit, name, value)
    event = record_event(partnership=actor.partnership, actor=actor.user, action="visit.corrected", obj=row, old=old,
                         new={name: str(fields[name]) for name in old})
    _tell_school(actor, locked, row, what="corrected", key=f"corrected:{event.pk}", lines=[
        f"{locked.leader.name} corrected the visit first logged for {date_text(previous)}. It is now a "
        f"{'whole' if days == 1 else 'half'} day on {date_text(visit_date)}, focused on: {row.focus}.",
        "Confirm it, or dispute it if it does not match what happened."])
    return row


@transaction.atomic
def delete_visit(*, actor: Membership, visit: Visit, reason: str = "") -> Visit:
    """The leader deletes a visit the school has not answered yet (logged by mistake, or twice). It stops
    counting; the school's people who were asked to confirm it are told."""
    locked, row = _locked_visit(actor, visit)
    move(row, VisitStatus.DELETED, allowed=ALLOWED, actor=actor, partnership=actor.partnership, note=reason.strip(),
         action="visit.deleted")
    copy_state(visit, row)
    _tell_school(actor, locked, row, what="deleted", key="deleted", note=reason.strip(), lines=[
        f"{locked.leader.name} deleted the visit logged for {date_text(row.visit_date)}. There is nothing to confirm."])
    return row


def void_open_visits(*, actor: Membership, deployment: Deployment) -> list[Visit]:
    """Closing a deployment: visits the school never answered are void (they do not count as delivered).
    Refused while a disputed visit waits for the broker. For `processes`, inside its transaction."""
    disputed = Visit.objects.filter(deployment=deployment, status=VisitStatus.DISPUTED).count()
    if disputed:
        raise TransitionNotAllowed(f"{disputed} disputed visit{'s wait' if disputed != 1 else ' waits'} for the broker. "
                                   "Settle the disputes first, so the days delivered are known.")
    voided = list(Visit.objects.select_for_update().filter(deployment=deployment, status=VisitStatus.LOGGED))
    for visit in voided:
        move(visit, VisitStatus.VOIDED, allowed=ALLOWED, actor=actor, partnership=actor.partnership,
             note="The deployment closed before the school answered", action="visit.voided")
    return voided


@transaction.atomic
def answer_visit(*, actor: Membership, visit: Visit, confirm: bool, reason: str = "") -> Visit:
    """The supported school confirms a visit, or disputes it with a reason (which goes to the broker)."""
    deployment = visit.deployment
    if not is_head_of(actor, deployment.school_id):
        raise NotAllowed("Only a headteacher of the supported school confirms its visits.")
    # Locked, so a broker stopping the deployment at the same moment goes first or waits for this answer.
    current = Deployment.objects.select_for_update().get(pk=deployment.pk)
    if current.status == DeploymentStatus.PAUSED:
        raise TransitionNotAllowed("This deployment is paused, so its visits cannot change until it resumes.")
    if current.status != DeploymentStatus.ACTIVE:
        raise TransitionNotAllowed(f"This deployment is {current.get_status_display().lower()}, so its visits can no "
                                   "longer be confirmed or disputed. Ask the broker if something is wrong.")
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
    current = Deployment.objects.select_for_update().get(pk=visit.deployment_id)
    if current.status in CLOSED:
        raise TransitionNotAllowed(f"This deployment is {current.get_status_display().lower()} and its delivered days "
                                   "are counted, so its visits can no longer change.")
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
