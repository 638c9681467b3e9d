"""Reads for the school directory, always through the viewer's membership (LA officers see their LAs only)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from alliances.models import LocalAuthority, OfstedJudgement, PartnershipSchool, School, SchoolLink
from portal.tenancy.models import Membership
from portal.tenancy.roles import Role


def visible_local_authorities(*, membership: Membership) -> QuerySet[LocalAuthority] | None:
    """The LAs an LA officer is limited to, or None for roles that see every school."""
    if membership.role == Role.LA_OFFICER:
        return membership.local_authorities.all()
    return None


def schools_for(*, membership: Membership) -> QuerySet[School]:
    """Schools the member may see, annotated with this partnership's relationship to each."""
    links = PartnershipSchool.objects.filter(partnership=membership.partnership, school=OuterRef("pk"))
    queryset = School.objects.select_related("la").annotate(
        in_partnership=Exists(links),
        partnership_member=Subquery(links.values("is_member")[:1]),
    )
    limited = visible_local_authorities(membership=membership)
    if limited is not None:
        queryset = queryset.filter(la__in=limited)
    return queryset


def school_detail(*, membership: Membership, urn: str) -> School | None:
    return schools_for(membership=membership).filter(pk=urn).first()


def partnership_link(*, membership: Membership, school: School) -> PartnershipSchool | None:
    return PartnershipSchool.objects.filter(partnership=membership.partnership, school=school).first()


def school_links(*, school: School) -> list[SchoolLink]:
    return list(SchoolLink.objects.filter(urn=school.urn).order_by("-established_on", "link_type"))


def ofsted_history(*, school: School) -> list[OfstedJudgement]:
    return list(OfstedJudgement.objects.filter(urn=school.urn).order_by("-inspected_on")[:10])


def global_successor_of(*, school: School) -> School | None:
    """The open school that took over from a closed one, following GIAS successor links."""
    seen = {school.urn}
    current = school
    for _ in range(5):  # successors of successors, but never round a loop
        link = (
            SchoolLink.objects.filter(urn=current.urn, link_type__istartswith="successor")
            .exclude(linked_urn__in=seen)
            .order_by("-established_on")
            .first()
        )
        if link is None:
            return None
        successor = School.objects.filter(pk=link.linked_urn).first()
        if successor is None:
            return None
        if successor.is_open:
            return successor
        seen.add(successor.urn)
        current = successor
    return None
