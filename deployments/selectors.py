from __future__ import annotations

from django.db.models import QuerySet

from deployments.models import RequestNeed, RequestStatus, SupportRequest
from portal.audit.models import AuditEvent
from portal.tenancy.models import Membership


def requests_for(*, membership: Membership) -> QuerySet[SupportRequest]:
    """What the member may see: headteachers their schools' requests; the steering group every sent request."""
    queryset = SupportRequest.objects.filter(partnership=membership.partnership).select_related(
        "school", "created_by", "assigned_broker")
    if membership.can("requests.triage") or membership.can("brokerage.view"):
        return queryset.exclude(status=RequestStatus.DRAFT)
    if membership.can("requests.create"):
        return queryset.filter(school__in=membership.schools.all())
    return queryset.none()


def request_needs(*, request: SupportRequest) -> list:
    return [link.specialism for link in RequestNeed.objects.filter(request=request).select_related("specialism")
            .order_by("specialism__group", "specialism__name")]


def request_timeline(*, request: SupportRequest) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(partnership=request.partnership_id, object_type__model="supportrequest",
                                     object_id=str(request.pk)).order_by("created_at", "id")


def triage_queue(*, membership: Membership) -> QuerySet[SupportRequest]:
    """Sent requests waiting for a decision, oldest first: the broker's work queue."""
    return requests_for(membership=membership).filter(status=RequestStatus.SUBMITTED).order_by("submitted_at", "pk")
