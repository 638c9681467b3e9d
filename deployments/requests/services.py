"""Support requests: drafts a headteacher fills in, then guarded transitions (submit, triage).

Withdrawing a request reaches its offers and deployment too, so it lives in `deployments.processes`.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from alliances.models import School, Specialism
from deployments.models import RequestNeed, RequestStatus, SupportRequest
from deployments.workflow import (
    TransitionNotAllowed,
    copy_state,
    heads_of,
    is_head_of,
    members_with_role,
    move,
    tenant_url,
)
from portal.audit.services import record_event
from portal.days import days_text
from portal.errors import DomainError, NotAllowed
from portal.notifications.services import notify
from portal.tenancy.models import Membership
from portal.tenancy.roles import Role
from programmes.funding.selectors import entitlement_problem

ALLOWED = {
    RequestStatus.DRAFT: {RequestStatus.SUBMITTED, RequestStatus.WITHDRAWN},
    RequestStatus.SUBMITTED: {RequestStatus.TRIAGED, RequestStatus.DECLINED, RequestStatus.WITHDRAWN},
    RequestStatus.TRIAGED: {RequestStatus.MATCHED, RequestStatus.WITHDRAWN},
    RequestStatus.MATCHED: {RequestStatus.TRIAGED, RequestStatus.WITHDRAWN},
}
DRAFT_FIELDS = {"context", "success", "urgency", "days_wanted", "preferred_start", "preferred_end", "funding_route", "entitlement",
                "payg_beyond_balance", "consent_to_share"}


WITHDRAWABLE = frozenset(status for status, targets in ALLOWED.items() if RequestStatus.WITHDRAWN in targets)


def is_draft(request: SupportRequest) -> bool:
    """Its answers can still change; once sent, it is the steering group's record."""
    return request.status == RequestStatus.DRAFT


def can_triage(actor: Membership, request: SupportRequest) -> bool:
    return actor.can("requests.triage") and request.status == RequestStatus.SUBMITTED


def _require_head_of(actor: Membership, request: SupportRequest) -> None:
    if not is_head_of(actor, request.school_id):
        raise NotAllowed("Only a headteacher of this school can change its request.")


def move_request(request: SupportRequest, to: str, *, actor, note: str = "", expected: str | None = None, **changes):
    """The one place a request's status changes: compare-and-set and audit event, in the caller's transaction."""
    return move(request, to, allowed=ALLOWED, actor=actor, partnership=getattr(actor, "partnership", None),
                note=note, expected=expected, **changes)


@transaction.atomic
def start_request(*, actor: Membership, school: School) -> SupportRequest:
    """A headteacher starts a draft request for one of their schools, or carries on their own empty one for it
    (so pressing 'Start' twice leaves one draft, not two). Audited when a draft is created."""
    if not is_head_of(actor, school.pk):
        raise NotAllowed("You can ask for support only for a school you lead. Ask your partnership admin to link you to it.")
    empty = empty_drafts(actor=actor, school=school).first()
    if empty is not None:
        return empty  # starting again reuses the draft nobody has answered yet
    request = SupportRequest.objects.create(partnership=actor.partnership, school=school, created_by=actor.user)
    record_event(partnership=actor.partnership, actor=actor.user, action="request.started", obj=request,
                 new={"school": school.urn})
    return request


def empty_drafts(*, actor: Membership, school: School):
    """The actor's drafts for `school` with no answer yet, oldest first."""
    return SupportRequest.objects.filter(
        partnership=actor.partnership, school=school, created_by=actor.user, status=RequestStatus.DRAFT,
        context="", success="", urgency="", days_wanted__isnull=True, preferred_start__isnull=True,
        funding_route="", consent_to_share=False,
    ).exclude(Exists(RequestNeed.objects.filter(request=OuterRef("pk")))).order_by("created_at", "pk")


def can_delete_draft(actor: Membership, request: SupportRequest) -> bool:
    """Its author, while it is still a draft (once sent it is the steering group's record)."""
    return actor.can("requests.create") and is_draft(request) and request.created_by_id == actor.user_id


@transaction.atomic
def delete_draft(*, actor: Membership, request: SupportRequest) -> None:
    """The author deletes a draft nobody else has seen. Compare-and-delete: a draft sent meanwhile stays. Audited."""
    if not can_delete_draft(actor, request):
        raise NotAllowed("Only the headteacher who started a draft can delete it, and only while it is a draft.")
    reference = request.reference
    deleted, _ = SupportRequest.objects.filter(pk=request.pk, status=RequestStatus.DRAFT,
                                               created_by=actor.user).delete()
    if not deleted:
        raise TransitionNotAllowed("This request has been sent, so it can no longer be deleted. Withdraw it instead.")
    record_event(partnership=actor.partnership, actor=actor.user, action="request.deleted", obj=request,
                 old={"status": RequestStatus.DRAFT, "school": request.school_id}, note=f"Draft {reference} deleted")


