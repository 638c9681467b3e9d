"""Reads for offers and proposals."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from alliances.models import Specialism
from deployments.brokerage import kept
from deployments.brokerage.proposals import TAKEN
from deployments.models import Deployment, Offer, RequestNeed, RequestStatus, SupportRequest
from deployments.visibility import offers_for, requests_for
from portal.tenancy.models import Membership

__all__ = ["awaiting_proposal", "offers_for", "ranking_inputs", "request_offers", "with_ranking_inputs"]

# A request's need areas, as `requests.selectors.request_needs` reads them (by group, then name), in one value.
NEEDS_VALUE = ('SELECT json_agg(json_build_array(area.id, area."group", area.name) ORDER BY area."group", area.name) '
               "FROM {needs} need JOIN {areas} area ON area.id = need.specialism_id WHERE need.request_id = {request}")


def request_offers(*, request: SupportRequest) -> QuerySet[Offer]:
    return Offer.objects.filter(request=request).select_related("leader", "offered_by").order_by("-created_at", "-pk")


def awaiting_proposal(*, membership: Membership) -> QuerySet[SupportRequest]:
    """Requests a system leader accepted, with no deployment live or done yet: the broker proposes next."""
    return requests_for(membership=membership).filter(status=RequestStatus.MATCHED).exclude(
        pk__in=Deployment.objects.filter(status__in=TAKEN).values("request_id")
    ).order_by("triaged_at", "pk")


def with_ranking_inputs(requests: QuerySet[SupportRequest]) -> QuerySet[SupportRequest]:
    """On PostgreSQL, each request read with its need areas and the version of what matching reads (`kept`), so
    that the candidates page asks nothing more before its kept ranking: one query rather than three. The version is
    read first, before anything the ranking is asked about, as `kept` needs."""
    if connection.vendor != "postgresql":
        return requests
    quote = connection.ops.quote_name
    table = quote(SupportRequest._meta.db_table)
    return requests.annotate(
        ranking_needs=RawSQL(NEEDS_VALUE.format(needs=quote(RequestNeed._meta.db_table),
                                                areas=quote(Specialism._meta.db_table), request=f"{table}.{quote('id')}"),
                             ()),
        ranking_version=RawSQL(kept.VERSION_VALUE.format(partnership=f"{table}.{quote('partnership_id')}"), ()))


def ranking_inputs(request: SupportRequest) -> tuple[list[Specialism] | None, tuple | None]:
    """(need areas, version) read by `with_ranking_inputs`, or (None, None) for a request read without them."""
    if not hasattr(request, "ranking_version"):
        return None, None
    needs = [Specialism(pk=pk, partnership_id=request.partnership_id, group=group, name=name)
             for pk, group, name in request.ranking_needs or ()]
    return needs, kept.version_of(request.ranking_version)
