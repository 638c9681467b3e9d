"""The headteacher's question flow for a support request, and the pages that show requests."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from alliances.selectors import active_specialisms
from deployments import processes
from deployments.brokerage.offers import can_offer
from deployments.brokerage.proposals import can_propose
from deployments.filters import RequestFilter
from deployments.requests import selectors, services
from deployments.requests.forms import (
    ChooseSchoolForm,
    ContextForm,
    FundingForm,
    NeedsForm,
    TimingForm,
    TriageForm,
    WithdrawForm,
)
from portal.errors import DomainError
from portal.ui.confirm import Confirmation, confirm
from portal.ui.filtering import listing
from portal.ui.views import capability_required

STEPS = ["needs", "context", "timing", "funding"]
TITLES = {"needs": "What do you need support with?", "context": "What is going on?",
          "timing": "When and how much support?", "funding": "Paying for the support and sharing the request"}


def _request(request: HttpRequest, pk: int):
    found = selectors.request_in_view(membership=request.membership, pk=pk)
    if found is None:
        raise Http404("No such request")
    return found


@require_http_methods(["GET", "HEAD"])
@capability_required("requests.view")
def requests_list(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    filterset = RequestFilter(request.GET, queryset=selectors.requests_listed(membership=request.membership),
                              request=request)
    return render(request, "deployments/requests.html", {**listing(request, filterset),
                                                         "can_create": request.membership.can("requests.create")})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("requests.create")
def request_new(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    schools = request.membership.schools.order_by("name")
    form = ChooseSchoolForm(request.POST or None, schools=schools,
                            initial={"school": schools.first()} if schools.count() == 1 else {})
    if request.method == "POST" and form.is_valid():
        try:
            draft = services.start_request(actor=request.membership, school=form.cleaned_data["school"])
        except DomainError as error:
            form.add_error("school", str(error))
        else:
            return redirect("deployments:request_needs", partnership_slug=partnership_slug, pk=draft.pk)
    return render(request, "deployments/request_new.html", {"form": form, "has_schools": schools.exists()})


def _step(request: HttpRequest, partnership_slug: str, pk: int, step: str) -> HttpResponse:
    found = _request(request, pk)
    if not services.is_draft(found):
        messages.info(request, "This request has been sent, so its answers can no longer be changed.")
        return redirect("deployments:request", partnership_slug=partnership_slug, pk=pk)
    data = request.POST if request.method == "POST" else None
    if step == "needs":
        current = selectors.request_needs(request=found)
        form = NeedsForm(data, initial={"needs": current},
                         specialisms=active_specialisms(partnership=request.partnership, include=current))
    elif step == "context":
        form = ContextForm(data, initial={"context": found.context, "success": found.success})
    elif step == "timing":
        form = TimingForm(data, initial={"urgency": found.urgency, "days_wanted": found.days_wanted,
                                         "preferred_start": found.preferred_start, "preferred_end": found.preferred_end})
    else:
        form = FundingForm(data, entitlements=selectors.funding_choices(request=found), initial={
            "funding_route": found.funding_route, "entitlement": found.entitlement_id,
            "payg_beyond_balance": found.payg_beyond_balance, "consent_to_share": found.consent_to_share})
    if data is not None and form.is_valid():
        values = dict(form.cleaned_data)
        try:
            if step == "timing":
                services.start_date_value(values["preferred_start"])
            services.update_draft(actor=request.membership, request=found,
                                  needs=list(values.pop("needs")) if step == "needs" else None, **values)
        except DomainError as error:
            form.add_error(error.field or ("preferred_start" if step == "timing" else None), str(error))
        else:
            if request.GET.get("change") or step == STEPS[-1]:
                return redirect("deployments:request_check", partnership_slug=partnership_slug, pk=pk)
            return redirect(f"deployments:request_{STEPS[STEPS.index(step) + 1]}", partnership_slug=partnership_slug, pk=pk)
    back = "deployments:request_new" if step == STEPS[0] else f"deployments:request_{STEPS[STEPS.index(step) - 1]}"
    return render(request, f"deployments/step_{step}.html", {
        "form": form, "req": found, "title": TITLES[step], "step_number": STEPS.index(step) + 1,
        "step_count": len(STEPS), "back": back,
    })


def _step_view(step: str):
    @require_http_methods(["GET", "HEAD", "POST"])
    @capability_required("requests.create")
    def view(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
        return _step(request, partnership_slug, pk, step)

    view.__name__ = f"request_{step}"
    return view


request_needs = _step_view("needs")
request_context = _step_view("context")
request_timing = _step_view("timing")
request_funding = _step_view("funding")


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("requests.create")
def request_check(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _request(request, pk)
    if not services.is_draft(found):
        return redirect("deployments:request", partnership_slug=partnership_slug, pk=pk)
    missing = services.missing_answers(found)
    if request.method == "POST":
        try:
            services.submit_request(actor=request.membership, request=found)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            return redirect("deployments:request", partnership_slug=partnership_slug, pk=pk)
    return render(request, "deployments/request_check.html", {
        "req": found, "needs": selectors.request_needs(request=found), "missing": missing,
        "can_delete": services.can_delete_draft(request.membership, found),
    })


@require_http_methods(["GET", "HEAD"])
@capability_required("requests.view")
def request_detail(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    membership = request.membership
    sees_offers = membership.can("brokerage.view")
    found = selectors.request_page(membership=membership, pk=pk, offers=sees_offers)
    if found is None:
        raise Http404("No such request")
    is_head = membership.can("requests.create")
    deployments = selectors.page_deployments(request=found)
    offers = selectors.page_offers(request=found) if sees_offers else []
    # The timeline is told the deployments and offers read above: their keys go into its statement.
    timeline = selectors.request_history(request=found, deployments=deployments, offers=offers if sees_offers else None)
    return render(request, "deployments/request.html", {
        "req": found, "needs": selectors.page_needs(request=found), "timeline": timeline,
        "can_withdraw": processes.can_withdraw_request(membership, found, deployments),
        "can_delete": services.can_delete_draft(membership, found), "is_head": is_head, "show_actors": not is_head, "offers": offers, "deployments": deployments,
        "can_triage": services.can_triage(membership, found),
        "can_offer": can_offer(membership, found),
        "can_propose": can_propose(membership, found, deployments),
    })


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("requests.triage")
def request_triage(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _request(request, pk)
    if not services.can_triage(request.membership, found):
        messages.info(request, "This request has already been triaged or withdrawn.")
        return redirect("deployments:request", partnership_slug=partnership_slug, pk=pk)
    form = TriageForm(request.POST or None, partnership=request.partnership)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.triage_request(actor=request.membership, request=found, eligible=data["decision"] == "yes",
                                    note=data["note"], support_level=data["support_level"],
                                    assigned_broker=data["assigned_broker"])
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Request {found.reference} is {found.get_status_display().lower()}. "
                                      f"The headteacher has been told.")
            return redirect("deployments:request", partnership_slug=partnership_slug, pk=pk)
    return render(request, "deployments/request_triage.html", {
        "req": found, "form": form, "needs": selectors.request_needs(request=found),
    })


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("requests.create")
def request_withdraw(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    """Confirm, then withdraw: says what happens to its offers and deployment and who is told."""
    found = _request(request, pk)
    back = reverse("deployments:request", kwargs={"partnership_slug": partnership_slug, "pk": pk})
    deployments = list(selectors.request_deployments(request=found))
    if services.is_draft(found) or not processes.can_withdraw_request(request.membership, found, deployments):
        messages.info(request, "This request cannot be withdrawn now." if not services.is_draft(found)
                      else "This is a draft: nobody else has seen it. Delete it instead.")
        return redirect(back)
    effects = processes.withdrawal_effects(found, deployments)
    told = ["The partnership's brokers, in the app and by email."]
    if len(effects) > 1:
        told.append("Each system leader offered this request, and the leader of a cancelled deployment.")
    confirmation = Confirmation(
        title=f"Withdraw request {found.reference}?", caption=found.school.name, happens=effects, told=told,
        button="Withdraw request", cancel_url=back, form=WithdrawForm(request.POST or None),
        warning="You cannot undo this. To ask for support again, start a new request.")
    return confirm(request, confirmation, done_url=back, done_message=f"Request {found.reference} is withdrawn.",
                   act=lambda data: processes.withdraw_request(actor=request.membership, request=found,
                                                               reason=data["reason"]))


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("requests.create")
def request_delete(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    """Confirm, then delete a draft its author no longer wants."""
    found = _request(request, pk)
    if not services.can_delete_draft(request.membership, found):
        messages.info(request, "Only the headteacher who started a draft can delete it, and only before it is sent.")
        return redirect("deployments:request", partnership_slug=partnership_slug, pk=pk)
    confirmation = Confirmation(
        title=f"Delete draft request {found.reference}?", caption=found.school.name,
        happens=["The draft and every answer in it are deleted.", "Nothing was sent, so the steering group never sees it."],
        told=[], button="Delete draft", cancel_url=reverse("deployments:request_check",
                                                           kwargs={"partnership_slug": partnership_slug, "pk": pk}))
    return confirm(request, confirmation, done_url=reverse("deployments:requests", kwargs={"partnership_slug": partnership_slug}),
                   done_message=f"Draft request {found.reference} is deleted.",
                   act=lambda data: services.delete_draft(actor=request.membership, request=found))