@transaction.atomic
def update_draft(*, actor: Membership, request: SupportRequest, needs: list[Specialism] | None = None, **fields) -> SupportRequest:
    """Save answers to a draft. Only drafts change here: a submitted request is the steering group's record."""
    _require_head_of(actor, request)
    unknown = set(fields) - DRAFT_FIELDS
    if unknown:
        raise ValueError(f"Not request fields: {sorted(unknown)}")
    current = SupportRequest.objects.select_for_update().get(pk=request.pk)
    if not is_draft(current):
        raise TransitionNotAllowed("This request has been sent, so it can no longer be changed. Withdraw it to start again.")
    if "funding_route" in fields:
        _check_funding(current, fields)
    for key, value in fields.items():
        setattr(current, key, value)
    if fields:
        current.save(update_fields=[*fields, "updated_at"])
    if needs is not None:
        current.needs.set(needs, through_defaults={"partnership": actor.partnership})
    return current


def _check_funding(request: SupportRequest, fields: dict) -> None:
    """Core or package funding names one of this school's active entitlements with days left; other funding none."""
    fields.setdefault("entitlement", None)
    problem = entitlement_problem(fields["entitlement"], partnership_id=request.partnership_id,
                                  school_id=request.school_id, route=fields["funding_route"],
                                  on=request.preferred_start)
    if problem:
        raise DomainError(problem + ".", field="entitlement")


def missing_answers(request: SupportRequest) -> list[str]:
    """What must be answered before a request can be sent, in the order the questions are asked."""
    missing = []
    if not RequestNeed.objects.filter(request=request).exists():
        missing.append("needs")
    if not request.context.strip() or not request.success.strip():
        missing.append("context")
    if not request.urgency or request.days_wanted is None:
        missing.append("timing")
    if not request.funding_route or not request.consent_to_share:
        missing.append("funding")
    return missing


@transaction.atomic
def submit_request(*, actor: Membership, request: SupportRequest) -> SupportRequest:
    """Send a complete draft to the steering group; tells every active broker (in the app and by email)."""
    _require_head_of(actor, request)
    # Check the answers as saved, not as the caller's copy remembers them.
    saved = SupportRequest.objects.select_related("school").get(pk=request.pk)
    if missing_answers(saved):
        raise DomainError("Answer every question before sending the request.")
    # The compare-and-set expects the status the caller saw, so a stale caller still loses.
    move_request(saved, RequestStatus.SUBMITTED, actor=actor, expected=request.status, submitted_at=timezone.now())
    copy_state(request, saved, "submitted_at")
    notify(
        partnership=actor.partnership, event_type="request.submitted", recipients=brokers(actor.partnership),
        occurrence=f"request:{request.pk}:submitted",
        context={"school_name": request.school.name, "reference": request.reference,
                 "head_name": actor.user.get_full_name(), "days": days_text(request.days_wanted),
                 "urgency": request.get_urgency_display()},
        link=tenant_url(actor.partnership, "request", pk=request.pk),
    )
    return request


def brokers(partnership) -> list:
    return members_with_role(partnership, Role.BROKER)


def _heads_of(request: SupportRequest) -> list:
    """Everyone who leads the request's school in this partnership, and whoever wrote it."""
    return heads_of(request.partnership, request.school, request.created_by)


@transaction.atomic
def triage_request(
    *, actor: Membership, request: SupportRequest, eligible: bool, note: str = "", support_level: str = "",
    assigned_broker=None,
) -> SupportRequest:
    """A broker takes a sent request on (with a support level and a broker to own it) or declines it with a
    reason. The headteacher is told either way, with the reason."""
    if not actor.can("requests.triage"):
        raise NotAllowed("Only brokers triage requests.")
    if eligible:
        if not support_level:
            raise DomainError("Choose a support level.")
        broker = assigned_broker or actor.user
        if not Membership.objects.filter(partnership=actor.partnership, user=broker, role=Role.BROKER, is_active=True).exists():
            raise DomainError("The assigned broker must be an active broker in this partnership.")
        move_request(request, RequestStatus.TRIAGED, actor=actor, note=note, support_level=support_level,
              assigned_broker=broker, triage_note=note, triaged_at=timezone.now())
    else:
        if not note.strip():
            raise DomainError("Say why the request is not being taken on: the headteacher will read it.")
        move_request(request, RequestStatus.DECLINED, actor=actor, note=note, triage_note=note, triaged_at=timezone.now())
    notify(
        partnership=actor.partnership, event_type="request.triaged", recipients=_heads_of(request),
        occurrence=f"request:{request.pk}:triaged",
        context={"school_name": request.school.name, "reference": request.reference, "eligible": eligible,
                 "note": note, "support_level": request.get_support_level_display() if eligible else ""},
        link=tenant_url(actor.partnership, "request", pk=request.pk),
    )
    return request


def start_date_value(value: date | None) -> date | None:
    if value is not None and value < timezone.localdate():
        raise DomainError("The preferred start cannot be in the past.")
    return value
