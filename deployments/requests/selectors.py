"""Reads for support requests: the pages, the triage queue and the timeline."""

from __future__ import annotations

from django.db.models import QuerySet

from deployments.models import Deployment, Offer, RequestNeed, RequestStatus, SupportRequest
from deployments.visibility import requests_for
from portal.audit.models import AuditEvent
from portal.audit.selectors import timeline
from portal.tenancy.models import Membership

__all__ = ["request_deployments", "request_history", "request_needs", "requests_for", "triage_queue"]


def request_needs(*, request: SupportRequest) -> list:
    return [link.specialism for link in RequestNeed.objects.filter(request=request).select_related("specialism")
            .order_by("specialism__group", "specialism__name")]


def request_deployments(*, request: SupportRequest) -> QuerySet[Deployment]:
    return Deployment.objects.filter(request=request).select_related("leader").order_by("-proposed_at", "-pk")


def triage_queue(*, membership: Membership) -> QuerySet[SupportRequest]:
    """Sent requests waiting for a decision, oldest first: the broker's work queue."""
    return requests_for(membership=membership).filter(status=RequestStatus.SUBMITTED).order_by("submitted_at", "pk")


def request_history(*, request: SupportRequest) -> QuerySet[AuditEvent]:
    offer_ids = list(Offer.objects.filter(request=request).values_list("pk", flat=True))
    deployment_ids = list(Deployment.objects.filter(request=request).values_list("pk", flat=True))
    return timeline(partnership=request.partnership_id,
                    objects={SupportRequest: [request.pk], Offer: offer_ids, Deployment: deployment_ids})
