"""Matching, offers and proposals: thin views over `brokerage` (and `processes` for accepting)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from alliances.selectors import active_specialisms, is_member_school
from deployments import processes
from deployments.brokerage import offers, proposals, selectors
from deployments.brokerage.forms import DeclineOfferForm, OfferForm, ProposalForm
from deployments.brokerage.matching import rank_for_request
from deployments.delivery.capacity import current_ledger
from deployments.models import OfferStatus, RateKind
from deployments.requests.selectors import request_needs
from deployments.visibility import offers_for, requests_for
from portal.days import days_phrase
from portal.errors import DomainError
from portal.ui.fields import NoteForm
from portal.ui.views import capability_required, found_or_404, paginate


def _request(request: HttpRequest, pk: int):
    return found_or_404(requests_for(membership=request.membership), pk)


def candidates_context(request: HttpRequest, found, form: OfferForm | None = None) -> dict:
    """The ranked candidates page: used by the page itself and to show offer errors on it."""
    ranked, excluded = rank_for_request(found)
    designation = request.GET.get("designation", "")
    if designation in request.partnership.designation_labels:
        ranked = [c for c in ranked if c.leader.designation == designation]
    try:
        within = float(request.GET.get("within_km", "") or 0)
    except ValueError:
        within = 0
    if within > 0:
        ranked = [c for c in ranked if c.distance_km is not None and c.distance_km <= within]
    open_offers = {o.leader_id: o for o in selectors.request_offers(request=found) if o.status == OfferStatus.OPEN}
    return {
        "req": found, "ranked": ranked[:50], "ranked_count": len(ranked), "excluded": excluded[:100],
        "excluded_count": len(excluded), "designations": request.partnership.designation_labels,
        "designation": designation, "within_km": request.GET.get("within_km", ""),
        "needs": request_needs(request=found), "open_offers": open_offers,
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
    queryset = offers_for(membership=request.membership).order_by("-created_at", "-pk")
    return render(request, "deployments/offers.html", {
        "open": list(queryset.filter(status=OfferStatus.OPEN)[:50]),
        "page": paginate(request, queryset.exclude(status=OfferStatus.OPEN)),
    })


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("offers.respond")
def offer_detail(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    offer = found_or_404(offers_for(membership=request.membership), pk)
    decline_form = DeclineOfferForm(request.POST if request.POST.get("action") == "decline" else None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "accept":
                processes.accept_offer(actor=request.membership, offer=offer)
                messages.success(request, f"You accepted {offer.request.reference}. The broker will propose the "
                                          "deployment; you will confirm the agreement once it is approved.")
                return redirect("deployments:offer", partnership_slug=partnership_slug, pk=pk)
            if decline_form.is_valid():
                offers.decline_offer(actor=request.membership, offer=offer, reason=decline_form.cleaned_data["reason"],
                                     note=decline_form.cleaned_data["note"])
                messages.success(request, "You declined the offer. The broker has been told.")
                return redirect("deployments:offers", partnership_slug=partnership_slug)
        except DomainError as error:
            messages.error(request, str(error))
            return redirect("deployments:offer", partnership_slug=partnership_slug, pk=pk)
    return render(request, "deployments/offer.html", {
        "offer": offer, "req": offer.request, "needs": request_needs(request=offer.request),
        "decline_form": decline_form, "is_open": offers.can_answer(request.membership, offer),
        "ledger": current_ledger(partnership=request.partnership, leader=offer.leader, count=2),
    })


@require_POST
@capability_required("offers.make")
def offer_withdraw(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    offer = found_or_404(offers_for(membership=request.membership), pk)
    form = NoteForm(request.POST, label="Note for the system leader", required=False)
    try:
        if not form.is_valid():
            raise DomainError("Keep the note to 2,000 characters or fewer. The offer was not withdrawn.")
        offers.withdraw_offer(actor=request.membership, offer=offer, note=form.cleaned_data["note"])
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"The offer to {offer.leader.name} is withdrawn and they have been told.")
    return redirect("deployments:request", partnership_slug=partnership_slug, pk=offer.request_id)


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
               "start_date": found.preferred_start, "objective_1_area": needs[0] if needs else None,
               "objective_1_success": found.success}
    form = ProposalForm(request.POST or None, areas=areas, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            deployment = proposals.propose_deployment(
                actor=request.membership, request=found, objectives=form.objectives(), days=data["days"],
                rate_kind=data["rate_kind"], day_rate=data["day_rate"], funder=data["funder"],
                funder_note=data["funder_note"], start_date=data["start_date"], end_date=data["end_date"])
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Deployment {deployment.reference} is proposed. Approvers have been asked to decide.")
            return redirect("deployments:deployment", partnership_slug=partnership_slug, pk=deployment.pk)
    return render(request, "deployments/propose.html", {"req": found, "offer": accepted, "form": form,
                                                        "needs": needs, "is_member": is_member})


@require_http_methods(["GET", "HEAD"])
@capability_required("brokerage.view")
def request_candidates(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    """Ranked system leaders for a request taken on, with why; and who is excluded, with why not."""
    return render(request, "deployments/candidates.html", candidates_context(request, _request(request, pk)))
