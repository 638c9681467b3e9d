"""System leaders, their own profiles, clusters, alliances and specialisms."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from alliances import selectors, services
from alliances.exports import CONTACT_HEADER, LEADER_HEADER, leader_rows
from alliances.filters import ClusterFilter, LeaderFilter
from alliances.forms import AllianceForm, ClusterForm, OwnProfileForm, SpecialismForm, SystemLeaderForm
from alliances.models import LEADER_PHASES, LocalAuthority, Specialism, SpecialismGroup
from portal.errors import DomainError
from portal.ui.confirm import Confirmation, confirm
from portal.ui.csv_export import csv_response
from portal.ui.paging import counted_page
from portal.ui.sections import sections_for
from portal.ui.views import capability_required, query_without_page


def _sees_contacts(request: HttpRequest) -> bool:
    """LA officers never see staff contact details."""
    return request.membership.can("contacts.view")


# System leaders ---------------------------------------------------------------------------------

def _leader_filter(request):
    return LeaderFilter(request.GET or None, queryset=selectors.leaders_for(membership=request.membership), request=request)


@require_http_methods(["GET", "HEAD"])
@capability_required("directory.view")
def leaders(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    # The list shows each leader's home school by name: only that is joined (not its local authority too), and
    # only the columns a row shows are read (alliances/templatetags/directory.py).
    filterset = LeaderFilter(request.GET or None, request=request, queryset=selectors.leaders_for(
        membership=request.membership).select_related(None).select_related("home_school").only(
        "name", "status", "designation", "review_due", "capacity_days_per_term", "home_school__name"))
    return render(request, "alliances/leaders.html", {
        "filter": filterset, "page": counted_page(request, filterset.qs, per_page=50),
        "query": query_without_page(request), "can_manage": request.membership.can("directory.manage"),
    })


@require_http_methods(["GET", "HEAD"])
@capability_required("directory.view")
def leaders_csv(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    contacts = _sees_contacts(request)
    rows = leader_rows(_leader_filter(request).qs, labels=request.partnership.designation_labels, contacts=contacts)
    header = LEADER_HEADER + (CONTACT_HEADER if contacts else [])
    return csv_response(f"system-leaders-{request.partnership.slug}.csv", header, rows)


def _leader(request, pk):
    leader = next(iter(selectors.leaders_for(membership=request.membership).filter(pk=pk).order_by()), None)
    if leader is None:
        raise Http404("No such system leader")
    return leader


@require_http_methods(["GET", "HEAD"])
@capability_required("directory.view")
def leader(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _leader(request, pk)
    return render(request, "alliances/leader.html", {
        "leader": found, "specialisms": selectors.leader_specialisms(leader=found),
        "history": selectors.designation_history(leader=found)[:20], "sees_contacts": _sees_contacts(request),
        "designation_label": request.partnership.designation_labels.get(found.designation, found.designation),
        "can_manage": request.membership.can("directory.manage"),
        # What other apps add for the steering group (the capacity ledger, from deployments).
        **sections_for("leader", membership=request.membership, leader=found),
    })


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("directory.manage")
def leader_edit(request: HttpRequest, partnership_slug: str, pk: int | None = None) -> HttpResponse:
    found = _leader(request, pk) if pk else None
    current = selectors.leader_specialisms(leader=found) if found else []
    initial = {}
    if found:
        initial = {field: getattr(found, field) for field in (
            "name", "email", "phone", "home_school", "designation", "designated_on", "review_due", "status",
            "capacity_days_per_term", "release_consent_by", "release_consent_on", "conflicts", "user")}
        initial.update(specialisms=current, phases=[f for f in LEADER_PHASES if getattr(found, f)])
    else:
        initial = {"status": "active", "capacity_days_per_term": 0}
    form = SystemLeaderForm(
        request.POST or None, initial=initial, partnership=request.partnership,
        specialisms=selectors.active_specialisms(partnership=request.partnership, include=current),
        linked_user=found.user if found else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_system_leader(
                actor=request.membership, leader=found, specialisms=list(form.cleaned_data["specialisms"]),
                **form.service_values(),
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Saved {saved.name}.")
            return redirect("alliances:leader", partnership_slug=partnership_slug, pk=saved.pk)
    return render(request, "alliances/leader_form.html", {"form": form, "leader": found})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("profile.edit_own")
def own_profile(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    found = selectors.own_leader_record(membership=request.membership)
    if found is None:
        return render(request, "alliances/own_profile.html", {"leader": None})
    current = selectors.leader_specialisms(leader=found)
    form = OwnProfileForm(
        request.POST or None,
        initial={"specialisms": current, "phases": [f for f in LEADER_PHASES if getattr(found, f)],
                 "capacity_days_per_term": found.capacity_days_per_term},
        specialisms=selectors.active_specialisms(partnership=request.partnership, include=current),
    )
    if request.method == "POST" and form.is_valid():
        phases = form.cleaned_data["phases"]
        try:
            services.update_own_profile(
                actor=request.membership, leader=found, specialisms=list(form.cleaned_data["specialisms"]),
                capacity_days_per_term=form.cleaned_data["capacity_days_per_term"],
                **{field: field in phases for field in LEADER_PHASES},
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Your profile is saved.")
            return redirect("alliances:own_profile", partnership_slug=partnership_slug)
    return render(request, "alliances/own_profile.html", {
        "leader": found, "form": form,
        "designation_label": request.partnership.designation_labels.get(found.designation, found.designation),
    })


# Clusters ---------------------------------------------------------------------------------------

def _cluster_filter(request):
    return ClusterFilter(request.GET or None, queryset=selectors.clusters_for(membership=request.membership), request=request)


@require_http_methods(["GET", "HEAD"])
@capability_required("directory.view")
def clusters(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    filterset = ClusterFilter(request.GET or None, queryset=selectors.listed_clusters(membership=request.membership),
                              request=request)
    return render(request, "alliances/clusters.html", {
        "filter": filterset, "page": counted_page(request, filterset.qs, per_page=50),
        "query": query_without_page(request), "can_manage": request.membership.can("directory.manage"),
    })


@require_http_methods(["GET", "HEAD"])
@capability_required("directory.view")
def clusters_csv(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    header = ["Name", "Kind", "Academic year", "Local authority", "Chair school", "Schools"]
    rows = (
        [c.name, c.get_kind_display(), c.academic_year, c.la.name if c.la else "",
         c.chair_school.name if c.chair_school else "", c.member_count]
        for c in _cluster_filter(request).qs.iterator(chunk_size=2000)
    )
    return csv_response(f"clusters-{request.partnership.slug}.csv", header, rows)


def _cluster(request, pk):
    # Unordered: one row by its key needs no ORDER BY, and Django hashes the annotations to build one.
    found = next(iter(selectors.clusters_for(membership=request.membership).filter(pk=pk).order_by()), None)
    if found is None:
        raise Http404("No such cluster")
    return found


@require_http_methods(["GET", "HEAD"])
@capability_required("directory.view")
def cluster(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _cluster(request, pk)
    return render(request, "alliances/cluster.html", {
        "cluster": found, "schools": selectors.cluster_schools(cluster=found, membership=request.membership),
        "can_manage": request.membership.can("directory.manage"),
        "sees_notes": request.membership.can("notes.view"),
    })


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("directory.manage")
def cluster_edit(request: HttpRequest, partnership_slug: str, pk: int | None = None) -> HttpResponse:
    found = _cluster(request, pk) if pk else None
    initial = {}
    if found:
        initial = {"name": found.name, "kind": found.kind, "academic_year": found.academic_year, "la": found.la,
                   "chair_school": found.chair_school, "notes": found.notes,
                   "schools": selectors.cluster_schools(cluster=found, membership=request.membership)}
    form = ClusterForm(request.POST or None, initial=initial, local_authorities=LocalAuthority.objects.all())
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        schools = data.pop("schools") or []
        try:
            saved = services.save_cluster(actor=request.membership, cluster=found, schools=schools, **data)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Saved {saved.name} ({saved.academic_year}).")
            return redirect("alliances:cluster", partnership_slug=partnership_slug, pk=saved.pk)
    return render(request, "alliances/cluster_form.html", {"form": form, "cluster": found})


# Alliances --------------------------------------------------------------------------------------

@require_http_methods(["GET", "HEAD"])
@capability_required("directory.view")
def alliances(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    return render(request, "alliances/alliances.html", {
        "alliances": selectors.alliances_for(membership=request.membership),
        "can_manage": request.membership.can("directory.manage"),
    })


@require_http_methods(["GET", "HEAD"])
@capability_required("directory.view")
def alliance(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = get_object_or_404(selectors.alliances_for(membership=request.membership), pk=pk)
    return render(request, "alliances/alliance.html", {
        "alliance": found, "schools": selectors.alliance_schools(alliance=found, membership=request.membership),
        "can_manage": request.membership.can("directory.manage"),
    })


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("directory.manage")
def alliance_edit(request: HttpRequest, partnership_slug: str, pk: int | None = None) -> HttpResponse:
    found = get_object_or_404(selectors.alliances_for(membership=request.membership), pk=pk) if pk else None
    initial = {}
    if found:
        initial = {"name": found.name, "description": found.description,
                   **selectors.alliance_schools(alliance=found, membership=request.membership)}
    form = AllianceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.save_alliance(
                actor=request.membership, alliance=found, name=data["name"], description=data["description"],
                schools={role: data[role] or [] for role in ("lead", "member", "strategic_partner")},
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Saved {saved.name}.")
            return redirect("alliances:alliance", partnership_slug=partnership_slug, pk=saved.pk)
    return render(request, "alliances/alliance_form.html", {"form": form, "alliance": found})


# Specialisms ------------------------------------------------------------------------------------

@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("directory.manage")
def specialisms(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    form = SpecialismForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            added = services.add_specialism(actor=request.membership, **form.cleaned_data)
        except DomainError as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, f"Added {added.name}.")
            return redirect("alliances:specialisms", partnership_slug=partnership_slug)
    groups = {value: {"label": label, "items": []} for value, label in SpecialismGroup.choices}
    for item in Specialism.objects.filter(partnership=request.partnership).order_by("name"):
        groups[item.group]["items"].append(item)
    return render(request, "alliances/specialisms.html", {"form": form, "groups": groups.values()})


@require_POST
@capability_required("directory.manage")
def specialism_action(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    item = get_object_or_404(Specialism.objects.filter(partnership=request.partnership), pk=pk)
    action = request.POST.get("action")
    try:
        if action == "retire":
            services.set_specialism_retired(actor=request.membership, specialism=item, retired=True)
            messages.success(request, f"Retired {item.name}. It stays on existing profiles but cannot be chosen again.")
        elif action == "reinstate":
            services.set_specialism_retired(actor=request.membership, specialism=item, retired=False)
            messages.success(request, f"Reinstated {item.name}.")
        elif action == "delete":  # deleting has its own confirmation page
            return redirect("alliances:specialism_delete", partnership_slug=partnership_slug, pk=pk)
        else:
            messages.error(request, "Choose retire, reinstate or delete.")
    except DomainError as error:
        messages.error(request, str(error))
    return redirect("alliances:specialisms", partnership_slug=partnership_slug)


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("directory.manage")
def specialism_delete(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    """Confirm, then delete a specialism nobody uses (the service refuses one in use: retire it instead)."""
    item = get_object_or_404(Specialism.objects.filter(partnership=request.partnership), pk=pk)
    back = reverse("alliances:specialisms", kwargs={"partnership_slug": partnership_slug})
    confirmation = Confirmation(
        title=f"Delete the specialism {item.name}?", caption="Specialisms",
        happens=[f"{item.name} is deleted: nobody can choose it for a profile or a request again.",
                 "A specialism on any system leader's profile cannot be deleted; retire it instead."],
        told=[], button="Delete specialism", cancel_url=back)
    return confirm(request, confirmation, done_url=back, done_message=f"Deleted {item.name}.",
                   act=lambda data: services.delete_specialism(actor=request.membership, specialism=item))
