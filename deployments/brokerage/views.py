"""Matching, offers and proposals: thin views over `brokerage` (and `processes` for accepting)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from alliances.selectors import active_specialisms, is_member_school
from deployments import processes
from deployments.brokerage import offers, proposals, selectors
from deployments.brokerage.forms import CandidateFilterForm, DeclineOfferForm, OfferForm, ProposalForm
from deployments.brokerage.matching import ranking_for_request
from deployments.delivery.capacity import current_ledger
from deployments.filters import OfferFilter
from deployments.models import Funder, OfferStatus, RateKind
from deployments.requests.selectors import funding_choices, request_needs
from deployments.visibility import offers_for, requests_for
from portal.days import days_phrase
from portal.errors import DomainError
from portal.ui.confirm import Confirmation, confirm
from portal.ui.fields import NoteForm
from portal.ui.paging import counted_page_beside
from portal.ui.views import capability_required, found_or_404, query_without_page


def _request(request: HttpRequest, pk: int):
    return found_or_404(requests_for(membership=request.membership), pk)


def candidates_context(request: HttpRequest, found, form: OfferForm | None = None) -> dict:
    """The ranked candidates page: used by the page itself and to show offer errors on it."""
    filters = CandidateFilterForm(request.GET, designations=request.partnership.designation_labels)
    designation, within_km, shown = "", None, 50
    if filters.is_bound and not filters.is_valid():
        shown = 0  # a filter that cannot be applied shows nobody, with its error, rather than everybody
    elif filters.is_bound:
        designation = filters.cleaned_data["designation"] or ""
        if filters.cleaned_data["within_km"]:
            within_km = float(filters.cleaned_data["within_km"])
    # Only the rows the page shows are built: the best 50 candidates and the first 100 excluded by name.
    needs, version = selectors.ranking_inputs(found)  # read with the request, when it was (`with_ranking_inputs`)
    if needs is None:
        needs = request_needs(request=found)
    ranking = ranking_for_request(found, limit=shown, excluded_limit=100, designation=designation,
                                  within_km=within_km, needs=needs, keep=True, version=version)
    # Which candidates shown already have an open offer: told by the ranking's statement on PostgreSQL.
    open_offers = ranking.offered
    if open_offers is None:
        open_offers = set(selectors.request_offers(request=found).filter(status=OfferStatus.OPEN).values_list(
            "leader_id", flat=True))
    return {
        "req": found, "ranked": ranking.ranked, "ranked_count": ranking.ranked_count if shown else 0,
        "excluded": ranking.excluded, "excluded_count": ranking.excluded_count, "filters": filters,
        "needs": needs, "open_offers": open_offers,
        "can_offer": offers.can_offer(request.membership, found),
        "offer_form": form or OfferForm(partnership=request.partnership),
        "selected": {str(v) for v in (form.data.getlist("leaders") if form is not None else [])},
    }


@require_POST
@capability_required("offers.make")
def request_offer(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _request(request, pk)
    form = OfferForm(request.POST, partnership=request.partnership)
    if form.is_valid():
        try:
            made = offers.make_offers(actor=request.membership, request=found, leaders=list(form.cleaned_data["leaders"]),
                                      override_reason=form.cleaned_data["override_reason"])
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            names = ", ".join(offer.leader.name for offer in made)
            messages.success(request, f"Offered to {names}. They have {days_phrase(request.partnership.offer_expiry_days)} "
                                      "to answer and have been told by email.")
            return redirect("deployments:request", partnership_slug=partnership_slug, pk=pk)
    return render(request, "deployments/candidates.html", candidates_context(request, found, form), status=200)


@require_http_methods(["GET", "HEAD"])
@capability_required("offers.respond")
def offers_list(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    # The list shows each offer's request and school: only those are joined (cheaper to plan and run).
    # Only the columns it shows are read (`open_offer_items`, `earlier_offer_rows`).
    rows = offers_for(membership=request.membership).select_related(None).select_related("request__school").only(
        "partnership_id", "status", "created_at", "expires_at", "request__days_wanted", "request__school__name")
    filterset = OfferFilter(request.GET, queryset=rows, request=request)
    # Not `listing`: its page (and the count of every offer it takes) would be replaced by the answered ones'.
    # The open ones and a page of the others (with their count) in one statement.
    waiting, page = counted_page_beside(request, filterset.qs.exclude(status=OfferStatus.OPEN),
                                        filterset.qs.filter(status=OfferStatus.OPEN), beside_limit=50)
    return render(request, "deployments/offers.html", {
        "filter": filterset, "query": query_without_page(request), "open": waiting, "page": page})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("offers.respond")
def offer_detail(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    offer = found_or_404(offers_for(membership=request.membership), pk)
    if request.method == "POST":
        if request.POST.get("action") != "accept":
            # Declining has its own confirmation page.
            return redirect("deployments:offer_decline", partnership_slug=partnership_slug, pk=pk)
        try:
            processes.accept_offer(actor=request.membership, offer=offer)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"You accepted {offer.request.reference}. The broker will propose the "
                                      "deployment; you will confirm the agreement once it is approved.")
        return redirect("deployments:offer", partnership_slug=partnership_slug, pk=pk)
    return render(request, "deployments/offer.html", {
        "offer": offer, "req": offer.request, "needs": request_needs(request=offer.request),
        "is_open": offers.can_answer(request.membership, offer),
        "ledger": current_ledger(partnership=request.partnership, leader=offer.leader, count=2),
    })


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("offers.respond")
def offer_decline(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    """Confirm, then decline: the broker is told with the reason."""
    offer = found_or_404(offers_for(membership=request.membership), pk)
    back = reverse("deployments:offer", kwargs={"partnership_slug": partnership_slug, "pk": pk})
    if not offers.can_answer(request.membership, offer):
        messages.info(request, "This offer is no longer open, so it cannot be declined.")
        return redirect(back)
    confirmation = Confirmation(
        title=f"Decline the offer of {offer.request.reference}?", caption=offer.request.school.name,
        happens=["The offer closes: you cannot accept it afterwards.",
                 "The broker may offer the request to another system leader."],
        told=["The request's broker, in the app and by email, with your reason."], button="Decline this request",
        cancel_url=back, form=DeclineOfferForm(request.POST or None), warning="You cannot undo this.")
    return confirm(request, confirmation, done_url=reverse("deployments:offers", kwargs={"partnership_slug": partnership_slug}),
                   done_message="You declined the offer. The broker has been told.",
                   act=lambda data: offers.decline_offer(actor=request.membership, offer=offer, reason=data["reason"],
                                                         note=data["note"]))


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("offers.make")
def offer_withdraw(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    """Confirm, then withdraw an open offer: the system leader is told."""
    offer = found_or_404(offers_for(membership=request.membership), pk)
    back = reverse("deployments:request", kwargs={"partnership_slug": partnership_slug, "pk": offer.request_id})
    if offer.status != OfferStatus.OPEN:
        messages.info(request, f"The offer to {offer.leader.name} is no longer open, so it cannot be withdrawn.")
        return redirect(back)
    confirmation = Confirmation(
        title=f"Withdraw the offer to {offer.leader.name}?", caption=f"Request {offer.request.reference}",
        happens=[f"{offer.leader.name} can no longer accept request {offer.request.reference}.",
                 "The request stays open for other system leaders."],
        told=[f"{offer.leader.name}, in the app and by email, with your note."], button="Withdraw offer",
        cancel_url=back, form=NoteForm(request.POST or None, label="Note for the system leader (optional)", required=False))
    return confirm(request, confirmation, done_url=back,
                   done_message=f"The offer to {offer.leader.name} is withdrawn and they have been told.",
                   act=lambda data: offers.withdraw_offer(actor=request.membership, offer=offer, note=data["note"]))


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("deployments.propose")
def request_propose(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _request(request, pk)
    accepted = selectors.request_offers(request=found).filter(status=OfferStatus.ACCEPTED).first()
    if accepted is None or not proposals.can_propose(request.membership, found):
        messages.info(request, "A deployment can be proposed once a system leader has accepted, and only once.")
        return redirect("deployments:request", partnership_slug=partnership_slug, pk=pk)
    needs = request_needs(request=found)
    areas = active_specialisms(partnership=request.partnership, include=needs)
    is_member = is_member_school(partnership=request.partnership, urn=found.school_id)
    rate_kind = RateKind.MEMBER if is_member else RateKind.NON_MEMBER
    rate = request.partnership.member_day_rate if is_member else request.partnership.non_member_day_rate
    initial = {"days": found.days_wanted, "rate_kind": rate_kind, "day_rate": rate,
               "start_date": found.preferred_start, "end_date": found.preferred_end, "objective_1_area": needs[0] if needs else None,
               "objective_1_success": found.success, "entitlement": found.entitlement_id,
               "funder": found.funding_route if found.funding_route in Funder.values else None}
    form = ProposalForm(request.POST or None, areas=areas, initial=initial,
                        entitlements=funding_choices(request=found))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            deployment = proposals.propose_deployment(
                actor=request.membership, request=found, objectives=form.objectives(), days=data["days"],
                rate_kind=data["rate_kind"], day_rate=data["day_rate"], funder=data["funder"],
                funder_note=data["funder_note"], start_date=data["start_date"], end_date=data["end_date"],
                entitlement=data["entitlement"])
        except DomainError as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(request, f"Deployment {deployment.reference} is proposed. Approvers have been asked to decide.")
            return redirect("deployments:deployment", partnership_slug=partnership_slug, pk=deployment.pk)
    return render(request, "deployments/propose.html", {"req": found, "offer": accepted, "form": form,
                                                        "needs": needs, "is_member": is_member})


@require_http_methods(["GET", "HEAD"])
@capability_required("brokerage.view")
def request_candidates(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    """Ranked system leaders for a request taken on, with why; and who is excluded, with why not."""
    # The page shows the request and its school, never who made it or its broker: only the school is joined.
    # Its need areas and the version of what matching reads come with it (`with_ranking_inputs`).
    found = found_or_404(selectors.with_ranking_inputs(
        requests_for(membership=request.membership).select_related(None).select_related("school")), pk)
    return render(request, "deployments/candidates.html", candidates_context(request, found))
