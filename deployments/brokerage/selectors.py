"""Reads for offers and proposals."""

from __future__ import annotations

from django.db.models import QuerySet

from deployments.brokerage.proposals import TAKEN
from deployments.models import Deployment, Offer, RequestStatus, SupportRequest
from deployments.visibility import offers_for, requests_for
from portal.tenancy.models import Membership

__all__ = ["awaiting_proposal", "offers_for", "request_offers"]


def request_offers(*, request: SupportRequest) -> QuerySet[Offer]:
    return Offer.objects.filter(request=request).select_related("leader", "offered_by").order_by("-created_at", "-pk")


def awaiting_proposal(*, membership: Membership) -> QuerySet[SupportRequest]:
    """Requests a system leader accepted, with no deployment live or done yet: the broker proposes next."""
    return requests_for(membership=membership).filter(status=RequestStatus.MATCHED).exclude(
        pk__in=Deployment.objects.filter(status__in=TAKEN).values("request_id")
    ).order_by("triaged_at", "pk")
