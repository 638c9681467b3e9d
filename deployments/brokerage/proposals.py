"""Proposing a deployment: the broker sets out objectives, days, rate, funder and dates for the leader who
accepted; approvers are asked to decide."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction

from alliances.models import Specialism
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
)
from deployments.workflow import TransitionNotAllowed, members_with_role, tenant_url
from portal.audit.services import record_event
from portal.days import days_phrase, half_days
from portal.errors import DomainError, NotAllowed
from portal.formats import date_text
from portal.notifications.reading import settle
from portal.notifications.services import notify
from portal.tenancy.models import Membership
from portal.tenancy.roles import Role
from programmes.funding.selectors import entitlement_problem
from programmes.models import Entitlement

# A request whose deployment is live or finished gets no other: it is proposed once.
TAKEN = (*LIVE_DEPLOYMENT_STATUSES, DeploymentStatus.COMPLETED, DeploymentStatus.STOPPED)


def can_propose(actor: Membership, request: SupportRequest, deployments: list[Deployment] | None = None) -> bool:
    """A broker, once a system leader has accepted and while no deployment is live or finished.
    `deployments` are the request's deployments when the caller has them (saves a query)."""
    if not actor.can("deployments.propose") or request.status != RequestStatus.MATCHED:
        return False
    if deployments is not None:
        return not any(d.status in TAKEN for d in deployments)
    return not Deployment.objects.filter(request=request, status__in=TAKEN).exists()


@dataclass
class ObjectiveInput:
    area: Specialism
    description: str
    success_criteria: str


@transaction.atomic
def propose_deployment(
    *, actor: Membership, request: SupportRequest, objectives: list[ObjectiveInput], days: Decimal, rate_kind: str,
    day_rate: Decimal, funder: str, start_date: date, end_date: date, funder_note: str = "",
    entitlement: Entitlement | None = None,
) -> Deployment:
    """The broker proposes the deployment for the leader who accepted; approvers are asked to decide. Core or
    package funding names one of the school's active entitlements with days left (held when it is approved)."""
    if not actor.can("deployments.propose"):
        raise NotAllowed("Only brokers propose deployments.")
    locked = SupportRequest.objects.select_for_update().select_related("school").get(pk=request.pk)
    if locked.status != RequestStatus.MATCHED:
        raise TransitionNotAllowed("A deployment can be proposed once a system leader has accepted the request.")
    if not can_propose(actor, locked):
        raise TransitionNotAllowed("This request already has a deployment. Open it from the request page.")
    offer = Offer.objects.select_related("leader").get(request=locked, status=OfferStatus.ACCEPTED)
    half_days(days)  # raises when not whole or half days
    if rate_kind not in RateKind.values or funder not in Funder.values:
        raise DomainError("Choose the rate and the funder.")
    if day_rate is None or day_rate < 0:
        raise DomainError("Enter the day rate in pounds, like 350 or 412.50.")
    if end_date < start_date:
        raise DomainError("The end date must be on or after the start date.")
    if not objectives:
        raise DomainError("Add at least one objective with its success criteria.")
    problem = entitlement_problem(entitlement, partnership_id=actor.partnership_id, school_id=locked.school_id,
                                  route=funder, on=start_date)
    if problem:
        raise DomainError(problem + ".", field="entitlement")
    for objective in objectives:
        if objective.area.partnership_id != actor.partnership_id:
            raise NotAllowed("That need area is not in this partnership.")
        if not objective.description.strip() or not objective.success_criteria.strip():
            raise DomainError("Give each objective a description and success criteria.")
    deployment = Deployment.objects.create(
        partnership=actor.partnership, request=locked, offer=offer, school=locked.school, leader=offer.leader,
        days=days, rate_kind=rate_kind, day_rate=day_rate, funder=funder, funder_note=funder_note,
        entitlement=entitlement, start_date=start_date, end_date=end_date, proposed_by=actor.user,
    )
    Objective.objects.bulk_create([
        Objective(partnership=actor.partnership, deployment=deployment, area=o.area, description=o.description.strip(),
                  success_criteria=o.success_criteria.strip(), position=index)
        for index, o in enumerate(objectives)
    ])
    record_event(partnership=actor.partnership, actor=actor.user, action="deployment.proposed", obj=deployment,
                 new={"leader": offer.leader.name, "days": str(days), "rate": rate_kind, "day_rate": str(day_rate),
                      "funder": funder, "entitlement": entitlement.pk if entitlement else None, "start": start_date.isoformat(), "end": end_date.isoformat(),
                      "objectives": len(objectives)})
    # The acceptance asked the brokers to propose: done.
    settle(partnership=actor.partnership, subject=f"offer:{offer.pk}", event_types=["offer.accepted"])
    exclude = actor.user_id if actor.partnership.four_eyes_approval else None
    notify(partnership=actor.partnership, event_type="deployment.proposed",
           recipients=members_with_role(actor.partnership, Role.APPROVER, exclude_user_id=exclude),
           occurrence=f"deployment:{deployment.pk}:proposed",
           context={"subject": f"Approve a deployment for {locked.school.name} ({deployment.reference})",
                    "lines": [f"{actor.user.get_full_name()} proposes {offer.leader.name} for {days_phrase(days)} "
                              f"of support at {locked.school.name}, from {date_text(start_date)} to "
                              f"{date_text(end_date)}.", "Approve it or say why not."],
                    "note": "", "note_label": "", "action": "Decide on the deployment"},
           link=tenant_url(actor.partnership, "deployment", pk=deployment.pk))
    return deployment
