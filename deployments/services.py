"""Support requests: drafts a headteacher fills in, then guarded transitions (submit, withdraw)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from alliances.models import School, Specialism
from deployments.models import RequestNeed, RequestStatus, SupportRequest
from portal.audit.services import record_event
from portal.errors import Conflict, DomainError, NotAllowed
from portal.notifications.services import notify
from portal.tenancy.models import Membership
from portal.tenancy.roles import Role

ALLOWED = {
    RequestStatus.DRAFT: {RequestStatus.SUBMITTED, RequestStatus.WITHDRAWN},
    RequestStatus.SUBMITTED: {RequestStatus.TRIAGED, RequestStatus.DECLINED, RequestStatus.WITHDRAWN},
    RequestStatus.TRIAGED: {RequestStatus.WITHDRAWN},
}
DRAFT_FIELDS = {"context", "success", "urgency", "days_wanted", "preferred_start", "funding_route", "consent_to_share"}


class TransitionNotAllowed(Conflict):
    pass


def _heads_school(actor: Membership, school: School) -> bool:
    return actor.can("requests.create") and actor.schools.filter(pk=school.pk).exists()


def _require_head_of(actor: Membership, request: SupportRequest) -> None:
    if not _heads_school(actor, request.school):
        raise NotAllowed("Only a headteacher of this school can change its request.")


def _move(request: SupportRequest, to: str, *, actor: Membership, note: str = "", **changes):
    """The one place a request's status changes: compare-and-set, audit event, in one transaction."""
    source = request.status
    if to not in ALLOWED.get(source, ()):
        raise TransitionNotAllowed(
            f"A {RequestStatus(source).label.lower()} request cannot become {RequestStatus(to).label.lower()}.")
    if not SupportRequest.objects.filter(pk=request.pk, status=source).update(status=to, **changes):
        raise TransitionNotAllowed("Someone else changed this request first. Reload the page to see it.")
    request.status = to
    for key, value in changes.items():
        setattr(request, key, value)
    return record_event(partnership=request.partnership, actor=actor.user, action=f"request.{to}", obj=request,
                        old={"status": source}, new={"status": to}, note=note)


@transaction.atomic
def start_request(*, actor: Membership, school: School) -> SupportRequest:
    """A headteacher starts a draft request for one of their schools."""
    if not _heads_school(actor, school):
        raise NotAllowed("You can ask for support only for a school you lead. Ask your partnership admin to link you to it.")
    request = SupportRequest.objects.create(partnership=actor.partnership, school=school, created_by=actor.user)
    record_event(partnership=actor.partnership, actor=actor.user, action="request.started", obj=request,
                 new={"school": school.urn})
    return request


@transaction.atomic
def update_draft(*, actor: Membership, request: SupportRequest, needs: list[Specialism] | None = None, **fields) -> SupportRequest:
    """Save answers to a draft. Only drafts change here: a submitted request is the steering group's record."""
    _require_head_of(actor, request)
    unknown = set(fields) - DRAFT_FIELDS
    if unknown:
        raise ValueError(f"Not request fields: {sorted(unknown)}")
    current = SupportRequest.objects.select_for_update().get(pk=request.pk)
    if current.status != RequestStatus.DRAFT:
        raise TransitionNotAllowed("This request has been sent, so it can no longer be changed. Withdraw it to start again.")
    for key, value in fields.items():
        setattr(current, key, value)
    if fields:
        current.save(update_fields=[*fields, "updated_at"])
    if needs is not None:
        current.needs.set(needs, through_defaults={"partnership": actor.partnership})
    return current


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
    saved.status = request.status  # the compare-and-set below still guards against a stale caller
    _move(saved, RequestStatus.SUBMITTED, actor=actor, submitted_at=timezone.now())
    request.status, request.submitted_at = saved.status, saved.submitted_at
    notify(
        partnership=actor.partnership, event_type="request.submitted", recipients=_brokers(actor.partnership),
        occurrence=f"request:{request.pk}:submitted",
        context={"school_name": request.school.name, "reference": request.reference,
                 "head_name": actor.user.get_full_name(), "days": str(request.days_wanted),
                 "urgency": request.get_urgency_display()},
        link=reverse("tenant:request", kwargs={"partnership_slug": actor.partnership.slug, "pk": request.pk}),
    )
    return request


@transaction.atomic
def withdraw_request(*, actor: Membership, request: SupportRequest, reason: str = "") -> SupportRequest:
    """The headteacher withdraws a draft or sent request; brokers are told if it had been sent."""
    _require_head_of(actor, request)
    was_sent = request.status != RequestStatus.DRAFT
    _move(request, RequestStatus.WITHDRAWN, actor=actor, note=reason, withdrawn_at=timezone.now(),
          withdraw_reason=reason)
    if was_sent:
        notify(
            partnership=actor.partnership, event_type="request.withdrawn", recipients=_brokers(actor.partnership),
            occurrence=f"request:{request.pk}:withdrawn",
            context={"school_name": request.school.name, "reference": request.reference, "reason": reason},
            link=reverse("tenant:request", kwargs={"partnership_slug": actor.partnership.slug, "pk": request.pk}),
        )
    return request


def _brokers(partnership) -> list:
    return [m.user for m in Membership.objects.filter(partnership=partnership, role=Role.BROKER, is_active=True)
            .select_related("user")]


def _heads_of(request: SupportRequest) -> list:
    """Everyone who leads the request's school in this partnership, and whoever wrote it."""
    heads = {m.user for m in Membership.objects.filter(partnership=request.partnership, role=Role.HEADTEACHER,
                                                          is_active=True, schools=request.school).select_related("user")}
    heads.add(request.created_by)
    return sorted(heads, key=lambda user: user.pk)


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
        _move(request, RequestStatus.TRIAGED, actor=actor, note=note, support_level=support_level,
              assigned_broker=broker, triage_note=note, triaged_at=timezone.now())
    else:
        if not note.strip():
            raise DomainError("Say why the request is not being taken on: the headteacher will read it.")
        _move(request, RequestStatus.DECLINED, actor=actor, note=note, triage_note=note, triaged_at=timezone.now())
    notify(
        partnership=actor.partnership, event_type="request.triaged", recipients=_heads_of(request),
        occurrence=f"request:{request.pk}:triaged",
        context={"school_name": request.school.name, "reference": request.reference, "eligible": eligible,
                 "note": note, "support_level": request.get_support_level_display() if eligible else ""},
        link=reverse("tenant:request", kwargs={"partnership_slug": actor.partnership.slug, "pk": request.pk}),
    )
    return request


def days_value(value: Decimal | None) -> Decimal | None:
    """Whole or half days only."""
    if value is None:
        return None
    if value <= 0 or (value * 2) % 1 != 0:
        raise DomainError("Ask for whole or half days, like 3 or 2.5.")
    return value


def start_date_value(value: date | None) -> date | None:
    if value is not None and value < timezone.localdate():
        raise DomainError("The preferred start cannot be in the past.")
    return value
