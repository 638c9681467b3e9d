"""Processes that cross entities: the one module that imports the sub-packages' services.

Each is one transaction over several rows: withdrawing a request (its offers, its deployment and the
leader's held days), accepting an offer (the request is matched and days held), deciding a proposal
(days committed, or the request sent back to matching), starting the work (termly reviews created),
and closing a deployment (the ledger trimmed to what was delivered, unreached reviews dropped, the
final evaluation added), and changing an agreed deployment (the deployment, the leader's ledger and the termly
reviews follow the change both sides confirmed). The sub-packages never import each other; they meet here.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max, Min, Sum
from django.utils import timezone

from deployments import funding
from deployments.brokerage import offers
from deployments.delivery import capacity, lifecycle, visits
from deployments.models import (
    LIVE_DEPLOYMENT_STATUSES,
    OPEN_VARIATION_STATUSES,
    Deployment,
    Offer,
    OfferStatus,
    RequestStatus,
    SupportRequest,
    Variation,
    Visit,
    VisitStatus,
)
from deployments.requests import services as requests
from deployments.reviews import schedule
from deployments.terms import request_days_by_term
from deployments.variations import services as variations
from deployments.variations import values as variation_values
from deployments.workflow import (
    TransitionNotAllowed,
    brokers_for,
    copy_state,
    heads_of,
    is_head_of,
    leader_recipients,
    tenant_url,
)
from portal.calendar.services import school_calendar
from portal.errors import DomainError, NotAllowed
from portal.formats import date_text
from portal.notifications.services import notify
from portal.tenancy.models import Membership

# Withdrawing a request -----------------------------------------------------------------------------


def can_withdraw_request(actor: Membership, request: SupportRequest, deployments: list[Deployment]) -> bool:
    """A headteacher, while the request can still be withdrawn and the support has not started.

    For a page that shows the request to this member: headteachers see only their own schools' requests,
    so the capability stands for "head of this school" here (the service checks the school itself).
    `deployments` are the request's deployments, which the page has already.
    """
    live = next((d for d in deployments if d.status in LIVE_DEPLOYMENT_STATUSES), None)
    return (actor.can("requests.create") and request.status in requests.WITHDRAWABLE
            and not lifecycle.finished(deployments) and lifecycle.not_started(live))


@transaction.atomic
def withdraw_request(*, actor: Membership, request: SupportRequest, reason: str = "") -> SupportRequest:
    """The headteacher withdraws a request before support starts. Open offers are withdrawn, a deployment not
    yet under way is cancelled, held days are released, and everyone involved is told."""
    if not is_head_of(actor, request.school_id):
        raise NotAllowed("Only a headteacher of this school can change its request.")
    locked = SupportRequest.objects.select_for_update().select_related("school").get(pk=request.pk)
    was_sent = request.status != RequestStatus.DRAFT
    _cancel_deployment(actor=actor, request=locked, reason=reason)
    requests.move_request(locked, RequestStatus.WITHDRAWN, actor=actor, note=reason, expected=request.status,
                          withdrawn_at=timezone.now(), withdraw_reason=reason)
    for offer in offers.close_for_withdrawn_request(actor=actor, request=locked, reason=reason):
        capacity.release(offer=offer)
    copy_state(request, locked, "withdrawn_at", "withdraw_reason")
    if was_sent:
        notify(partnership=actor.partnership, event_type="request.withdrawn",
               recipients=requests.brokers(actor.partnership), occurrence=f"request:{request.pk}:withdrawn",
               context={"school_name": request.school.name, "reference": request.reference, "reason": reason},
               link=tenant_url(actor.partnership, "request", pk=request.pk))
    return request


def withdrawal_effects(request: SupportRequest, deployments: list[Deployment]) -> list[str]:
    """What withdrawing `request` would do, in plain words, for its confirmation page (mirrors `withdraw_request`)."""
    effects = [f"Request {request.reference} is withdrawn and the steering group stops work on it."]
    waiting = list(Offer.objects.filter(request=request, status__in=[OfferStatus.OPEN, OfferStatus.ACCEPTED])
                   .values_list("status", flat=True))
    open_count = waiting.count(OfferStatus.OPEN)
    if open_count:
        effects.append(f"{open_count} open offer{'s' if open_count != 1 else ''} to system leaders "
                       f"{'are' if open_count != 1 else 'is'} withdrawn, and each leader is told.")
    if OfferStatus.ACCEPTED in waiting:
        effects.append("The system leader who accepted is released, their held days go back and they are told.")
    live = next((d for d in deployments if d.status in LIVE_DEPLOYMENT_STATUSES), None)
    if live is not None:
        effects.append(f"Deployment {live.reference}, not yet under way, is cancelled and its days are released.")
    return effects


def _cancel_deployment(*, actor: Membership, request: SupportRequest, reason: str) -> None:
    """A school may withdraw until the work starts; after that the broker stops the deployment instead."""
    deployments = list(Deployment.objects.filter(request=request).select_related("leader", "school"))
    if lifecycle.finished(deployments):
        raise TransitionNotAllowed("The support for this request has finished, so there is nothing to withdraw.")
    live = next((d for d in deployments if d.status in LIVE_DEPLOYMENT_STATUSES), None)
    if live is None:
        return
    if not lifecycle.not_started(live):
        raise TransitionNotAllowed("The support has started, so the request cannot be withdrawn. "
                                   "Ask the broker to stop the deployment instead.")
    lifecycle.cancel(actor=actor, deployment=live, reason=reason,
                     recipients=[*leader_recipients(live.leader), *brokers_for(request)])
    capacity.release(deployment=live)
    funding.release_for(deployment=live, actor=actor)


# Accepting an offer --------------------------------------------------------------------------------


@transaction.atomic
def accept_offer(*, actor: Membership, offer: Offer) -> Offer:
    """The system leader says yes: the request is matched to them, their days are held in the terms the
    requested dates fall in (refused if any is over capacity), other offers close."""
    offers.check_answerable(actor, offer)
    # Lock the request first: of two leaders accepting at once, the second waits and then finds it matched.
    request = SupportRequest.objects.select_for_update().select_related("school").get(pk=offer.request_id)
    if request.status != RequestStatus.TRIAGED:
        raise TransitionNotAllowed("Another system leader has already accepted this request, or it was withdrawn.")
    offers.accept(actor=actor, offer=offer, request=request)
    # The same terms and days matching scored the leader on, so a leader shown as available can accept.
    allocation = request_days_by_term(request, terms=school_calendar(partnership=actor.partnership),
                                      today=timezone.localdate())
    capacity.book(leader=offer.leader, allocation=allocation, offer=offer,
                  next_step="Decline the offer (no capacity) so the broker can look for someone else, or free some "
                            "days first.")
    requests.move_request(request, RequestStatus.MATCHED, actor=actor, note=f"{offer.leader.name} accepted")
    offers.close_others(actor=actor, offer=offer, request=request)
    return offer


# Deciding a proposal -------------------------------------------------------------------------------


@transaction.atomic
def decide_deployment(*, actor: Membership, deployment: Deployment, approve: bool, rationale: str) -> Deployment:
    """An approver approves (committing the leader's days) or rejects (the broker looks again), with why."""
    if approve:
        lifecycle.approve(actor=actor, deployment=deployment, rationale=rationale)
        allocation = capacity.split_days(deployment.days, deployment.start_date, deployment.end_date,
                                         school_calendar(partnership=actor.partnership))
        capacity.book(leader=deployment.leader, allocation=allocation, deployment=deployment,
                      replace_offer=deployment.offer,
                      next_step="Do not approve it, and say why: the broker can then propose fewer days or other dates.")
        funding.hold_for(deployment=deployment, actor=actor)
        return deployment
    lifecycle.reject(actor=actor, deployment=deployment, rationale=rationale)
    note = "The proposed deployment was not approved"
    locked = SupportRequest.objects.select_for_update().get(pk=deployment.request_id)
    requests.move_request(locked, RequestStatus.TRIAGED, actor=actor, note=note)
    released = offers.release_accepted(actor=actor, request=locked, note=note)
    if released is not None:
        capacity.release(offer=released)
    return deployment


# Starting and closing the work -----------------------------------------------------------------------


@transaction.atomic
def confirm_agreement(*, actor: Membership, deployment: Deployment) -> Deployment:
    """The supported head or the system leader confirms the agreement; when both have, the work starts and
    its termly reviews are created."""
    locked = lifecycle.record_confirmation(actor=actor, deployment=deployment)
    if locked.head_confirmed_at and locked.leader_confirmed_at:
        lifecycle.start(actor=actor, deployment=locked)
        schedule.ensure_reviews([locked], partnership=actor.partnership)
    copy_state(deployment, locked, "head_confirmed_by", "head_confirmed_at", "leader_confirmed_at")
    return deployment


def _close(deployment: Deployment, actor: Membership) -> None:
    """A closed deployment keeps only the days it delivered in the ledger (the rest go back to the leader),
    releases the entitlement days it still holds, drops the termly reviews of terms it no longer reaches, and gets
    its final evaluation."""
    delivered = capacity.delivered_by_term(deployment=deployment,
                                           terms=school_calendar(partnership=deployment.partnership))
    capacity.book(leader=deployment.leader, allocation=delivered, deployment=deployment,
                  replace_deployment=deployment, check=False)
    funding.release_for(deployment=deployment, actor=actor)
    schedule.drop_unreached(deployment)
    schedule.create_final_evaluation(deployment)


def _withdraw_open_change(actor: Membership, deployment: Deployment, reason: str) -> None:
    """A closed deployment no longer changes: a change still waiting is withdrawn, and whoever it asked is told."""
    for variation in Variation.objects.filter(deployment=deployment, status__in=OPEN_VARIATION_STATUSES):
        variations.withdraw(actor=actor, variation=variation, deployment=deployment, reason=reason)


def _settle_visits(*, actor: Membership, deployment: Deployment) -> None:
    """Before the ledger is trimmed: visits the school never answered are void (and the school and the leader
    told); a disputed visit must be settled by the broker first. Completing already needs every visit
    answered, so there it finds nothing; stopping early is where unanswered visits are left."""
    voided = visits.void_open_visits(actor=actor, deployment=deployment)
    if not voided:
        return
    dates = ", ".join(f"{date_text(v.visit_date)}" for v in voided)
    notify(partnership=actor.partnership, event_type="visit.changed",
           recipients=[*heads_of(actor.partnership, deployment.school), *leader_recipients(deployment.leader)],
           occurrence=f"deployment:{deployment.pk}:visits_voided",
           context={"subject": f"Visits to {deployment.school.name} are void: {deployment.reference} has closed",
                    "lines": [f"The deployment closed before the school answered the visit{'s' if len(voided) != 1 else ''} "
                              f"on {dates}, so {'they do' if len(voided) != 1 else 'it does'} not count as delivered.",
                              "Ask the broker if a visit did happen."],
                    "action": "See the deployment"},
           link=tenant_url(actor.partnership, "deployment", pk=deployment.pk) + "#visits")


@transaction.atomic
def stop_deployment(*, actor: Membership, deployment: Deployment, reason: str) -> Deployment:
    """Stops early: unanswered visits are void, then the ledger keeps only what the school confirmed."""
    lifecycle.stop(actor=actor, deployment=deployment, reason=reason)
    _withdraw_open_change(actor, deployment, "The deployment stopped early.")
    _settle_visits(actor=actor, deployment=deployment)
    _close(deployment, actor)
    return deployment


@transaction.atomic
def complete_deployment(*, actor: Membership, deployment: Deployment, summary: str) -> Deployment:
    lifecycle.complete(actor=actor, deployment=deployment, summary=summary)
    _withdraw_open_change(actor, deployment, "The deployment is complete.")
    _settle_visits(actor=actor, deployment=deployment)
    _close(deployment, actor)
    return deployment


@transaction.atomic
def pause_deployment(*, actor: Membership, deployment: Deployment, reason: str) -> Deployment:
    return lifecycle.pause(actor=actor, deployment=deployment, reason=reason)


@transaction.atomic
def resume_deployment(*, actor: Membership, deployment: Deployment, note: str = "") -> Deployment:
    return lifecycle.resume(actor=actor, deployment=deployment, note=note)


# Visits that count draw the school's entitlement -----------------------------------------------------------


@transaction.atomic
def answer_visit(*, actor: Membership, visit: Visit, confirm: bool, reason: str = "") -> Visit:
    """The school confirms a visit (its days are drawn from the deployment's funding: refused beyond the balance
    unless the head agreed to pay as you go) or disputes it (nothing is drawn until the broker settles it)."""
    visits.answer_visit(actor=actor, visit=visit, confirm=confirm, reason=reason)
    if confirm:
        funding.draw_for(deployment=visit.deployment, visit=visit, actor=actor)
    return visit


@transaction.atomic
def resolve_dispute(*, actor: Membership, visit: Visit, uphold: bool, note: str) -> Visit:
    """The broker settles a dispute: a visit that stands draws its days; a removed one gives back any it drew."""
    visits.resolve_dispute(actor=actor, visit=visit, uphold=uphold, note=note)
    if uphold:
        funding.draw_for(deployment=visit.deployment, visit=visit, actor=actor)
    else:
        funding.give_back_for(deployment=visit.deployment, visit=visit, actor=actor, note=note)
    return visit


# The broker's status changes, by the action named on the page.
CHANGE_SERVICES = {"pause": (pause_deployment, "reason"), "resume": (resume_deployment, "note"),
                   "stop": (stop_deployment, "reason"), "complete": (complete_deployment, "summary")}


def change_deployment(*, actor: Membership, deployment: Deployment, action: str, note: str) -> Deployment:
    """Pause, resume, stop or complete, as the broker chose on the deployment page."""
    service, keyword = CHANGE_SERVICES[action]
    return service(actor=actor, deployment=deployment, **{keyword: note})



# Changing an agreed deployment -------------------------------------------------------------------------------

BEYOND_CAPACITY = "Change the days or dates so they fit, or ask the leader to free some days first."


def _locked_deployment(pk: int) -> Deployment:
    """The deployment, locked: a change is proposed and applied one at a time, against its current values."""
    return Deployment.objects.select_for_update(of=("self",)).select_related(
        "leader", "school", "request", "partnership").get(pk=pk)


def _logged(deployment: Deployment) -> tuple:
    """Days logged (and not removed) and the first and last visit dates: what a change may not go below."""
    row = Visit.objects.filter(deployment=deployment).exclude(status=VisitStatus.REMOVED).aggregate(
        days=Sum("days"), first=Min("visit_date"), last=Max("visit_date"))
    return row["days"] or 0, (row["first"], row["last"]) if row["first"] else None


@transaction.atomic
def propose_variation(*, actor: Membership, deployment: Deployment, proposed: variation_values.Proposed,
                      reason: str) -> Variation:
    """The broker proposes a change to an agreed deployment. It must change something, keep the days already
    logged, keep its dates in order and inside the term dates, and fit the leader's capacity (the deployment's own
    days given back first); approvers, or both sides, are asked next."""
    locked = _locked_deployment(deployment.pk)
    if Variation.objects.filter(deployment=locked, status__in=OPEN_VARIATION_STATUSES).exists():
        raise TransitionNotAllowed("A change to this deployment is already waiting. Withdraw it, or let it finish, "
                                   "before proposing another.")
    logged, visit_dates = _logged(locked)
    calendar = school_calendar(partnership=actor.partnership)
    variation_values.check_values(locked, proposed, logged_days=logged, visit_dates=visit_dates, calendar=calendar,
                                  partnership=actor.partnership)
    capacity.check_room(leader=locked.leader, deployment=locked, next_step=BEYOND_CAPACITY,
                        allocation=capacity.split_days(proposed.days, proposed.start_date, proposed.end_date, calendar))
    return variations.propose(actor=actor, deployment=locked, proposed=proposed, reason=reason, logged_days=logged,
                              visit_dates=visit_dates, calendar=calendar)


@transaction.atomic
def confirm_variation(*, actor: Membership, variation: Variation) -> Variation:
    """The supported head or the system leader confirms a change; when both have, it is applied: the deployment
    takes the new values, the leader's ledger is booked again for the new days and dates, and the termly reviews
    follow the new dates."""
    deployment = _locked_deployment(variation.deployment_id)
    locked = variations.record_confirmation(actor=actor, variation=variation, deployment=deployment)
    if locked.head_confirmed_at and locked.leader_confirmed_at:
        _apply_variation(actor, locked, deployment)
    copy_state(variation, locked, "head_confirmed_by", "head_confirmed_at", "leader_confirmed_at")
    return variation


def _apply_variation(actor: Membership, variation: Variation, deployment: Deployment) -> None:
    if deployment.status not in variations.VARIABLE:
        raise TransitionNotAllowed(f"This deployment is {deployment.get_status_display().lower()}, so the change "
                                   "cannot take effect.")
    logged, _ = _logged(deployment)
    if logged > variation.new_days:
        raise DomainError("More days have been logged since the change was proposed than it allows. Ask the broker to "
                          "withdraw it and propose another.")
    variations.mark_applied(actor=actor, variation=variation, deployment=deployment)
    variation_values.apply(actor=actor, variation=variation, deployment=deployment)
    allocation = capacity.split_days(deployment.days, deployment.start_date, deployment.end_date,
                                     school_calendar(partnership=deployment.partnership))
    capacity.book(leader=deployment.leader, allocation=allocation, deployment=deployment,
                  replace_deployment=deployment, next_step="Ask the broker to withdraw the change and propose one "
                                                           "that fits.")
    funding.hold_for(deployment=deployment, actor=actor, cause=("variation", variation.pk))
    schedule.follow_dates(deployment)
