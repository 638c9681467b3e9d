"""Subject access and erasure pages: platform operators at /platform/privacy/, a partnership's admins at
/p/<slug>/privacy/ (its own members only)."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from portal.accounts.models import User
from portal.privacy import erasure, export, selectors
from portal.privacy.forms import FindPersonForm
from portal.privacy.pseudonyms import is_erased
from portal.privacy.registry import personal_data
from portal.tenancy import selectors as tenancy_selectors
from portal.ui.confirm import Confirmation, confirm
from portal.ui.views import capability_required


def operator_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied("Only platform operators can open this page.")
        return view(request, *args, **kwargs)

    return wrapper


def _download(made: export.Export) -> HttpResponse:
    response = HttpResponse(made.zip_bytes(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{made.filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _tables(*, platform: bool) -> list[str]:
    titles = ["account"] + (["email_addresses", "two_factor_methods"] if platform else []) + ["schools_led"]
    for declaration in personal_data():
        if declaration.title and declaration.title not in titles and (platform or not declaration.global_rows):
            titles.append(declaration.title)
    return titles + ["audit_events"]


def _search(request: HttpRequest, find) -> dict:
    form = FindPersonForm(request.GET if "q" in request.GET else None)
    found = list(find(form.cleaned_data["q"])) if form.is_bound and form.is_valid() else None
    return {"form": form, "found": found}


@operator_required
@require_http_methods(["GET", "HEAD"])
def search(request: HttpRequest) -> HttpResponse:
    context = _search(request, lambda query: selectors.global_find_people(query=query))
    return render(request, "privacy/search.html", {**context, "platform": True})


@operator_required
@require_http_methods(["GET", "HEAD", "POST"])
def person(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the person and what a download holds; POST: the download (everything, from every partnership)."""
    someone = get_object_or_404(User, pk=pk)
    if request.method == "POST":
        return _download(export.global_export_person(actor=request.user, person=someone))
    return render(request, "privacy/person.html", {
        "person": someone, "platform": True, "erased": is_erased(someone), "tables": _tables(platform=True),
        "memberships": list(selectors.global_memberships_of(person=someone)),
    })


@operator_required
@require_http_methods(["GET", "HEAD", "POST"])
def erase(request: HttpRequest, pk: int) -> HttpResponse:
    someone = get_object_or_404(User, pk=pk)
    done: list[erasure.Erasure] = []
    confirmation = Confirmation(
        title=f"Erase the personal data of {someone}?", caption=someone.email,
        happens=[
            "Their name and email address are replaced by a pseudonym (such as \u201cErased person 7F3A\u201d) in every "
            "partnership, in the texts people wrote about them and in the audit log.",
            "Their phone number and other contact details are removed.",
            "Their account is closed: they cannot sign in again, every session ends and their memberships end.",
            "Messages not yet sent to them are not sent.",
            "The records stay (requests, deployments, visits, reviews and their dates), so the partnerships' "
            "figures do not change.",
        ],
        told=[], button="Erase their personal data",
        cancel_url=reverse("privacy:person", kwargs={"pk": someone.pk}),
        warning="You cannot undo this. Download their data first if they asked for a copy.",
    )
    return confirm(request, confirmation,
                   act=lambda data: done.append(erasure.global_erase_person(actor=request.user, person=someone)),
                   done_url=reverse("privacy:search"),
                   done_message=lambda: f"Their personal data was erased. They are now {done[0].pseudonym}.")


@require_http_methods(["GET", "HEAD"])
@capability_required("members.manage")
def members(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    context = _search(request, lambda query: selectors.find_members(partnership=request.partnership, query=query))
    return render(request, "privacy/search.html", {**context, "platform": False})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("members.manage")
def member(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    """GET: the member and what a download holds; POST: the download (this partnership's data only)."""
    membership = get_object_or_404(tenancy_selectors.members(partnership=request.partnership), pk=pk)
    if request.method == "POST":
        return _download(export.export_member(actor=request.membership, membership=membership))
    return render(request, "privacy/person.html", {
        "person": membership.user, "platform": False, "erased": is_erased(membership.user),
        "tables": _tables(platform=False), "memberships": [membership],
    })
