"""The talent pool (nominating and inviting), the induction checklist (the partnership's steps and each leader's
ticks) and withdrawing release consent."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from alliances.models import SystemLeader
from alliances.selectors import active_specialisms
from leadership.models import InductionItem, RoundStatus
from leadership.recruitment import consent, induction, selectors, talent
from leadership.recruitment.common import PHASE_FIELDS
from leadership.recruitment.forms import InductionItemForm, NominationForm, TalentFilter, TalentInviteForm
from portal.errors import DomainError
from portal.ui.confirm import Confirmation, confirm
from portal.ui.fields import NoteForm
from portal.ui.views import capability_required, found_or_404, show_error


@require_http_methods(["GET", "HEAD"])
@capability_required("talent.view")
def talent_pool(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    specialisms = list(active_specialisms(partnership=request.partnership))
    filters = TalentFilter(request.GET or None, specialisms=specialisms)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    phase = chosen.get("phase") if chosen.get("phase") in PHASE_FIELDS else ""
    rows = list(selectors.nominations(membership=request.membership, specialism=int(chosen["specialism"])
                                      if chosen.get("specialism") else None, phase=phase)[:200])
    names, invited = selectors.nomination_specialisms(rows), selectors.nomination_invitations(rows)
    return render(request, "leadership/recruitment/talent.html", {
        "filters": filters, "nominations": [(n, names.get(n.pk, []), invited.get(n.pk, [])) for n in rows],
        "can_invite": request.membership.can("recruitment.manage")})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("talent.nominate")
def nominate(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    schools = list(request.membership.schools.order_by("name"))
    specialisms = list(active_specialisms(partnership=request.partnership))
    form = NominationForm(request.POST if request.method == "POST" else None, schools=schools, specialisms=specialisms)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            talent.nominate(actor=request.membership, name=data["name"], email=data["email"],
                            role_title=data["role_title"], school=next(s for s in schools if s.urn == data["school"]),
                            specialisms=[s for s in specialisms if str(s.pk) in data["specialisms"]],
                            phases=[p for p in data["phases"] if p in PHASE_FIELDS], why=data["why"])
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, f"{data['name']} is in the partnership's talent pool. The steering group may "
                             "invite them to a recruitment round or a programme.")
            return redirect("tenant:home", partnership_slug=partnership_slug)
    return render(request, "leadership/recruitment/nominate.html", {"form": form, "schools": schools})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("recruitment.manage")
def talent_invite(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    nomination = found_or_404(selectors.nominations(membership=request.membership), pk)
    rounds = list(selectors.rounds_for(membership=request.membership).filter(status=RoundStatus.PUBLISHED))
    form = TalentInviteForm(request.POST if request.method == "POST" else None, rounds=rounds)
    if request.method == "POST" and form.is_valid():
        round_ = next(r for r in rounds if str(r.pk) == form.cleaned_data["round"])
        try:
            talent.invite_to_round(actor=request.membership, round_=round_, name=nomination.name,
                                   email=nomination.email, school=nomination.school, nomination=nomination)
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, f"{nomination.name} is invited to apply to {round_.title}.")
            return redirect("leadership:talent", partnership_slug=partnership_slug)
    return render(request, "leadership/recruitment/talent_invite.html", {"form": form, "nomination": nomination,
                                                                          "rounds": rounds})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("recruitment.manage")
def induction_items(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    services = induction.programme_places(request.partnership)
    programmes = induction.programmes_to_name(request.partnership)
    form = InductionItemForm(request.POST if request.method == "POST" else None, services=services,
                             programmes=programmes)
    if request.method == "POST" and "retire" in request.POST:
        retire = str(request.POST.get("retire"))
        item = found_or_404(InductionItem.objects.filter(partnership=request.partnership, is_active=True),
                            retire if retire.isascii() and retire.isdigit() else 0)
        induction.retire_item(actor=request.membership, item=item)
        messages.success(request, f"\u201c{item.title}\u201d is off the checklist.")
        return redirect("leadership:induction", partnership_slug=partnership_slug)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            induction.add_item(actor=request.membership, title=data["title"], description=data["description"],
                               service=next((s for s in services if str(s.pk) == data["service"]), None),
                               programme=next((p for p in programmes if str(p.pk) == data["programme"]), None))
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, f"\u201c{data['title']}\u201d is on the induction checklist.")
            return redirect("leadership:induction", partnership_slug=partnership_slug)
    return render(request, "leadership/recruitment/induction.html", {
        "form": form, "items": selectors.induction_items(request.partnership)})


def _leader(request: HttpRequest, pk: int) -> SystemLeader:
    """The leader whose checklist the member may see: any for the steering group and admins, their own for a leader."""
    leaders = SystemLeader.objects.filter(partnership=request.partnership).select_related("home_school")
    if not request.membership.can("talent.view"):
        leaders = leaders.filter(user=request.user)
    return found_or_404(leaders, pk)


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("induction.view")
def leader_induction(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    leader = _leader(request, pk)
    if request.method == "POST":
        item_id = str(request.POST.get("item", ""))
        item = InductionItem.objects.filter(partnership=request.partnership, pk=int(item_id)).first() \
            if item_id.isascii() and item_id.isdigit() and len(item_id) < 19 else None
        try:
            if item is None:
                raise DomainError("Choose a step of the checklist.")
            induction.tick_item(actor=request.membership, leader=leader, item=item, done=request.POST.get("done") == "yes")
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"\u201c{item.title}\u201d is {'ticked off' if request.POST.get('done') == 'yes' else 'no longer ticked'}.")
        return redirect("leadership:leader_induction", partnership_slug=partnership_slug, pk=pk)
    steps = induction.checklist(leader)
    return render(request, "leadership/recruitment/leader_induction.html", {
        "leader": leader, "steps": steps, "done": sum(step.done for step in steps),
        "can_tick": induction.can_tick(request.membership)})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("recruitment.endorse")
def consent_withdraw(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    leader = found_or_404(SystemLeader.objects.filter(partnership=request.partnership,
                                                      home_school__in=request.membership.schools.values("pk"))
                          .select_related("home_school"), pk)
    home = reverse("tenant:home", kwargs={"partnership_slug": partnership_slug})
    if not consent.can_withdraw_consent(request.membership, leader):
        messages.info(request, f"{leader.name} has no release consent to withdraw.")
        return redirect(home)
    form = NoteForm(request.POST if request.method == "POST" else None, label="Why are you withdrawing consent?",
                    required=True, help_text="The steering group reads this")
    return confirm(request, Confirmation(
        title=f"Withdraw release consent for {leader.name}?", caption=leader.home_school.name,
        happens=[f"{leader.name} will not be matched to new requests for support until consent is given again.",
                 "Deployments already agreed carry on."],
        told=["The steering group, in the app and by email, with your reason."], button="Withdraw consent",
        cancel_url=home, form=form, warning=""),
        act=lambda data: consent.withdraw_consent(actor=request.membership, leader=leader, reason=data["note"]),
        done_url=home, done_message=f"Release consent for {leader.name} is withdrawn. The steering group has been told.")


@require_POST
@capability_required("recruitment.endorse")
def consent_give(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    leader = found_or_404(SystemLeader.objects.filter(partnership=request.partnership,
                                                      home_school__in=request.membership.schools.values("pk"))
                          .select_related("home_school"), pk)
    try:
        consent.give_consent(actor=request.membership, leader=leader, today=timezone.localdate())
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Release consent for {leader.name} is given. The steering group has been told.")
    return redirect("tenant:home", partnership_slug=partnership_slug)
