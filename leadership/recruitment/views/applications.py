"""Application pages: the list, a draft's answers, checking and sending, the application itself, withdrawing, and the
headteacher's endorsement with release consent."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from alliances.selectors import active_specialisms
from leadership.models import Application, ApplicationStatus
from leadership.recruitment import applications, panel, selectors
from leadership.recruitment.common import PHASE_FIELDS
from leadership.recruitment.forms import ApplicationForm, EndorseForm
from portal.errors import DomainError
from portal.ui.confirm import Confirmation, confirm
from portal.ui.fields import NoteForm
from portal.ui.views import capability_required, found_or_404, show_error


def application_for(request: HttpRequest, pk: int) -> Application:
    return found_or_404(selectors.applications_for(membership=request.membership), pk)


def _url(found: Application) -> str:
    return reverse("leadership:application", kwargs={"partnership_slug": found.partnership.slug, "pk": found.pk})


def back(slug: str, pk: int) -> HttpResponse:
    return redirect("leadership:application", partnership_slug=slug, pk=pk)


@require_http_methods(["GET", "HEAD"])
@capability_required("applications.view")
def applications_list(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    rows = list(selectors.applications_for(membership=request.membership).order_by("-created_at", "-pk")[:200])
    return render(request, "leadership/recruitment/applications.html", {"applications": rows})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("recruitment.apply")
def application_edit(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = application_for(request, pk)
    if not applications.can_edit(request.membership, found):
        messages.info(request, "This application has been sent, so its answers can no longer change.")
        return back(partnership_slug, pk)
    criteria = selectors.criteria(found.round_id)
    chosen = selectors.application_specialisms(found)
    specialisms = list(active_specialisms(partnership=request.partnership, include=chosen))
    evidence = selectors.evidence_by_criterion(found)
    initial = {"role_title": found.role_title, "school": found.school, "phases": found.phase_keys(),
               "specialisms": [str(s.pk) for s in chosen],
               **{f"evidence_{c.pk}": evidence.get(c.pk, "") for c in criteria}}
    form = ApplicationForm(request.POST if request.method == "POST" else None, initial=initial,
                           specialisms=specialisms, criteria=criteria)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            applications.save_answers(
                actor=request.membership, application=found, role_title=data["role_title"], school=data["school"],
                specialisms=[s for s in specialisms if str(s.pk) in data["specialisms"]],
                phases=[p for p in data["phases"] if p in PHASE_FIELDS], evidence=form.evidence())
        except DomainError as error:
            show_error(form, error)
        else:
            if "save" in request.POST:
                messages.success(request, "Your answers are saved. Come back to finish them before the round closes.")
                return back(partnership_slug, pk)
            return redirect("leadership:application_check", partnership_slug=partnership_slug, pk=pk)
    return render(request, "leadership/recruitment/application_edit.html", {"form": form, "application": found})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("recruitment.apply")
def application_check(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = application_for(request, pk)
    if not applications.can_edit(request.membership, found):
        messages.info(request, "This application has already been sent.")
        return back(partnership_slug, pk)
    form = NoteForm(request.POST if request.method == "POST" else None, label="Anything else for the panel (optional)",
                    required=False)
    if request.method == "POST" and form.is_valid():
        try:
            applications.submit_application(actor=request.membership, application=found, today=timezone.localdate())
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, "Your application is sent. Your headteacher has been asked to endorse it; you "
                             "will hear the panel's decision in the app and by email.")
            return back(partnership_slug, pk)
    return render(request, "leadership/recruitment/application_check.html", {
        "application": found, "form": form, "missing": applications.missing_answers(found),
        **_answers(found)})


def _answers(found: Application) -> dict:
    evidence = selectors.evidence_by_criterion(found)
    return {"answers": [(c, evidence.get(c.pk, "")) for c in selectors.criteria(found.round_id)],
            "specialisms": selectors.application_specialisms(found)}


@require_http_methods(["GET", "HEAD"])
@capability_required("applications.view")
def application_detail(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found, member = application_for(request, pk), request.membership
    context = {"application": found, **_answers(found), "is_candidate": applications.is_candidate(member, found),
               "can_edit": applications.can_edit(member, found),
               "can_endorse": applications.can_endorse(member, found),
               "can_withdraw": applications.is_candidate(member, found) and found.status in (
                   ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED)}
    if not context["is_candidate"] and (member.can("recruitment.panel") or member.can("recruitment.manage")):
        context.update(panel_context(member, found))
    return render(request, "leadership/recruitment/application.html", context)


def panel_context(member, found: Application) -> dict:
    """What the panel part of the page shows this member: progress, their own scores, and everyone's once all are in."""
    state = panel.progress(found, member.user)
    all_scores = panel.can_see_all_scores(member, found, state)
    return {"panel_state": state, "sees_panel": True,
            "can_score": panel.can_score(member, found, state), "can_decide": panel.can_decide(member, found, state),
            "can_confirm": panel.can_confirm(member, found), "all_scores": panel.panel_scores(found) if all_scores else [],
            "own_scores": list(panel.own_scores(found, member.user).values()) if not all_scores else [],
            "sees_rationale": True}


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("recruitment.apply")
def application_withdraw(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = application_for(request, pk)
    if not (applications.is_candidate(request.membership, found)
            and found.status in (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED)):
        messages.info(request, "Only your own application, before your headteacher endorses it, can be withdrawn.")
        return back(partnership_slug, pk)
    form = NoteForm(request.POST if request.method == "POST" else None, label="Why are you withdrawing? (optional)",
                    required=False)
    return confirm(request, Confirmation(
        title=f"Withdraw application {found.reference}?", caption=found.round.title,
        happens=["Your application will not go to your headteacher or the panel."], told=[], button="Withdraw it",
        cancel_url=_url(found), form=form),
        act=lambda data: applications.withdraw_application(actor=request.membership, application=found,
                                                           reason=data.get("note", "")),
        done_url=_url(found), done_message="Your application is withdrawn.")


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("recruitment.endorse")
def application_endorse(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = application_for(request, pk)
    if not applications.can_endorse(request.membership, found):
        messages.info(request, "This application is not waiting for your endorsement.")
        return back(partnership_slug, pk)
    form = EndorseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            applications.endorse_application(actor=request.membership, application=found,
                                             endorse=data["decision"] == "yes", statement=data["statement"],
                                             release_consent=data["release_consent"])
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, "Thank you. The application has gone to the panel with your endorsement and "
                             "consent." if data["decision"] == "yes" else
                             "The candidate has been told you do not endorse their application.")
            return back(partnership_slug, pk)
    return render(request, "leadership/recruitment/application_endorse.html", {
        "application": found, "form": form, **_answers(found)})
