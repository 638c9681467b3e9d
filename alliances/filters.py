from __future__ import annotations

import django_filters
from django.db.models import Q

from alliances.models import (
    LEADER_PHASES,
    OFSTED_GRADES,
    Cluster,
    ClusterKind,
    ClusterSchool,
    LeaderSpecialism,
    LeaderStatus,
    LocalAuthority,
    Phase,
    School,
    Specialism,
    Status,
)
from alliances.selectors import search_schools
from portal.ui.filtering import ListFilter, ModelChoiceFilter, search_q

SEARCH_MAX = 100  # characters in a search box: longer than any school name and postcode together


def local_authorities(request):
    """The LA choices: an LA officer's own LAs, otherwise every LA. Evaluated per request (django-scopes)."""
    membership = getattr(request, "membership", None)
    if membership is not None and not membership.can("directory.all_areas"):
        return membership.local_authorities.all()
    return LocalAuthority.objects.all()


def cluster_choices(request):
    """The partnership's clusters; an LA officer's only in their LAs. Evaluated per request (django-scopes)."""
    clusters = Cluster.objects.filter(partnership=request.partnership).order_by("-academic_year", "name")
    membership = getattr(request, "membership", None)
    if membership is not None and not membership.can("directory.all_areas"):
        clusters = clusters.filter(la__in=membership.local_authorities.all())
    return clusters


def in_cluster(path: str, cluster) -> Q:
    """Rows whose school (at `path`) is a member of `cluster`."""
    return Q(**{f"{path}__in": ClusterSchool.objects.filter(cluster=cluster).values("school_id")})


class SharedChoices(tuple):
    """A filter's choices, never changed once made: each request's filters and form are deep copies of the
    class's, and a copy shares these instead of copying every option (two copies of 150 local authorities)."""

    __slots__ = ()

    def __deepcopy__(self, memo):
        return self


class RowChoiceFilter(django_filters.ChoiceFilter):
    """A choice among rows read for this request, as (key, label) pairs `choices_for(request)` returns: the same
    options a ModelChoiceFilter writes without a model and an iterator value built per option (150 local
    authorities on every list page), and a chosen key is checked against the list instead of read again. The
    filter gets the key (`la=<code>`, `in_cluster(..., <pk>)`), which selects what the row did."""

    def __init__(self, *args, choices_for, **kwargs):
        self.choices_for = choices_for
        super().__init__(*args, choices=[], **kwargs)


class RowChoices:
    """Mixin for a ListFilter: reads each RowChoiceFilter's choices for the request (before the form is built)."""

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        for each in self.filters.values():
            if isinstance(each, RowChoiceFilter):
                each.extra["choices"] = SharedChoices(each.choices_for(request))


def local_authority_rows(request) -> list[tuple[str, str]]:
    """`local_authorities` as (code, "Name (code)"), the label LocalAuthority's str() writes."""
    return [(code, f"{name} ({code})") for code, name in local_authorities(request).values_list("code", "name")]


def cluster_rows(request) -> list[tuple[str, str]]:
    """`cluster_choices` as (pk, "Name (year)"), the label Cluster's str() writes."""
    return [(pk, f"{name} ({year})") for pk, name, year in cluster_choices(request).values_list(
        "pk", "name", "academic_year")]


class SchoolFilter(RowChoices, ListFilter):
    tie_break = "urn"
    default_order = ("name",)

    q = django_filters.CharFilter(label="Name, URN or postcode", method="search", max_length=SEARCH_MAX)
    la = RowChoiceFilter(label="Local authority", choices_for=local_authority_rows, empty_label="Any local authority")
    cluster = RowChoiceFilter(label="Cluster", choices_for=cluster_rows, method="by_cluster", empty_label="Any cluster")
    phase = django_filters.ChoiceFilter(label="Phase", choices=SharedChoices(Phase.choices), empty_label="Any phase")
    status = django_filters.ChoiceFilter(label="Status", choices=SharedChoices(Status.choices), empty_label="Any status")
    ofsted_grade = django_filters.ChoiceFilter(
        label="Ofsted grade", choices=SharedChoices(list(OFSTED_GRADES.items())), empty_label="Any grade"
    )
    partnership = django_filters.ChoiceFilter(
        label="In this partnership",
        choices=SharedChoices([("member", "Members"), ("linked", "Members and non-members"),
                               ("none", "Not in the partnership")]),
        empty_label="All schools",
        method="by_partnership",
    )
    sort = django_filters.OrderingFilter(
        label="Sort by",
        fields=(("name", "name"), ("urn", "urn"), ("la__name", "la"), ("pupils", "pupils"), ("ofsted_grade", "ofsted")),
        field_labels={"name": "Name", "urn": "URN", "la__name": "Local authority", "pupils": "Pupils",
                      "ofsted_grade": "Ofsted grade"},
        empty_label=None,
    )

    class Meta:
        model = School
        fields: list[str] = []

    def search(self, queryset, name, value):
        return search_schools(queryset, value)

    def by_cluster(self, queryset, name, value):
        return queryset.filter(in_cluster("pk", value)) if value else queryset

    def by_partnership(self, queryset, name, value):
        if value == "member":
            return queryset.filter(partnership_member=True)
        if value == "linked":
            return queryset.filter(in_partnership=True)
        if value == "none":
            return queryset.filter(in_partnership=False)
        return queryset



