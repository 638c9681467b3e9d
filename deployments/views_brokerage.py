"""Offers, proposals, approval, agreement, visits and closing: thin views over `offers` and `delivery`."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from alliances.selectors import active_specialisms
from deployments import capacity, delivery, offers, selectors, services
from deployments.forms import (
    DecisionForm,
    DeclineOfferForm,
    NoteForm,
    OfferForm,
    ProposalForm,
    ResolveVisitForm,
    VisitAnswerForm,
    VisitForm,
)
from deployments.models import DeploymentStatus, OfferStatus, RateKind, RequestStatus, Visit, VisitStatus
from deployments.workflow import is_head_of, is_leader_of
from portal.errors import DomainError
from portal.ui.views import capability_required, paginate, query_without_page


def _found(queryset, pk: int):
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404("Not found")
    return found


def _request(request: HttpRequest, pk: int):
    return _found(selectors.requests_for(membership=request.membership), pk)


def _deployment(request: HttpRequest, pk: int):
    return _found(selectors.deployments_for(membership=request.membership), pk)


def _visit(request: HttpRequest, pk: int) -> Visit:
    visible = selectors.deployments_for(membership=request.membership).values("pk")
    return _found(Visit.objects.filter(deployment__in=visible).select_related(
        "deployment__school", "deployment__leader", "deployment__request", "deployment__partnership"), pk)


def candidates_context(request: HttpRequest, found, form: OfferForm | None = None) -> dict:
    """The ranked candidates page: used by the page itself and to show offer errors on it."""
    from deployments.matching import rank_for_request

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
        "needs": selectors.request_needs(request=found), "open_offers": open_offers,
        "can_offer": request.membership.can("offers.make") and found.status == RequestStatus.TRIAGED,
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
            messages.success(request, f"Offered to {names}. They have {request.partnership.offer_expiry_days} days "
                                      "to answer and have been told by email.")
            return redirect("tenant:request", partnership_slug=partnership_slug, pk=pk)
    return render(request, "deployments/candidates.html", candidates_context(request, found, form), status=200)


@require_http_methods(["GET", "HEAD"])
@capability_required("offers.respond")
def offers_list(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    queryset = selectors.offers_for(membership=request.membership).order_by("-created_at", "-pk")
    return render(request, "deployments/offers.html", {
        "open": list(queryset.filter(status=OfferStatus.OPEN)[:50]),
        "page": paginate(request, queryset.exclude(status=OfferStatus.OPEN)),
    })


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("offers.respond")
def offer_detail(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    offer = _found(selectors.offers_for(membership=request.membership), pk)
    decline_form = DeclineOfferForm(request.POST if request.POST.get("action") == "decline" else None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "accept":
                offers.accept_offer(actor=request.membership, offer=offer)
                messages.success(request, f"You accepted {offer.request.reference}. The broker will propose the "
                                          "deployment; you will confirm the agreement once it is approved.")
                return redirect("tenant:offer", partnership_slug=partnership_slug, pk=pk)
            if decline_form.is_valid():
                offers.decline_offer(actor=request.membership, offer=offer, reason=decline_form.cleaned_data["reason"],
                                     note=decline_form.cleaned_data["note"])
                messages.success(request, "You declined the offer. The broker has been told.")
                return redirect("tenant:offers", partnership_slug=partnership_slug)
        except DomainError as error:
            messages.error(request, str(error))
            return redirect("tenant:offer", partnership_slug=partnership_slug, pk=pk)
    return render(request, "deployments/offer.html", {
        "offer": offer, "req": offer.request, "needs": selectors.request_needs(request=offer.request),
        "decline_form": decline_form, "is_open": offer.status == OfferStatus.OPEN and offer.expires_at > timezone.now(),
        "ledger": capacity.current_ledger(partnership=request.partnership, leader=offer.leader, count=2),
    })


@require_POST
@capability_required("offers.make")
def offer_withdraw(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    offer = _found(selectors.offers_for(membership=request.membership), pk)
    form = NoteForm(request.POST, label="Note for the system leader", required=False)
    try:
        if not form.is_valid():
            raise DomainError("Keep the note to 2,000 characters or fewer. The offer was not withdrawn.")
        offers.withdraw_offer(actor=request.membership, offer=offer, note=form.cleaned_data["note"])
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"The offer to {offer.leader.name} is withdrawn and they have been told.")
    return redirect("tenant:request", partnership_slug=partnership_slug, pk=offer.request_id)


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("deployments.propose")
def request_propose(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _request(request, pk)
    accepted = selectors.request_offers(request=found).filter(status=OfferStatus.ACCEPTED).first()
    if found.status != RequestStatus.MATCHED or accepted is None or selectors.awaiting_proposal(
            membership=request.membership).filter(pk=found.pk).first() is None:
        messages.info(request, "A deployment can be proposed once a system leader has accepted, and only once.")
        return redirect("tenant:request", partnership_slug=partnership_slug, pk=pk)
    needs = selectors.request_needs(request=found)
    areas = active_specialisms(partnership=request.partnership, include=needs)
    is_member = _is_member(request.partnership, found.school_id)
    rate_kind = RateKind.MEMBER if is_member else RateKind.NON_MEMBER
    rate = request.partnership.member_day_rate if is_member else request.partnership.non_member_day_rate
    initial = {"days": found.days_wanted, "rate_kind": rate_kind, "day_rate": rate,
               "start_date": found.preferred_start, "objective_1_area": needs[0] if needs else None,
               "objective_1_success": found.success}
    form = ProposalForm(request.POST or None, areas=areas, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            deployment = delivery.propose_deployment(
                actor=request.membership, request=found, objectives=form.objectives(), days=data["days"],
                rate_kind=data["rate_kind"], day_rate=data["day_rate"], funder=data["funder"],
                funder_note=data["funder_note"], start_date=data["start_date"], end_date=data["end_date"])
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Deployment {deployment.reference} is proposed. Approvers have been asked to decide.")
            return redirect("tenant:deployment", partnership_slug=partnership_slug, pk=deployment.pk)
    return render(request, "deployments/propose.html", {"req": found, "offer": accepted, "form": form,
                                                        "needs": needs, "is_member": is_member})


def _is_member(partnership, urn: str) -> bool:
    from alliances.models import PartnershipSchool

    return PartnershipSchool.objects.filter(partnership=partnership, school_id=urn, is_member=True).exists()


@require_http_methods(["GET", "HEAD"])
@capability_required("deployments.view")
def deployments_list(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    queryset = selectors.deployments_for(membership=request.membership)
    status = request.GET.get("status", "")
    if status in DeploymentStatus.values:
        queryset = queryset.filter(status=status)
    return render(request, "deployments/deployments.html", {
        "page": paginate(request, queryset.order_by("-proposed_at", "-pk")), "status": status,
        "statuses": DeploymentStatus.choices, "query": query_without_page(request),
    })


def _roles(request: HttpRequest, deployment) -> dict:
    membership = request.membership
    return {"is_head": is_head_of(membership, deployment.school_id), "is_leader": is_leader_of(membership, deployment),
            "is_broker": membership.can("deployments.manage"),
            "is_approver": membership.can("deployments.approve")}


@require_http_methods(["GET", "HEAD"])
@capability_required("deployments.view")
def deployment_detail(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    deployment = _deployment(request, pk)
    visits = selectors.visits(deployment=deployment)
    roles = _roles(request, deployment)
    four_eyes_blocked = (request.partnership.four_eyes_approval and deployment.proposed_by_id == request.user.pk)
    counted = [v for v in visits if v.status != VisitStatus.REMOVED]
    return render(request, "deployments/deployment.html", {
        "deployment": deployment, "objectives": selectors.objectives(deployment=deployment), "visits": visits,
        "timeline": selectors.deployment_history(deployment=deployment, visit_ids=[v.pk for v in visits]),
        "logged_days": sum(v.days for v in counted), "confirmed_days": sum(v.days for v in counted
                                                                          if v.status == VisitStatus.CONFIRMED),
        "can_decide": roles["is_approver"] and deployment.status == DeploymentStatus.PROPOSED and not four_eyes_blocked,
        "four_eyes_blocked": roles["is_approver"] and deployment.status == DeploymentStatus.PROPOSED and four_eyes_blocked,
        "can_confirm": deployment.status == DeploymentStatus.APPROVED and (
            (roles["is_head"] and not deployment.head_confirmed_at) or (roles["is_leader"] and not deployment.leader_confirmed_at)),
        "can_log": roles["is_leader"] and deployment.status == DeploymentStatus.ACTIVE,
        "can_view_request": request.membership.can("requests.view"),
        "reviews": selectors.deployment_reviews(deployment=deployment), "today": timezone.localdate(),
        "watching": request.membership.can("brokerage.view") and selectors.is_watching(
            membership=request.membership, deployment=deployment),
        **roles,
    })


@require_POST
@capability_required("brokerage.view")
def deployment_watch(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    deployment = _deployment(request, pk)
    watch = request.POST.get("watch") != "no"
    services.set_watch(actor=request.membership, deployment=deployment, watch=watch)
    messages.success(request, f"{deployment.reference} is on your watchlist: it shows on your home page." if watch
                     else f"{deployment.reference} is off your watchlist.")
    return redirect("tenant:deployment", partnership_slug=partnership_slug, pk=pk)


@require_http_methods(["GET", "HEAD"])
@capability_required("deployments.view")
def deployment_agreement(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    deployment = _deployment(request, pk)
    return render(request, "deployments/agreement.html", {
        "deployment": deployment, "objectives": selectors.objectives(deployment=deployment),
    })


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("deployments.approve")
def deployment_decide(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    deployment = _deployment(request, pk)
    if deployment.status != DeploymentStatus.PROPOSED:
        messages.info(request, "This deployment has already been decided.")
        return redirect("tenant:deployment", partnership_slug=partnership_slug, pk=pk)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            delivery.decide_deployment(actor=request.membership, deployment=deployment,
                                       approve=form.cleaned_data["decision"] == "approve",
                                       rationale=form.cleaned_data["rationale"])
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Deployment {deployment.reference} is {deployment.get_status_display().lower()}. "
                                      "Everyone involved has been told.")
            return redirect("tenant:deployment", partnership_slug=partnership_slug, pk=pk)
    return render(request, "deployments/decide.html", {
        "deployment": deployment, "objectives": selectors.objectives(deployment=deployment), "form": form,
    })


@require_POST
@capability_required("deployments.confirm")
def deployment_confirm(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    deployment = _deployment(request, pk)
    try:
        delivery.confirm_agreement(actor=request.membership, deployment=deployment)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        if deployment.status == DeploymentStatus.ACTIVE:
            messages.success(request, "You confirmed the agreement. Both sides have now confirmed, so the work can start.")
        else:
            messages.success(request, "You confirmed the agreement. It starts once the other side confirms too.")
    return redirect("tenant:deployment", partnership_slug=partnership_slug, pk=pk)


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("visits.log")
def visit_new(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    deployment = _deployment(request, pk)
    if not _roles(request, deployment)["is_leader"] or deployment.status != DeploymentStatus.ACTIVE:
        messages.info(request, "Visits can be logged by the deployment's system leader while it is under way.")
        return redirect("tenant:deployment", partnership_slug=partnership_slug, pk=pk)
    form = VisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            delivery.log_visit(actor=request.membership, deployment=deployment, visit_date=data["visit_date"],
                               days=data["days"], focus=data["focus"], notes=data["notes"])
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Visit logged. The school has been asked to confirm it.")
            return redirect("tenant:deployment", partnership_slug=partnership_slug, pk=pk)
    return render(request, "deployments/visit_new.html", {"deployment": deployment, "form": form})


def _visit_decision(request: HttpRequest, partnership_slug: str, pk: int, *, waiting: str, not_waiting: str,
                    form_class, decide, done, template: str) -> HttpResponse:
    """A decision on one visit: the school's answer, or the broker settling a dispute."""
    visit = _visit(request, pk)
    back = redirect("tenant:deployment", partnership_slug=partnership_slug, pk=visit.deployment_id)
    if visit.status != waiting:
        messages.info(request, not_waiting)
        return back
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            decide(visit, form.cleaned_data)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, done(visit))
            return back
    return render(request, template, {"visit": visit, "deployment": visit.deployment, "form": form})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("visits.confirm")
