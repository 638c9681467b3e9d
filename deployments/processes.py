"""Processes that cross entities: the one module that imports the sub-packages' services.

Each is one transaction over several rows: withdrawing a request (its offers, its deployment and the
leader's held days), accepting an offer (the request is matched and days held), deciding a proposal
(days committed, or the request sent back to matching), starting the work (termly reviews created),
and closing a deployment (the ledger trimmed to what was delivered, unreached reviews dropped, the
final evaluation added). The sub-packages never import each other; they meet here.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from deployments.brokerage import offers
from deployments.delivery import capacity, lifecycle
from deployments.models import (
    LIVE_DEPLOYMENT_STATUSES,
    Deployment,
    Offer,
    OfferStatus,
    RequestStatus,
    SupportRequest,
)
from deployments.requests import services as requests
from deployments.reviews import schedule
from deployments.workflow import (
    TransitionNotAllowed,
    brokers_for,
    copy_state,
    is_head_of,
    leader_recipients,
    tenant_url,
)
from portal.calendar.services import school_calendar
from portal.errors import NotAllowed
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


# Accepting an offer --------------------------------------------------------------------------------


@transaction.atomic
def accept_offer(*, actor: Membership, offer: Offer) -> Offer:
    """The system leader says yes: the request is matched to them, their days are held, other offers close."""
    offers.check_answerable(actor, offer)
    # Lock the request first: of two leaders accepting at once, the second waits and then finds it matched.
    request = SupportRequest.objects.select_for_update().select_related("school").get(pk=offer.request_id)
    if request.status != RequestStatus.TRIAGED:
        raise TransitionNotAllowed("Another system leader has already accepted this request, or it was withdrawn.")
    offers.accept(actor=actor, offer=offer, request=request)
    calendar = school_calendar(partnership=actor.partnership)
    start = max(request.preferred_start or timezone.localdate(), timezone.localdate())
    capacity.book(leader=offer.leader, allocation={calendar.term_for(start): request.days_wanted or 0}, offer=offer)
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
                      replace_offer=deployment.offer)
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


def _close(deployment: Deployment) -> None:
    """A closed deployment keeps only the days it delivered in the ledger (the rest go back to the leader),
    drops the termly reviews of terms it no longer reaches, and gets its final evaluation."""
    delivered = capacity.delivered_by_term(deployment=deployment,
                                           terms=school_calendar(partnership=deployment.partnership))
    capacity.book(leader=deployment.leader, allocation=delivered, deployment=deployment,
                  replace_deployment=deployment, check=False)
    schedule.drop_unreached(deployment)
    schedule.create_final_evaluation(deployment)


@transaction.atomic
def stop_deployment(*, actor: Membership, deployment: Deployment, reason: str) -> Deployment:
    lifecycle.stop(actor=actor, deployment=deployment, reason=reason)
    _close(deployment)
    return deployment


@transaction.atomic
def complete_deployment(*, actor: Membership, deployment: Deployment, summary: str) -> Deployment:
    lifecycle.complete(actor=actor, deployment=deployment, summary=summary)
    _close(deployment)
    return deployment


@transaction.atomic
def pause_deployment(*, actor: Membership, deployment: Deployment, reason: str) -> Deployment:
    return lifecycle.pause(actor=actor, deployment=deployment, reason=reason)


@transaction.atomic
def resume_deployment(*, actor: Membership, deployment: Deployment, note: str = "") -> Deployment:
    return lifecycle.resume(actor=actor, deployment=deployment, note=note)


# The broker's status changes, by the action named on the page.
CHANGE_SERVICES = {"pause": (pause_deployment, "reason"), "resume": (resume_deployment, "note"),
                   "stop": (stop_deployment, "reason"), "complete": (complete_deployment, "summary")}


def change_deployment(*, actor: Membership, deployment: Deployment, action: str, note: str) -> Deployment:
    """Pause, resume, stop or complete, as the broker chose on the deployment page."""
    service, keyword = CHANGE_SERVICES[action]
    return service(actor=actor, deployment=deployment, **{keyword: note})