def specialism_choices(request):
    return Specialism.objects.filter(partnership=request.partnership).order_by("group", "name")


def specialism_rows(request) -> list[tuple[int, str]]:
    """`specialism_choices` as (pk, name), the label Specialism's str() writes."""
    return list(specialism_choices(request).values_list("pk", "name"))


def designation_choices(request):
    return list(request.partnership.designation_labels.items()) if getattr(request, "partnership", None) else []


class LeaderFilter(RowChoices, ListFilter):
    default_order = ("name",)
    q = django_filters.CharFilter(label="Name, home school or its URN", method="search", max_length=SEARCH_MAX)
    designation = django_filters.ChoiceFilter(label="Designation", choices=[], empty_label="Any designation")
    status = django_filters.ChoiceFilter(label="Status", choices=SharedChoices(LeaderStatus.choices), empty_label="Any status")
    specialism = RowChoiceFilter(label="Specialism", choices_for=specialism_rows, method="by_specialism",
                                 empty_label="Any specialism")
    phase = django_filters.ChoiceFilter(label="Phase", choices=SharedChoices(list(LEADER_PHASES.items())), method="by_phase",
                                        empty_label="Any phase")
    la = RowChoiceFilter(label="Local authority of home school", choices_for=local_authority_rows,
                         field_name="home_school__la", empty_label="Any local authority")
    cluster = RowChoiceFilter(label="Cluster of home school", choices_for=cluster_rows, method="by_cluster",
                              empty_label="Any cluster")
    sort = django_filters.OrderingFilter(
        label="Sort by",
        fields=(("name", "name"), ("review_due", "review"), ("designation", "designation"),
                ("capacity_days_per_term", "capacity")),
        field_labels={"name": "Name", "review_due": "Review due", "designation": "Designation",
                      "capacity_days_per_term": "Capacity"},
        empty_label=None,
    )

    class Meta:
        fields: list[str] = []

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        self.filters["designation"].extra["choices"] = SharedChoices(designation_choices(request))

    def search(self, queryset, name, value):
        q = search_q(value, text=("name", "home_school__name"), urn="home_school")
        return queryset if q is None else queryset.filter(q)

    def by_specialism(self, queryset, name, value):
        return queryset.filter(pk__in=LeaderSpecialism.objects.filter(specialism=value).values("leader_id")) if value else queryset

    def by_cluster(self, queryset, name, value):
        return queryset.filter(in_cluster("home_school", value)) if value else queryset

    def by_phase(self, queryset, name, value):
        return queryset.filter(**{value: True}) if value else queryset



class ClusterFilter(ListFilter):
    default_order = ("-academic_year", "name")
    q = django_filters.CharFilter(label="Name", field_name="name", lookup_expr="icontains", max_length=SEARCH_MAX)
    academic_year = django_filters.CharFilter(label="Academic year", help_text="For example, 2026-27", max_length=7)
    kind = django_filters.ChoiceFilter(label="Kind", choices=ClusterKind.choices, empty_label="Any kind")
    la = ModelChoiceFilter(label="Local authority", queryset=local_authorities,
                                          empty_label="Any local authority")
    sort = django_filters.OrderingFilter(
        label="Sort by", fields=(("name", "name"), ("academic_year", "year"), ("member_count", "size")),
        field_labels={"name": "Name", "academic_year": "Academic year", "member_count": "Number of schools"},
        empty_label=None,
    )

    class Meta:
        fields: list[str] = []

