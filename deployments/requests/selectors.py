"""Reads for support requests: the pages, the triage queue and the timeline."""

from __future__ import annotations

from django.db.models import QuerySet

from alliances.models import School, SystemLeader
from deployments.history import request_history
from deployments.models import Deployment, Offer, RequestNeed, RequestStatus, SupportRequest
from deployments.named_people import attach_named_people, with_named_people
from deployments.progress import filter_by_progress, with_progress
from deployments.requests import page_rows
from deployments.visibility import requests_for
from portal.tenancy.models import Membership
from programmes.funding.selectors import usable_entitlements
from programmes.models import Entitlement, Service

__all__ = ["page_deployments", "page_needs", "page_offers", "request_deployments", "request_history", "request_in_view",
           "request_needs", "request_page", "requests_for", "requests_listed", "triage_queue"]


def request_in_view(*, membership: Membership, pk: int) -> SupportRequest | None:
    """One request the member may see, with its progress (`deployments.progress`)."""
    # Unordered: one row by its key needs no ORDER BY, and Django hashes the annotations to build one.
    return next(iter(with_progress(requests_for(membership=membership)).select_related("entitlement__service").filter(
        pk=pk).order_by()), None)


def _unshown(relation: str, model, shown: tuple[str, ...]) -> list[str]:
    return [f"{relation}__{field.name}" for field in model._meta.concrete_fields
            if not field.primary_key and field.name not in shown]


# The columns of the joined school, entitlement and service the request's page never reads (a school has 42, a
# service 29): left unread, the statement is cheaper to compile and its row to load. What it reads is kept (a
# deferred column read would cost a query of its own, and the page's query count is pinned).
_UNSHOWN = (*_unshown("school", School, ("name", "partnership")),
            *_unshown("entitlement", Entitlement, ("partnership", "academic_year", "service", "days", "used", "held",
                                                   "status")),
            *_unshown("entitlement__service", Service, ("partnership", "name")))
def request_page(*, membership: Membership, pk: int, offers: bool = False) -> SupportRequest | None:
    """`request_in_view` for the request's own page: joined to what it shows (the school, the entitlement and its
    service: only the columns it shows), its broker named by subquery (`deployments.named_people`) rather than
    joined with its author, and on PostgreSQL with what it lists (`page_rows`): its needs, its deployments and,
    when asked, its offers (`page_needs`, `page_deployments`, `page_offers` then read no more)."""
    rows = with_progress(requests_for(membership=membership)).select_related(None).select_related(
        "school", "entitlement__service").defer(*_UNSHOWN)
    rows = page_rows.with_rows(rows, ("needs", "deployments", "offers") if offers else ("needs", "deployments"))
    found = next(iter(with_named_people(rows, ("assigned_broker",)).filter(pk=pk).order_by()), None)
    return None if found is None else attach_named_people(found, ("assigned_broker",))


def page_needs(*, request: SupportRequest) -> list:
    """`request_needs` for the request's page: each area with its key and name (what the page shows)."""
    return page_rows.needs(request) if hasattr(request, "json_needs") else request_needs(request=request)


def requests_listed(*, membership: Membership, progress: str = "") -> QuerySet[SupportRequest]:
    """The requests list: what the member may see, newest first, at the chosen stage (or open, or closed)."""
    return filter_by_progress(requests_for(membership=membership), progress).order_by("-submitted_at", "-created_at")


def request_needs(*, request: SupportRequest) -> list:
    return [link.specialism for link in RequestNeed.objects.filter(request=request).select_related("specialism")
            .order_by("specialism__group", "specialism__name")]


def request_deployments(*, request: SupportRequest) -> QuerySet[Deployment]:
    return Deployment.objects.filter(request=request).select_related("leader").order_by("-proposed_at", "-pk")


def _leader_unshown() -> list[str]:
    """The system leader's columns the request page never reads (it names the leader: 3 of 22 columns kept)."""
    return [f"leader__{field.name}" for field in SystemLeader._meta.concrete_fields
            if not field.primary_key and field.name not in ("partnership", "name", "user")]


def page_deployments(*, request: SupportRequest) -> list[Deployment]:
    """`request_deployments` for the request's page, which names each one's system leader and nothing else of them."""
    if hasattr(request, "json_deployments"):
        return page_rows.deployments(request)
    return list(request_deployments(request=request).defer(*_leader_unshown()))


def page_offers(*, request: SupportRequest) -> list[Offer]:
    """The request's offers, newest first, as its page shows them: the leader's name, not who made the offer."""
    if hasattr(request, "json_offers"):
        return page_rows.offers(request)
    return list(Offer.objects.filter(request=request).select_related("leader").defer(*_leader_unshown()).order_by(
        "-created_at", "-pk"))


def triage_queue(*, membership: Membership) -> QuerySet[SupportRequest]:
    """Sent requests waiting for a decision, oldest first: the broker's work queue."""
    return requests_for(membership=membership).filter(status=RequestStatus.SUBMITTED).order_by("submitted_at", "pk")


def funding_choices(*, request: SupportRequest) -> QuerySet[Entitlement]:
    """The entitlements the head may choose to pay for `request`: their school's active ones in this partnership,
    for this academic year and the year the support is wanted from."""
    return usable_entitlements(partnership=request.partnership_id, school_id=request.school_id,
                               on=request.preferred_start)
