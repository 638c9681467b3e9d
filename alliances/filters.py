from __future__ import annotations

import django_filters
from django.db.models import Q, Value
from django.db.models.functions import Replace, Upper

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
from portal.imports import ascii_code
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


class SchoolFilter(ListFilter):
    tie_break = "urn"
    default_order = ("name",)

    q = django_filters.CharFilter(label="Name, URN or postcode", method="search", max_length=SEARCH_MAX)
    la = ModelChoiceFilter(
        label="Local authority", queryset=local_authorities, empty_label="Any local authority"
    )
    cluster = ModelChoiceFilter(label="Cluster", queryset=cluster_choices, method="by_cluster",
                                               empty_label="Any cluster")
    phase = django_filters.ChoiceFilter(label="Phase", choices=Phase.choices, empty_label="Any phase")
    status = django_filters.ChoiceFilter(label="Status", choices=Status.choices, empty_label="Any status")
    ofsted_grade = django_filters.ChoiceFilter(
        label="Ofsted grade", choices=list(OFSTED_GRADES.items()), empty_label="Any grade"
    )
    partnership = django_filters.ChoiceFilter(
        label="In this partnership",
        choices=[("member", "Members"), ("linked", "Members and non-members"), ("none", "Not in the partnership")],
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
        value = value.strip()
        if not value:
            return queryset
        if ascii_code(value, 6):
            return queryset.filter(urn=value)
        compact = "".join(value.split()).upper()
        postcode = Replace(Upper("postcode"), Value(" "), Value(""))
        return queryset.alias(compact_postcode=postcode).filter(Q(name__icontains=value) | Q(compact_postcode=compact))

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


def designation_choices(request):
    return list(request.partnership.designation_labels.items()) if getattr(request, "partnership", None) else []


class LeaderFilter(ListFilter):
    default_order = ("name",)
    q = django_filters.CharFilter(label="Name, home school or its URN", method="search", max_length=SEARCH_MAX)
    designation = django_filters.ChoiceFilter(label="Designation", choices=[], empty_label="Any designation")
    status = django_filters.ChoiceFilter(label="Status", choices=LeaderStatus.choices, empty_label="Any status")
    specialism = ModelChoiceFilter(label="Specialism", queryset=specialism_choices,
                                                  method="by_specialism", empty_label="Any specialism")
    phase = django_filters.ChoiceFilter(label="Phase", choices=list(LEADER_PHASES.items()), method="by_phase",
                                        empty_label="Any phase")
    la = ModelChoiceFilter(label="Local authority of home school", queryset=local_authorities,
                                          field_name="home_school__la", empty_label="Any local authority")
    cluster = ModelChoiceFilter(label="Cluster of home school", queryset=cluster_choices,
                                               method="by_cluster", empty_label="Any cluster")
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
        self.filters["designation"].extra["choices"] = designation_choices(request)

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

