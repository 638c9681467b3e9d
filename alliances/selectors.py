"""Reads for the school directory, always through the viewer's membership (LA officers see their LAs only)."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Replace, Upper

from alliances.models import (
    Alliance,
    AllianceSchool,
    Cluster,
    ClusterSchool,
    LeaderSpecialism,
    LeaderStatus,
    LocalAuthority,
    OfstedJudgement,
    PartnershipSchool,
    School,
    SchoolCount,
    SchoolLink,
    SchoolSearchRow,
    Specialism,
    SystemLeader,
)
from alliances.search import UpperContains
from portal.audit.models import AuditEvent
from portal.imports import ascii_code
from portal.tenancy.models import Membership
from portal.ui.paging import row_count


def visible_local_authorities(*, membership: Membership) -> QuerySet[LocalAuthority] | None:
    """The LAs an LA officer is limited to, or None for roles that see every school."""
    if not membership.can("directory.all_areas"):
        return membership.local_authorities.all()
    return None


def schools_named(text: str, *, la_codes: list[str] | None = None, limit: int = 10) -> list[School]:
    """Open schools whose name contains every word of `text` (closed ones after), best first: the name that
    starts with it, then by name. `la_codes` limits them to those LAs (an LA officer's). One query."""
    words = text.split()[:5]
    if not words:
        return []
    queryset = School.objects.select_related("la")
    for word in words:
        queryset = queryset.filter(name__icontains=word)
    if la_codes is not None:
        queryset = queryset.filter(la__in=la_codes)
    starts = Case(When(name__istartswith=text, then=Value(0)), default=Value(1), output_field=IntegerField())
    opened = Case(When(status="open", then=Value(0)), default=Value(1), output_field=IntegerField())
    return list(queryset.order_by(opened, starts, "name", "urn")[:limit])


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


def _in_areas(rows: QuerySet, *, membership: Membership, la: str, phase: str, status: str) -> QuerySet:
    """Kept rows by school (`la_code`, `phase`, `status` columns) in the member's local authorities and the filters'."""
    limited = visible_local_authorities(membership=membership)
    if limited is not None:
        rows = rows.filter(la_code__in=limited.values("code"))
    for field, value in (("la_code", la), ("phase", phase), ("status", status)):
        if value:
            rows = rows.filter(**{field: value})
    return rows


def _school_counts(*, membership: Membership, la: str, phase: str, status: str) -> QuerySet[SchoolCount]:
    return _in_areas(SchoolCount.objects.all(), membership=membership, la=la, phase=phase, status=status)


def school_count(*, membership: Membership, la: str = "", phase: str = "", status: str = "") -> int:
    """How many schools `schools_for` gives with this local authority, phase and status (each optional), added up
    from the counts PostgreSQL's triggers keep (migration 0010; SQLite keeps none): one statement over a few
    hundred rows, where counting the schools read 46,096 index entries."""
    return _school_counts(membership=membership, la=la, phase=phase, status=status).aggregate(n=Sum("n"))["n"] or 0


def search_schools(queryset: QuerySet[School], text: str) -> QuerySet[School]:
    """The schools the search box's `text` finds: a six-digit URN's school, otherwise those whose name contains the
    text in any case or whose postcode is it, with or without spaces."""
    text = text.strip()
    if not text:
        return queryset
    if ascii_code(text, 6):
        return queryset.filter(urn=text)
    postcode = Replace(Upper("postcode"), Value(" "), Value(""))
    return queryset.alias(compact_postcode=postcode).filter(Q(name__icontains=text) | Q(compact_postcode=_compact(text)))


def _compact(text: str) -> str:
    return "".join(text.split()).upper()


def _search_rows(*, membership: Membership, text: str, la: str, phase: str, status: str) -> QuerySet[SchoolSearchRow]:
    rows = _in_areas(SchoolSearchRow.objects.all(), membership=membership, la=la, phase=phase, status=status)
    text = text.strip()
    if ascii_code(text, 6):
        return rows.filter(urn=text)
    if text:
        return rows.filter(Q(UpperContains(F("name_upper"), text)) | Q(postcode_compact=_compact(text)))
    return rows


def searched_school_count(*, membership: Membership, text: str, la: str = "", phase: str = "", status: str = "") -> int:
    """How many schools `search_schools` finds in `schools_for` with this local authority, phase and status (each
    optional), counted in the narrow rows PostgreSQL's triggers keep (migration 0011; SQLite keeps none): the same
    comparisons on the name and postcode already in upper case."""
    return _search_rows(membership=membership, text=text, la=la, phase=phase, status=status).count()


def kept_school_total(*, membership: Membership, text: str = "", la: str = "", phase: str = "",
                      status: str = "") -> Subquery:
    """`searched_school_count` (with a search) or `school_count` (without) as a scalar subquery, for a page of
    schools to read its count beside its rows in one statement. PostgreSQL only, as what it reads."""
    if text.strip():
        rows = _search_rows(membership=membership, text=text, la=la, phase=phase, status=status)
        total = Func(function="COUNT", template="COUNT(*)", output_field=BigIntegerField())
        return Subquery(rows.order_by().values(total=total), output_field=BigIntegerField())
    counts = _school_counts(membership=membership, la=la, phase=phase, status=status)
    # Plain functions to Django, not aggregates: no GROUP BY, so one row for all the counts.
    total = Coalesce(Func(F("n"), function="SUM", output_field=BigIntegerField()), Value(0))
    return Subquery(counts.order_by().values(total=total), output_field=BigIntegerField())


def school_detail(*, membership: Membership, urn: str) -> School | None:
    # Unordered: one row by its key needs no ORDER BY, and Django hashes the annotations to build one.
    return next(iter(schools_for(membership=membership).filter(pk=urn).order_by()), None)


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


def leaders_for(*, membership: Membership) -> QuerySet:
    queryset = SystemLeader.objects.filter(partnership=membership.partnership).select_related("home_school__la")
    limited = visible_local_authorities(membership=membership)
    if limited is not None:
        queryset = queryset.filter(home_school__la__in=limited)
    return queryset


def leader_specialisms(*, leader) -> list:
    return [link.specialism for link in LeaderSpecialism.objects.filter(leader=leader).select_related("specialism")
            .order_by("specialism__group", "specialism__name")]


def designation_history(*, leader) -> QuerySet:
    return AuditEvent.objects.filter(
        partnership=leader.partnership_id, object_type__model="systemleader", object_id=str(leader.pk),
        action="system_leader.designation_changed",
    ).order_by("-created_at", "-id")


def own_leader_record(*, membership: Membership):
    return SystemLeader.objects.filter(partnership=membership.partnership, user=membership.user).select_related(
        "home_school").first()


def active_specialisms(*, partnership, include=()) -> QuerySet:
    """Specialisms that can be chosen: the active ones, plus any retired ones already on the profile."""
    return Specialism.objects.filter(partnership=partnership).filter(
        Q(is_retired=False) | Q(pk__in=[s.pk for s in include])
    ).order_by("group", "name")


def clusters_for(*, membership: Membership) -> QuerySet:
    queryset = Cluster.objects.filter(partnership=membership.partnership).select_related("la", "chair_school").annotate(
        member_count=Count("members"))
    limited = visible_local_authorities(membership=membership)
    if limited is not None:
        queryset = queryset.filter(la__in=limited)
    return queryset


def listed_clusters(*, membership: Membership) -> QuerySet:
    """The clusters list's rows: `clusters_for`'s with only the columns a row shows (its local authority's name,
    not its chair school) and the member count a subquery each instead of a GROUP BY, so that a page reads the
    count of all with its rows (`portal.ui.paging.counted_page`)."""
    queryset = Cluster.objects.filter(partnership=membership.partnership).select_related("la").only(
        "name", "kind", "academic_year", "la__name").annotate(
        member_count=row_count(ClusterSchool.objects.filter(cluster=OuterRef("pk"))))
    limited = visible_local_authorities(membership=membership)
    if limited is not None:
        queryset = queryset.filter(la__in=limited)
    return queryset


def cluster_schools(*, cluster, membership: Membership) -> list[School]:
    links = ClusterSchool.objects.filter(cluster=cluster).select_related("school").order_by("school__name")
    limited = visible_local_authorities(membership=membership)
    if limited is not None:
        links = links.filter(school__la__in=limited)
    return [m.school for m in links]


def alliances_for(*, membership: Membership) -> QuerySet:
    queryset = Alliance.objects.filter(partnership=membership.partnership)
    leads = AllianceSchool.objects.filter(role="lead").select_related("school")
    limited = visible_local_authorities(membership=membership)
    if limited is not None:
        # LA officers see an alliance only if it has a school in their LAs, and only those schools.
        queryset = queryset.filter(pk__in=AllianceSchool.objects.filter(school__la__in=limited).values("alliance_id"))
        leads = leads.filter(school__la__in=limited)
        counted = Count("schools", filter=Q(schools__school__la__in=limited))
    else:
        counted = Count("schools")
    return queryset.annotate(school_count=counted).prefetch_related(Prefetch("schools", queryset=leads, to_attr="leads"))


def alliance_schools(*, alliance, membership: Membership) -> dict[str, list]:
    grouped: dict[str, list] = {"lead": [], "member": [], "strategic_partner": []}
    links = AllianceSchool.objects.filter(alliance=alliance).select_related("school").order_by("school__name")
    limited = visible_local_authorities(membership=membership)
    if limited is not None:
        links = links.filter(school__la__in=limited)
    for link in links:
        grouped[link.role].append(link.school)
    return grouped


def school_context(*, membership: Membership, school: School) -> dict:
    """What the partnership knows about a school: its alliances, clusters and the system leaders based there."""
    clusters = ClusterSchool.objects.filter(partnership=membership.partnership, school=school).select_related("cluster")
    limited = visible_local_authorities(membership=membership)
    if limited is not None:
        clusters = clusters.filter(cluster__la__in=limited)
    return {
        "alliances": list(AllianceSchool.objects.filter(partnership=membership.partnership, school=school)
                          .select_related("alliance").order_by("alliance__name")),
        "clusters": list(clusters.order_by("-cluster__academic_year", "cluster__name")),
        "leaders": list(leaders_for(membership=membership).filter(home_school=school).order_by("name")),
    }


def is_member_school(*, partnership, urn: str) -> bool:
    """The school is a member of the partnership (member rates, core entitlement)."""
    return PartnershipSchool.objects.filter(partnership=partnership, school_id=urn, is_member=True).exists()


def designations_due(*, membership: Membership, today: date, within_days: int = 30) -> QuerySet[SystemLeader]:
    """System leaders whose designation is due for review within `within_days` (or already overdue)."""
    return SystemLeader.objects.filter(
        partnership=membership.partnership, status__in=(LeaderStatus.ACTIVE, LeaderStatus.UNDER_REVIEW),
        review_due__lte=today + timedelta(days=within_days)).order_by("review_due", "name")


def find_schools(*, text: str, limit: int = 10) -> list[School]:
    """Schools whose name is `text` (any case), or failing that contains it: open schools first, then by name.

    Reference data, the same for every partnership. At most `limit`, for a list a person can choose from.
    """
    open_first = Case(When(status="open", then=0), default=1)
    exact = list(School.objects.filter(name__iexact=text).select_related("la").order_by(open_first, "name", "urn")[:limit])
    if exact:
        return exact
    return list(School.objects.filter(name__icontains=text).select_related("la")
                .order_by(open_first, "name", "urn")[:limit])
