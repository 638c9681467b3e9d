"""Panel pages: a member's own scores, the decision (proposed and confirmed with four-eyes), and sending a proposal
back. Candidates never reach these: the capability is the steering group's, and the guards name the round's panel."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from leadership.recruitment import panel, selectors
from leadership.recruitment.forms import DecisionForm, ScoreForm
from leadership.recruitment.views.applications import application_for, back
from portal.errors import DomainError
from portal.ui.confirm import Confirmation, confirm
from portal.ui.fields import NoteForm
from portal.ui.views import capability_required, show_error


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("recruitment.panel")
def application_score(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found, member = application_for(request, pk), request.membership
    state = panel.progress(found, member.user)
    if not panel.can_score(member, found, state):
        messages.info(request, "This application is not waiting for your scores.")
        return back(partnership_slug, pk)
    criteria = selectors.criteria(found.round_id)
    own = panel.own_scores(found, member.user)
    initial = {key: value for c in criteria if c.pk in own
               for key, value in ((f"score_{c.pk}", str(own[c.pk].score)), (f"comment_{c.pk}", own[c.pk].comment))}
    form = ScoreForm(request.POST if request.method == "POST" else None, criteria=criteria, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            panel.save_scores(actor=member, application=found, scores=form.scores())
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, "Your scores are saved. The panel's scores show once every member has scored.")
            return back(partnership_slug, pk)
    evidence = selectors.evidence_by_criterion(found)
    return render(request, "leadership/recruitment/application_score.html", {
        "application": found, "form": form, "evidence": evidence, "state": state,
        "rows": [(c, evidence.get(c.pk, ""), score, comment) for c, score, comment in form.pairs()]})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("recruitment.panel")
def application_decide(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found, member = application_for(request, pk), request.membership
    if not panel.can_decide(member, found, panel.progress(found, member.user)):
        messages.info(request, "This application is not ready for the panel's decision: every member scores it first.")
        return back(partnership_slug, pk)
    form = DecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            panel.decide(actor=member, application=found, outcome=data["outcome"], rationale=data["rationale"],
                         feedback=data["feedback"], today=timezone.localdate())
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, "The decision is proposed: a second panel member confirms it."
                             if request.partnership.panel_four_eyes else
                             "The decision is made and the candidate has been told.")
            return back(partnership_slug, pk)
    return render(request, "leadership/recruitment/application_decide.html", {
        "application": found, "form": form, "scores": panel.panel_scores(found)})


@require_POST
@capability_required("recruitment.panel")
def application_confirm(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = application_for(request, pk)
    try:
        panel.confirm_decision(actor=request.membership, application=found, today=timezone.localdate())
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "The decision is confirmed and the candidate has been told.")
    return back(partnership_slug, pk)


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("recruitment.panel")
def application_send_back(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = application_for(request, pk)
    if not panel.can_confirm(request.membership, found):
        messages.info(request, "There is no proposed decision for you to send back.")
        return back(partnership_slug, pk)
    url = reverse("leadership:application", kwargs={"partnership_slug": partnership_slug, "pk": pk})
    form = NoteForm(request.POST if request.method == "POST" else None, label="Why do you not agree?", required=True)
    return confirm(request, Confirmation(
        title=f"Send the proposed decision on {found.reference} back?", caption=found.name,
        happens=["The proposal is dropped and the panel decides again."], told=[], button="Send it back",
        cancel_url=url, form=form, warning=""),
        act=lambda data: panel.send_back(actor=request.membership, application=found, reason=data["note"]),
        done_url=url, done_message="The proposal is sent back to the panel.")
