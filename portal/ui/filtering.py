"""The one way a list is searched and filtered.

Every list a role works from has a `ListFilter` (django-filter) read from a GET form, so it works without
JavaScript and its query string carries across pages and sorting. A value that cannot be applied (`abc`
for a number, a choice that is not offered) is a form error, shown in the GOV.UK error summary above the
list, and the list is empty rather than silently wider. Searches run in the database (`icontains` and
exact lookups on indexed keys), never over rows in Python, so a page's query count does not grow with data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import django_filters
from django import forms
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils import timezone

from portal.calendar.schooldays import TERM_ORDER, Term, academic_year_of, conventional_term
from portal.calendar.services import school_calendar
from portal.imports import ascii_code
from portal.ui.views import paginate, query_without_page

INVALID_CHOICE = "Choose one of the options in the list"
# How people write a reference: "R00003", "r3", "D 12". The letter says what it names.
REFERENCE = re.compile(r"^\s*([A-Za-z])\s*0*([0-9]{1,9})\s*$", re.ASCII)


class ListedChoiceIterator(forms.models.ModelChoiceIterator):
    """A filter's choices (local authorities, clusters, specialisms) read with one ordinary query. Django reads
    them with `iterator()`, which on PostgreSQL outside a transaction is a server-side cursor: DECLARE ... WITH
    HOLD, FETCH and CLOSE, three round trips for a list of a few hundred rows, on every list page."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class ListedModelChoiceField(forms.ModelChoiceField):
    iterator = ListedChoiceIterator


class ModelChoiceFilter(django_filters.ModelChoiceFilter):
    """`django_filters.ModelChoiceFilter` with its choices read in one query (`ListedChoiceIterator`)."""

    field_class = ListedModelChoiceField


class NullsLastOrdering:
    """Mixin: blanks last in either direction, then a stable tie-break, so pages never overlap."""

    tie_break = "pk"

    def ordered(self, queryset, default):
        order = [
            F(name[1:]).desc(nulls_last=True) if name.startswith("-") else F(name).asc(nulls_last=True)
            for name in (queryset.query.order_by or default)
            if isinstance(name, str)
        ]
        return queryset.order_by(*order, self.tie_break)


class ListFilter(NullsLastOrdering, django_filters.FilterSet):
    """A list's filters. An invalid value empties the list and shows its error; it is never dropped."""

    default_order: tuple[str, ...] = ("pk",)

    class Meta:
        fields: list[str] = []

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data or None, *args, **kwargs)

    @property
    def form(self):
        # Built on first use, after a subclass's __init__ has set its choices.
        if not hasattr(self, "_form"):
            form = super().form
            for field in form.fields.values():
                if "invalid_choice" in field.error_messages:
                    field.error_messages["invalid_choice"] = INVALID_CHOICE
        return self._form

    @property
    def qs(self):
        if self.is_bound and not self.is_valid():
            return self.queryset.none()
        return self.ordered(super().qs, list(self.default_order))

    @property
    def is_filtered(self) -> bool:
        return self.is_bound and any(value for name, value in self.data.items() if name not in ("page", "sort"))


def listing(request: HttpRequest, filterset: ListFilter, *, per_page: int = 25) -> dict:
    """What a list page renders: the filter (with its errors), the page of rows and the query string that keeps
    the filters on pagination and sort links."""
    return {"filter": filterset, "page": paginate(request, filterset.qs, per_page=per_page),
            "query": query_without_page(request)}


@dataclass(frozen=True)
class Reference:
    letter: str
    pk: int


def parse_reference(value: str) -> Reference | None:
    """`R00003` -> Reference("R", 3); anything else (a name, a URN) -> None."""
    found = REFERENCE.match(value or "")
    return Reference(found.group(1).upper(), int(found.group(2))) if found else None


def search_q(value: str, *, text: tuple[str, ...] = (), references: dict[str, str] | None = None,
             urn: str = "") -> Q | None:
    """The rows a search box means: a reference ("R00003") by its key, six digits by `urn`, otherwise any of the
    `text` fields containing the words (each word in some field). None when the box is empty."""
    value = (value or "").strip()
    if not value:
        return None
    reference = parse_reference(value)
    if reference is not None and reference.letter in (references or {}):
        return Q(**{references[reference.letter]: reference.pk})
    if urn and ascii_code(value, 6):
        return Q(**{urn: value})
    q = Q()
    for word in value.split()[:5]:
        any_field = Q()
        for field in text:
            any_field |= Q(**{f"{field}__icontains": word})
        q &= any_field
    return q


def term_choices(partnership) -> tuple[list[tuple[str, str]], dict[str, Term]]:
    """The terms a list can be filtered by: this academic year's and last year's, and every year in the
    partnership's calendar, newest first (one query)."""
    calendar = school_calendar(partnership=partnership)
    today = timezone.localdate()
    years = {academic_year_of(today), academic_year_of(today - timedelta(days=365))} | calendar.years
    terms: dict[str, Term] = {}
    for year in sorted(years, reverse=True):
        found = {t.name: t for t in calendar.year_terms(year)}
        for name in reversed(TERM_ORDER):
            term = found.get(name) or conventional_term(year, name)
            terms[term.key] = term
    return [(key, f"{term.name.capitalize()} term {key[:7]}") for key, term in terms.items()], terms
