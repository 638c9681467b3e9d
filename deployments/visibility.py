"""Who may see which requests, offers and deployments: the base every sub-package's selectors filter from."""

from __future__ import annotations

from django.db.models import QuerySet

from deployments.models import Deployment, Offer, RequestStatus, SupportRequest
from portal.tenancy.models import Membership


def _own_school_ids(membership: Membership) -> QuerySet:
    """The headteacher's schools as a subquery on the link table alone (no join to the schools), which the planner
    turns into a cheap semi-join."""
    return Membership.schools.through.objects.filter(membership_id=membership.pk).values("school_id")


def requests_for(*, membership: Membership) -> QuerySet[SupportRequest]:
    """What the member may see: headteachers their schools' requests; the steering group every sent request."""
    queryset = SupportRequest.objects.filter(partnership=membership.partnership).select_related(
        "school", "created_by", "assigned_broker")
    if membership.can("requests.triage") or membership.can("brokerage.view"):
        return queryset.exclude(status=RequestStatus.DRAFT)
    if membership.can("requests.create"):
        return queryset.filter(school_id__in=_own_school_ids(membership))
    return queryset.none()


def offers_for(*, membership: Membership) -> QuerySet[Offer]:
    """System leaders see the offers made to them; the steering group sees every offer."""
    queryset = Offer.objects.filter(partnership=membership.partnership).select_related(
        "request__school", "request__entitlement__service", "leader", "offered_by")
    if membership.can("brokerage.view"):
        return queryset
    if membership.can("offers.respond"):
        return queryset.filter(leader__user=membership.user)
    return queryset.none()


def deployments_for(*, membership: Membership) -> QuerySet[Deployment]:
    """Headteachers see their schools' deployments, system leaders their own, the steering group all."""
    queryset = Deployment.objects.filter(partnership=membership.partnership).select_related(
        "school", "leader", "request", "proposed_by", "decided_by", "entitlement__service")
    if membership.can("brokerage.view"):
        return queryset
    if membership.can("requests.create"):
        return queryset.filter(school_id__in=_own_school_ids(membership))
    if membership.can("visits.log"):
        return queryset.filter(leader__user=membership.user)
    return queryset.none()
