from __future__ import annotations

import json
from collections.abc import Callable, Hashable
from dataclasses import dataclass

import django_filters
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.functions import JSONArray

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
from portal import kept
from portal.ui.filtering import ListFilter, search_q

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


@dataclass(frozen=True)
class Rows:
    """The rows a choice list is made of: `queryset`'s `fields`, in its order, each made a (key, label) by `pair`."""

    queryset: QuerySet
    fields: tuple[str, ...]
    pair: Callable[..., tuple]


def read_together(lists: list[Rows], key: Hashable | None = None) -> list[list[tuple]]:
    """Each of `lists`' rows as tuples of its fields. On PostgreSQL, in one statement: each list an ARRAY of JSON
    arrays, built by its own query (its filters, its partnership and its ORDER BY, the order the ARRAY keeps);
    elsewhere, or for one list, a query each. Keys and labels are text and whole numbers: JSON gives them back as
    they were. With a `key` naming everything the lists' querysets depend on, the statement is built and compiled
    once for it (`portal.kept.made`)."""
    if connection.vendor != "postgresql" or len(lists) < 2:
        return [list(each.queryset.values_list(*each.fields)) for each in lists]
    sql, params = (_together(lists) if key is None else kept.made(("read_together", key), lambda: _together(lists)))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchone()
    return [[tuple(json.loads(row) if isinstance(row, str) else row) for row in rows] for rows in found]


def _together(lists: list[Rows]) -> tuple[str, tuple]:
    parts, params = [], []
    for each in lists:
        sql, part_params = each.queryset.values(row=JSONArray(*each.fields)).query.sql_with_params()
        parts.append(f"ARRAY({sql})")
        params.extend(part_params)
    return "SELECT " + ", ".join(parts), tuple(params)


class RowChoiceFilter(django_filters.ChoiceFilter):
    """A choice among rows read for this request, as (key, label) pairs of the `Rows` `choices_for(request)`
    returns: the same options a ModelChoiceFilter writes without a model and an iterator value built per option
    (150 local authorities on every list page), and a chosen key is checked against the list instead of read
    again. The filter gets the key (`la=<code>`, `in_cluster(..., <pk>)`), which selects what the row did."""

    def __init__(self, *args, choices_for, **kwargs):
        self.choices_for = choices_for
        super().__init__(*args, choices=[], **kwargs)


class RowChoices:
    """Mixin for a ListFilter: reads every RowChoiceFilter's choices for the request (before the form is built),
    all in one statement (`read_together`)."""

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        chosen = [each for each in self.filters.values() if isinstance(each, RowChoiceFilter)]
        wanted = [each.choices_for(request) for each in chosen]
        for each, rows, spec in zip(chosen, read_together(wanted, _lists_key(request, chosen)), wanted, strict=True):
            each.extra["choices"] = SharedChoices([spec.pair(*row) for row in rows])


def _lists_key(request, chosen: list[RowChoiceFilter]) -> tuple | None:
    """What the lists' querysets depend on: which lists, the partnership, and the member (an LA officer's lists are
    their own LAs', read by a subquery on their membership), or None when the request has no member."""
    membership = getattr(request, "membership", None)
    if membership is None or getattr(request, "partnership", None) is None:
        return None
    return (tuple(f"{each.choices_for.__module__}.{each.choices_for.__qualname__}" for each in chosen),
            request.partnership.pk, membership.pk, membership.role, membership.is_active)


def _la_pair(code, name) -> tuple[str, str]:
    return code, f"{name} ({code})"


def local_authority_rows(request) -> Rows:
    """`local_authorities` as (code, "Name (code)"), the label LocalAuthority's str() writes."""
    return Rows(local_authorities(request), ("code", "name"), _la_pair)


def _cluster_pair(pk, name, year) -> tuple[int, str]:
    return pk, f"{name} ({year})"


def cluster_rows(request) -> Rows:
    """`cluster_choices` as (pk, "Name (year)"), the label Cluster's str() writes."""
    return Rows(cluster_choices(request), ("pk", "name", "academic_year"), _cluster_pair)


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


def _specialism_pair(pk, name) -> tuple[int, str]:
    return pk, name


def specialism_rows(request) -> Rows:
    """`specialism_choices` as (pk, name), the label Specialism's str() writes."""
    return Rows(specialism_choices(request), ("pk", "name"), _specialism_pair)


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



class ClusterFilter(RowChoices, ListFilter):
    default_order = ("-academic_year", "name")
    q = django_filters.CharFilter(label="Name", field_name="name", lookup_expr="icontains", max_length=SEARCH_MAX)
    academic_year = django_filters.CharFilter(label="Academic year", help_text="For example, 2026-27", max_length=7)
    kind = django_filters.ChoiceFilter(label="Kind", choices=ClusterKind.choices, empty_label="Any kind")
    la = RowChoiceFilter(label="Local authority", choices_for=local_authority_rows, empty_label="Any local authority")
    sort = django_filters.OrderingFilter(
        label="Sort by", fields=(("name", "name"), ("academic_year", "year"), ("member_count", "size")),
        field_labels={"name": "Name", "academic_year": "Academic year", "member_count": "Number of schools"},
        empty_label=None,
    )

    class Meta:
        fields: list[str] = []

