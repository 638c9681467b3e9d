from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Page
from django.db import connection
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from alliances import selectors, services
from alliances.exports import SCHOOL_HEADER, school_rows
from alliances.filters import SchoolFilter
from alliances.forms import FindSchoolForm, PartnershipSchoolForm
from portal.errors import DomainError
from portal.formats import date_text
from portal.ui.csv_export import csv_response
from portal.ui.paging import counted_page, paginate
from portal.ui.views import capability_required, query_without_page

# The columns a schools list row shows (alliances/templatetags/directory.py), not the forty a school has.
SCHOOL_ROW_FIELDS = ("urn", "name", "postcode", "status", "phase", "ofsted_grade", "ofsted_category", "la__name")
# The filters whose schools `selectors.school_count` counts (and the order, which changes no count); with a search
# too, `selectors.searched_school_count` counts them.
KEPT_COUNTS = ("la", "phase", "status", "sort")
PER_PAGE = 50


def _filtered(request: HttpRequest) -> SchoolFilter:
    return SchoolFilter(request.GET or None, queryset=selectors.schools_for(membership=request.membership), request=request)


def _kept_filters(filterset: SchoolFilter) -> dict | None:
    """The search, local authority, phase and status chosen, when nothing else filters the list (the default list,
    an LA officer's, one phase, a search) and PostgreSQL keeps what counts them; otherwise None."""
    if connection.vendor != "postgresql" or (filterset.is_bound and not filterset.is_valid()):
        return None
    chosen = filterset.form.cleaned_data if filterset.is_bound else {}
    if any(value for name, value in chosen.items() if name not in KEPT_COUNTS and name != "q"):
        return None
    return {name: chosen.get(name) or "" for name in ("q", "la", "phase", "status")}


def _kept_page(request: HttpRequest, schools: QuerySet, kept: dict) -> Page:
    """The page ?page= asks for, as `paginate` gives it, its rows read with the count of all (kept by PostgreSQL:
    `selectors.kept_school_total`) in one statement; a number past the last page is answered from the kept count."""
    membership, text = request.membership, kept.pop("q")

    def count() -> int:
        return (selectors.searched_school_count(membership=membership, text=text, **kept) if text.strip()
                else selectors.school_count(membership=membership, **kept))

    return counted_page(request, schools, per_page=PER_PAGE, count=count,
                        total=selectors.kept_school_total(membership=membership, text=text, **kept))


@require_http_methods(["GET", "HEAD"])
@capability_required("directory.view")
def schools(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    filterset = _filtered(request)
    kept = _kept_filters(filterset)
    if kept is None:
        page = paginate(request, filterset.qs.only(*SCHOOL_ROW_FIELDS), per_page=PER_PAGE)
    else:
        page = _kept_page(request, filterset.qs.only(*SCHOOL_ROW_FIELDS), kept)
    return render(request, "alliances/schools.html", {
        "filter": filterset, "page": page, "query": query_without_page(request),
        "can_manage": request.membership.can("directory.manage"),
    })


@require_http_methods(["GET", "HEAD"])
@capability_required("directory.view")
def schools_csv(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    return csv_response(f"schools-{request.partnership.slug}.csv", SCHOOL_HEADER, school_rows(_filtered(request).qs))


@require_http_methods(["GET", "HEAD"])
@capability_required("directory.view")
def school(request: HttpRequest, partnership_slug: str, urn: str) -> HttpResponse:
    found = selectors.school_detail(membership=request.membership, urn=urn)
    if found is None:
        raise Http404("No such school")
    return render(request, "alliances/school.html", {
        "school": found,
        "link": selectors.partnership_link(membership=request.membership, school=found),
        "links": selectors.school_links(school=found),
        "ofsted": selectors.ofsted_history(school=found),
        "can_manage": request.membership.can("directory.manage"),
        **selectors.school_context(membership=request.membership, school=found),
    })


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("directory.manage")
def add_school(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    """Find a school by URN to add it to the partnership; closed schools point to their successor."""
    form = FindSchoolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        found = form.cleaned_data["urn"]
        if not found.is_open and selectors.partnership_link(membership=request.membership, school=found) is None:
            successor = selectors.global_successor_of(school=found)
            closed = f"{found.name} is closed" + (f" (since {date_text(found.close_date)})" if found.close_date else "")
            form.add_error("urn", f"{closed}. Its successor is {successor.name}, URN {successor.urn}"
                           if successor else f"{closed}. Enter the URN of the school that replaced it")
        else:
            return redirect("alliances:school_partnership", partnership_slug=partnership_slug, urn=found.urn)
    return render(request, "alliances/add_school.html", {"form": form})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("directory.manage")
def school_partnership(request: HttpRequest, partnership_slug: str, urn: str) -> HttpResponse:
    found = selectors.school_detail(membership=request.membership, urn=urn)
    if found is None:
        raise Http404("No such school")
    link = selectors.partnership_link(membership=request.membership, school=found)
    initial = {"is_member": "yes" if link is None or link.is_member else "no"}
    if link:
        initial.update(member_from=link.member_from, member_to=link.member_to, notes=link.notes)
    form = PartnershipSchoolForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_partnership_school(actor=request.membership, school=found, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Saved {found.name}'s place in {request.partnership.name}.")
            return redirect("alliances:school", partnership_slug=partnership_slug, urn=found.urn)
    return render(request, "alliances/school_partnership.html", {"school": found, "form": form, "link": link})