def visit_answer(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    return _visit_decision(
        request, partnership_slug, pk, waiting=VisitStatus.LOGGED, not_waiting="This visit has already been answered.",
        form_class=VisitAnswerForm, template="deployments/visit_answer.html",
        decide=lambda visit, data: delivery.answer_visit(actor=request.membership, visit=visit,
                                                         confirm=data["decision"] == "confirm", reason=data["reason"]),
        done=lambda visit: "Visit confirmed." if visit.status == VisitStatus.CONFIRMED else
        "Visit disputed. The broker and the system leader have been told.")


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("deployments.manage")
def visit_resolve(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    return _visit_decision(
        request, partnership_slug, pk, waiting=VisitStatus.DISPUTED, not_waiting="Only a disputed visit needs settling.",
        form_class=ResolveVisitForm, template="deployments/visit_resolve.html",
        decide=lambda visit, data: delivery.resolve_dispute(actor=request.membership, visit=visit,
                                                            uphold=data["decision"] == "uphold", note=data["note"]),
        done=lambda visit: "Dispute settled. The school and the system leader have been told.")


CHANGES = {
    # action: (service, statuses it applies to, title, note label, note required, button)
    "pause": (delivery.pause_deployment, {DeploymentStatus.ACTIVE}, "Pause the deployment", "Why is it paused?", True,
              "Pause deployment"),
    "resume": (delivery.resume_deployment, {DeploymentStatus.PAUSED}, "Resume the deployment",
               "Note for everyone involved (optional)", False, "Resume deployment"),
    "stop": (delivery.stop_deployment, {DeploymentStatus.ACTIVE, DeploymentStatus.PAUSED}, "Stop the deployment early",
             "Why is it stopping early?", True, "Stop deployment"),
    "complete": (delivery.complete_deployment, {DeploymentStatus.ACTIVE}, "Complete the deployment",
                 "Closing summary", True, "Complete deployment"),
}
KEYWORDS = {"pause": "reason", "resume": "note", "stop": "reason", "complete": "summary"}


def _change_view(action: str):
    service, statuses, title, label, required, button = CHANGES[action]

    @require_http_methods(["GET", "HEAD", "POST"])
    @capability_required("deployments.manage")
    def view(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
        deployment = _deployment(request, pk)
        if deployment.status not in statuses:
            messages.info(request, f"This deployment is {deployment.get_status_display().lower()}, so you cannot "
                                   f"{action} it.")
            return redirect("tenant:deployment", partnership_slug=partnership_slug, pk=pk)
        help_text = ("What was done, what changed for the school, and anything to carry forward."
                     if action == "complete" else "Everyone involved will read it.")
        form = NoteForm(request.POST or None, label=label, required=required, help_text=help_text,
                        rows=6 if action == "complete" else 4)
        if request.method == "POST" and form.is_valid():
            try:
                service(actor=request.membership, deployment=deployment, **{KEYWORDS[action]: form.cleaned_data["note"]})
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"Deployment {deployment.reference} is {deployment.get_status_display().lower()}. "
                                          "Everyone involved has been told.")
                return redirect("tenant:deployment", partnership_slug=partnership_slug, pk=pk)
        return render(request, "deployments/change.html", {"deployment": deployment, "form": form, "title": title,
                                                           "button": button, "action": action})

    view.__name__ = f"deployment_{action}"
    return view


deployment_pause = _change_view("pause")
deployment_resume = _change_view("resume")
deployment_stop = _change_view("stop")
deployment_complete = _change_view("complete")

