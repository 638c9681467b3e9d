"""Support requests: drafts a headteacher fills in, then guarded transitions (submit, withdraw)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from alliances.models import School, Specialism
from deployments.models import RequestNeed, RequestStatus, SupportRequest
from deployments.workflow import TransitionNotAllowed, heads_of, is_head_of, members_with_role, move
from portal.audit.services import record_event
from portal.errors import DomainError, NotAllowed
from portal.notifications.services import notify
from portal.tenancy.models import Membership
from portal.tenancy.roles import Role

ALLOWED = {
    RequestStatus.DRAFT: {RequestStatus.SUBMITTED, RequestStatus.WITHDRAWN},
    RequestStatus.SUBMITTED: {RequestStatus.TRIAGED, RequestStatus.DECLINED, RequestStatus.WITHDRAWN},
    RequestStatus.TRIAGED: {RequestStatus.MATCHED, RequestStatus.WITHDRAWN},
    RequestStatus.MATCHED: {RequestStatus.TRIAGED, RequestStatus.WITHDRAWN},
}
DRAFT_FIELDS = {"context", "success", "urgency", "days_wanted", "preferred_start", "funding_route", "consent_to_share"}


def _require_head_of(actor: Membership, request: SupportRequest) -> None:
    if not is_head_of(actor, request.school_id):
        raise NotAllowed("Only a headteacher of this school can change its request.")


def move_request(request: SupportRequest, to: str, *, actor, note: str = "", **changes):
    """The one place a request's status changes: compare-and-set and audit event, in the caller's transaction."""
    return move(request, to, allowed=ALLOWED, actor=actor, partnership=getattr(actor, "partnership", None),
                note=note, **changes)


@transaction.atomic
def start_request(*, actor: Membership, school: School) -> SupportRequest:
    """A headteacher starts a draft request for one of their schools."""
    if not is_head_of(actor, school.pk):
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
    move_request(saved, RequestStatus.SUBMITTED, actor=actor, submitted_at=timezone.now())
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
    """The headteacher withdraws a request before support starts. Open offers are withdrawn, a deployment not
    yet under way is cancelled, held days are released, and everyone involved is told."""
    from deployments import delivery, offers

    _require_head_of(actor, request)
    locked = SupportRequest.objects.select_for_update().select_related("school").get(pk=request.pk)
    locked.status = request.status
    was_sent = request.status != RequestStatus.DRAFT
    delivery.cancel_for_withdrawn_request(actor=actor, request=locked, reason=reason)
    move_request(locked, RequestStatus.WITHDRAWN, actor=actor, note=reason, withdrawn_at=timezone.now(),
                 withdraw_reason=reason)
    offers.close_for_withdrawn_request(actor=actor, request=locked, reason=reason)
    request.status, request.withdrawn_at, request.withdraw_reason = locked.status, locked.withdrawn_at, reason
    if was_sent:
        notify(
            partnership=actor.partnership, event_type="request.withdrawn", recipients=_brokers(actor.partnership),
            occurrence=f"request:{request.pk}:withdrawn",
            context={"school_name": request.school.name, "reference": request.reference, "reason": reason},
            link=reverse("tenant:request", kwargs={"partnership_slug": actor.partnership.slug, "pk": request.pk}),
        )
    return request


def _brokers(partnership) -> list:
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


@transaction.atomic
def set_watch(*, actor: Membership, deployment, watch: bool) -> bool:
    """Add the deployment to the actor's watchlist or take it off. Steering group only; idempotent (watching
    twice keeps one row). Records an audit event when something changed. Returns whether it is now watched."""
    from deployments.models import Watch

    if not actor.can("brokerage.view"):
        raise NotAllowed("Only the steering group keeps a watchlist.")
    if deployment.partnership_id != actor.partnership_id:
        raise NotAllowed("This deployment belongs to another partnership.")
    if watch:
        _, changed = Watch.objects.get_or_create(partnership=actor.partnership, user=actor.user, deployment=deployment)
    else:
        changed = bool(Watch.objects.filter(user=actor.user, deployment=deployment).delete()[0])
    if changed:
        # Not attached to the deployment: a personal watchlist is no part of the deployment's own timeline.
        record_event(partnership=actor.partnership, action="watchlist.added" if watch else "watchlist.removed",
                     actor=actor.user, note=f"Deployment {deployment.reference}")
    return watch
