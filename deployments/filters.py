"""The filters of the brokerage's lists (requests, offers, deployments), on the portal's one mechanism
(`portal.ui.filtering.ListFilter`): search by school name or URN, a person's name or a reference, and filter by
status, local authority, cluster and term."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import django_filters
from django.utils import timezone

from alliances.filters import SEARCH_MAX, RowChoiceFilter, RowChoices, cluster_rows, in_cluster, local_authority_rows
from deployments.models import DeploymentStatus, OfferStatus
from deployments.progress import filter_by_progress, progress_choices
from portal.ui.filtering import ListFilter, search_q, term_choices


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class WorkFilter(RowChoices, ListFilter):
    """Shared by the brokerage's lists: `school` is the path to the school, `text` the fields a name search
    reads, `references` what each reference letter names, `dated` how a term filters (a timestamp field, or
    None for rows that run between start and end dates)."""

    school = "school"
    text: tuple[str, ...] = ()
    references: dict[str, str] = {}
    dated: str | None = None

    q = django_filters.CharFilter(label="School, person or reference", method="search", max_length=SEARCH_MAX,
                                  help_text="A school's name or URN, a person's name, or a reference like R00003")
    status = django_filters.ChoiceFilter(label="Status", choices=[], empty_label="Any status")
    # Read with each other in one statement (`alliances.filters.RowChoices`); a chosen key selects what the row did.
    la = RowChoiceFilter(label="Local authority", choices_for=local_authority_rows, method="by_la",
                         empty_label="Any local authority")
    cluster = RowChoiceFilter(label="Cluster", choices_for=cluster_rows, method="by_cluster", empty_label="Any cluster")
    term = django_filters.ChoiceFilter(label="Term", choices=[], method="by_term", empty_label="Any term")

    statuses: list[tuple[str, str]] = []

    def __init__(self, data=None, *args, request=None, **kwargs):
        super().__init__(data, *args, request=request, **kwargs)
        self.filters["status"].extra["choices"] = self.statuses
        choices, self.terms = term_choices(request.partnership)
        self.filters["term"].extra["choices"] = choices

    def search(self, queryset, name, value):
        q = search_q(value, text=(f"{self.school}__name", *self.text), references=self.references, urn=self.school)
        return queryset if q is None else queryset.filter(q)

    def by_la(self, queryset, name, value):
        return queryset.filter(**{f"{self.school}__la": value}) if value else queryset

    def by_cluster(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(in_cluster(self.school, value))

    def by_term(self, queryset, name, value):
        term = self.terms.get(value)
        if term is None:
            return queryset
        if self.dated is None:  # runs from start_date to end_date: any overlap with the term
            return queryset.filter(start_date__lte=term.end, end_date__gte=term.start)
        return queryset.filter(**{f"{self.dated}__gte": _day_start(term.start),
                                  f"{self.dated}__lt": _day_start(term.end + timedelta(days=1))})


class RequestFilter(WorkFilter):
    """A request's status is its progress: once matched, its deployment's stage, to the end (`deployments.progress`);
    "open" and "closed" group the stages."""

    text = ("created_by__name", "assigned_broker__name")
    references = {"R": "pk"}
    dated = "submitted_at"
    status = django_filters.ChoiceFilter(label="Status", choices=[], method="by_progress", empty_label="Any status")

    def __init__(self, data=None, *args, request=None, **kwargs):
        self.statuses = progress_choices(staff=not request.membership.can("requests.create"))
        super().__init__(data, *args, request=request, **kwargs)

    def by_progress(self, queryset, name, value):
        return filter_by_progress(queryset, value)

    default_order = ("-submitted_at", "-created_at")
    sort = django_filters.OrderingFilter(
        label="Sort by", fields=(("submitted_at", "sent"), ("school__name", "school"), ("progress", "status")),
        field_labels={"submitted_at": "Date sent", "school__name": "School", "progress": "Status"},
        empty_label="Newest first")


class OfferFilter(WorkFilter):
    school = "request__school"
    text = ("leader__name", "offered_by__name")
    references = {"O": "pk", "R": "request_id"}
    dated = "created_at"
    statuses = list(OfferStatus.choices)
    default_order = ("-created_at", "-pk")


class DeploymentFilter(WorkFilter):
    text = ("leader__name", "proposed_by__name", "request__created_by__name")
    references = {"D": "pk", "R": "request_id"}
    statuses = list(DeploymentStatus.choices)
    default_order = ("-proposed_at", "-pk")
    sort = django_filters.OrderingFilter(
        label="Sort by", fields=(("proposed_at", "proposed"), ("school__name", "school"), ("leader__name", "leader"),
                                 ("start_date", "start"), ("end_date", "end")),
        field_labels={"proposed_at": "Date proposed", "school__name": "School", "leader__name": "System leader", "start_date": "Start date",
                      "end_date": "End date"},
        empty_label="Newest first")
