"""Round pages: the list, writing a draft round, its panel, publishing it, inviting people, and starting an application."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from alliances.selectors import active_specialisms
from leadership.models import Application, RecruitmentRound, RoundStatus
from leadership.recruitment import applications, rounds, selectors, talent
from leadership.recruitment.common import PHASE_FIELDS
from leadership.recruitment.forms import InviteForm, PanelForm, RoundForm
from portal.errors import DomainError
from portal.tenancy.models import Membership
from portal.ui.views import capability_required, found_or_404, show_error


def _round(request: HttpRequest, pk: int) -> RecruitmentRound:
    return found_or_404(selectors.rounds_for(membership=request.membership), pk)


def _back(slug: str, pk: int) -> HttpResponse:
    return redirect("leadership:round", partnership_slug=slug, pk=pk)


@require_http_methods(["GET", "HEAD"])
@capability_required("recruitment.view")
def rounds_list(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    member = request.membership
    found = list(selectors.rounds_for(membership=member).order_by("-opens_on", "pk")[:100])
    counts = selectors.sent_counts(request.partnership) if rounds.can_manage(member) else {}
    return render(request, "leadership/recruitment/rounds.html", {
        "rounds": [(r, counts.get(r.pk, 0)) for r in found], "can_manage": rounds.can_manage(member),
        "today": timezone.localdate()})


def _round_form(request: HttpRequest, round_: RecruitmentRound | None) -> HttpResponse:
    specialisms = list(active_specialisms(partnership=request.partnership))
    initial = {}
    if round_ is not None:
        initial = {"designation": round_.designation, "title": round_.title, "description": round_.description,
                   "opens_on": round_.opens_on, "closes_on": round_.closes_on,
                   "criteria": "\n".join(f"{c.title}: {c.guidance}" if c.guidance else c.title
                                         for c in selectors.criteria(round_.pk)),
                   "specialisms": [str(s.pk) for s in selectors.round_specialisms(round_.pk)],
                   "phases": round_.phase_keys()}
    form = RoundForm(request.POST if request.method == "POST" else None, initial=initial,
                     designations=request.partnership.designation_labels, specialisms=specialisms)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = [s for s in specialisms if str(s.pk) in data["specialisms"]]
        try:
            saved = rounds.save_round(actor=request.membership, round_=round_, designation=data["designation"],
                                      title=data["title"], description=data["description"], opens_on=data["opens_on"],
                                      closes_on=data["closes_on"], criteria=data["criteria"], specialisms=chosen,
                                      phases=[p for p in data["phases"] if p in PHASE_FIELDS])
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, f"{saved.title} is saved as a draft. Choose its panel, then publish it.")
            return _back(request.partnership.slug, saved.pk)
    return render(request, "leadership/recruitment/round_form.html", {"form": form, "round": round_})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("recruitment.manage")
def round_new(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    return _round_form(request, None)


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("recruitment.manage")
def round_edit(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _round(request, pk)
    if not rounds.can_edit_round(request.membership, found):
        messages.info(request, "This round is published, so its criteria and dates can no longer change.")
        return _back(partnership_slug, pk)
    return _round_form(request, found)


@require_http_methods(["GET", "HEAD"])
@capability_required("recruitment.view")
def round_detail(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found, member, today = _round(request, pk), request.membership, timezone.localdate()
    mine = Application.objects.filter(round=found, candidate=member.user).first()
    manage = rounds.can_manage(member)
    return render(request, "leadership/recruitment/round.html", {
        "round": found, "criteria": selectors.criteria(found.pk), "specialisms": selectors.round_specialisms(found.pk),
        "panel": selectors.panel(found.pk) if manage else [], "can_manage": manage,
        "can_edit": rounds.can_edit_round(member, found), "mine": mine,
        "apply_problem": "" if mine else applications.may_apply(member, found, today=today),
        "invitations": selectors.round_invitations(found.pk) if manage else [],
        "designation": request.partnership.designation_labels.get(found.designation, found.designation)})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("recruitment.manage")
def round_panel(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _round(request, pk)
    members = [m for m in Membership.objects.filter(partnership=request.partnership, is_active=True)
               .select_related("user").order_by("user__name", "pk") if m.can("recruitment.panel")]
    current = {p.user_id for p in selectors.panel(found.pk)}
    form = PanelForm(request.POST if request.method == "POST" else None, members=members,
                     initial={"members": [str(m.pk) for m in members if m.user_id in current]})
    if request.method == "POST" and form.is_valid():
        chosen = [m for m in members if str(m.pk) in form.cleaned_data["members"]]
        try:
            rounds.set_panel(actor=request.membership, round_=found, members=chosen)
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, f"The panel for {found.title} is saved.")
            return _back(partnership_slug, pk)
    return render(request, "leadership/recruitment/round_panel.html", {"form": form, "round": found})


@require_POST
@capability_required("recruitment.manage")
def round_publish(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _round(request, pk)
    try:
        rounds.publish_round(actor=request.membership, round_=found)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{found.title} is published: members can read it and apply.")
    return _back(partnership_slug, pk)


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("recruitment.manage")
def round_invite(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _round(request, pk)
    if found.status != RoundStatus.PUBLISHED:
        messages.info(request, "Publish the round before inviting people to apply.")
        return _back(partnership_slug, pk)
    form = InviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            talent.invite_to_round(actor=request.membership, round_=found, name=data["name"], email=data["email"],
                                   school=data["school"])
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, f"{data['name']} is invited to apply to {found.title}.")
            return _back(partnership_slug, pk)
    return render(request, "leadership/recruitment/round_invite.html", {"form": form, "round": found})


@require_POST
@capability_required("recruitment.apply")
def round_apply(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _round(request, pk)
    try:
        application = applications.start_application(actor=request.membership, round_=found,
                                                     today=timezone.localdate())
    except DomainError as error:
        messages.error(request, str(error))
        return _back(partnership_slug, pk)
    return redirect("leadership:application_edit", partnership_slug=partnership_slug, pk=application.pk)
