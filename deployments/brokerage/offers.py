"""Offers: a broker asks one or several system leaders to take on a request; the first to accept gets it.

Transitions: open -> accepted | declined | withdrawn | expired; accepted -> released (when the proposal
is rejected, so the broker can look again). Each is one `move`, with its audit event and outbox rows in
the same transaction. Accepting also matches the request and holds the leader's days, so the whole of it
is `deployments.processes.accept_offer`.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_scopes import scope

from alliances.models import SystemLeader
from deployments.brokerage.matching import rank_for_request
from deployments.models import DeclineReason, Offer, OfferStatus, RequestStatus, SupportRequest
from deployments.workflow import TransitionNotAllowed, brokers_for, leader_recipients, move, tenant_url
from portal.audit.services import record_event
from portal.days import days_phrase
from portal.errors import DomainError, NotAllowed
from portal.formats import date_text
from portal.notifications.services import notify
from portal.tenancy.models import Membership
from portal.tenancy.rls import cross_partnership

ALLOWED = {
    OfferStatus.OPEN: {OfferStatus.ACCEPTED, OfferStatus.DECLINED, OfferStatus.WITHDRAWN, OfferStatus.EXPIRED},
    OfferStatus.ACCEPTED: {OfferStatus.RELEASED},
}


def _tell_leader(offer: Offer, event: str, occurrence: str, subject: str, lines: list[str], note: str = "",
                 note_label: str = "") -> None:
    notify(partnership=offer.partnership, event_type=event, recipients=leader_recipients(offer.leader),
           occurrence=f"offer:{offer.pk}:{occurrence}",
           context={"subject": subject, "lines": lines, "note": note, "note_label": note_label, "action": "See the offer"},
           link=tenant_url(offer.partnership, "offer", pk=offer.pk))


def _tell_brokers(offer: Offer, event: str, occurrence: str, subject: str, lines: list[str], note: str = "",
                  note_label: str = "") -> None:
    notify(partnership=offer.partnership, event_type=event, recipients=brokers_for(offer.request),
           occurrence=f"offer:{offer.pk}:{occurrence}",
           context={"subject": subject, "lines": lines, "note": note, "note_label": note_label, "action": "See the request"},
           link=tenant_url(offer.partnership, "request", pk=offer.request_id))


@transaction.atomic
def make_offers(*, actor: Membership, request: SupportRequest, leaders: list[SystemLeader],
                override_reason: str = "") -> list[Offer]:
    """Offer a request taken on to each of `leaders`. Leaders matching excluded need a reason to override."""
    if not actor.can("offers.make"):
        raise NotAllowed("Only brokers make offers.")
    locked = SupportRequest.objects.select_for_update().select_related("school").get(pk=request.pk)
    if not can_offer(actor, locked):
        raise TransitionNotAllowed("Offers can be made only while the request is taken on and nobody has accepted yet.")
    if not leaders:
        raise DomainError("Choose at least one system leader to offer the request to.")
    if any(leader.partnership_id != actor.partnership_id for leader in leaders):
        raise NotAllowed("That system leader is not in this partnership.")
    ranked, excluded = rank_for_request(locked)
    scores = {c.leader.pk: c.score for c in ranked}
    why_not = {c.leader.pk: c.why_not for c in excluded}
    overridden = [leader for leader in leaders if leader.pk in why_not]
    if overridden and not override_reason.strip():
        names = ", ".join(f"{leader.name} ({'; '.join(why_not[leader.pk])})" for leader in overridden)
        raise DomainError(f"Say why you are offering to {names}: matching excluded them.")
    unreachable = [leader.name for leader in leaders if not leader_recipients(leader)]
    if unreachable:
        raise DomainError(f"{', '.join(unreachable)} has no account or email address, so could not be told. "
                          "Add an email address to their record first.")
    already = set(Offer.objects.filter(request=locked, status=OfferStatus.OPEN, leader__in=leaders)
                  .values_list("leader__name", flat=True))
    if already:
        raise DomainError(f"{', '.join(sorted(already))} already has an open offer for this request.")
    expires_at = timezone.now() + timedelta(days=actor.partnership.offer_expiry_days)
    made = []
    for leader in leaders:
        reason = override_reason.strip() if leader.pk in why_not else ""
        offer = Offer.objects.create(partnership=actor.partnership, request=locked, leader=leader,
                                     offered_by=actor.user, expires_at=expires_at, score=scores.get(leader.pk),
                                     override_reason=reason)
        record_event(partnership=actor.partnership, actor=actor.user, action="offer.made", obj=offer,
                     new={"leader": leader.name, "request": locked.reference, "expires_at": expires_at.isoformat()},
                     note=reason)
        offer.request = locked
        _tell_leader(offer, "offer.made", "made", f"Can you support {locked.school.name}? ({locked.reference})", [
            f"The steering group would like you to support {locked.school.name} with {days_phrase(locked.days_wanted)} "
            f"({locked.get_urgency_display().lower()}).",
            f"Please accept or decline by {date_text(expires_at)}. If someone else accepts first, "
            "the offer to you is withdrawn and you will be told.",
        ])
        made.append(offer)
    return made


def can_offer(actor: Membership, request: SupportRequest) -> bool:
    """A broker, while the request is taken on and nobody has accepted yet."""
    return actor.can("offers.make") and request.status == RequestStatus.TRIAGED


def is_own(actor: Membership, offer: Offer) -> bool:
    return actor.can("offers.respond") and offer.leader.user_id == actor.user_id


def can_answer(actor: Membership, offer: Offer) -> bool:
    """The leader it was offered to, while it is open and has not expired."""
    return is_own(actor, offer) and offer.status == OfferStatus.OPEN and offer.expires_at > timezone.now()


def check_answerable(actor: Membership, offer: Offer) -> None:
    if not is_own(actor, offer):
        raise NotAllowed("Only the system leader it was offered to can answer this offer.")


def accept(*, actor: Membership, offer: Offer, request: SupportRequest) -> None:
    """The system leader says yes (the caller has locked the request and holds the leader's days)."""
    check_answerable(actor, offer)
    if offer.status == OfferStatus.OPEN and offer.expires_at <= timezone.now():
        raise TransitionNotAllowed("This offer has expired. Ask the broker if the school still needs support.")
    move(offer, OfferStatus.ACCEPTED, allowed=ALLOWED, actor=actor, partnership=actor.partnership,
         responded_at=timezone.now())
    offer.request = request


def close_others(*, actor: Membership, offer: Offer, request: SupportRequest) -> None:
    """After an acceptance: the brokers are told, and every other open offer is withdrawn with thanks."""
    _tell_brokers(offer, "offer.accepted", "accepted", f"{offer.leader.name} accepted {request.reference}", [
        f"{offer.leader.name} accepted the request from {request.school.name}. Propose the deployment next.",
    ])
    for other in Offer.objects.filter(request=request, status=OfferStatus.OPEN).select_related("leader"):
        move(other, OfferStatus.WITHDRAWN, allowed=ALLOWED, actor=actor, partnership=actor.partnership,
             note="Another system leader accepted", responded_at=timezone.now())
        other.request = request
        _tell_leader(other, "offer.withdrawn", "withdrawn", f"The offer of {request.reference} has been withdrawn", [
            f"Another system leader has accepted the request from {request.school.name}, so the offer to you is "
            "withdrawn. Thank you for considering it.",
        ])


@transaction.atomic
def decline_offer(*, actor: Membership, offer: Offer, reason: str, note: str = "") -> Offer:
    check_answerable(actor, offer)
    if reason not in DeclineReason.values:
        raise DomainError("Choose why you are declining.")
    if reason == DeclineReason.OTHER and not note.strip():
        raise DomainError("Say why you are declining.")
    move(offer, OfferStatus.DECLINED, allowed=ALLOWED, actor=actor, partnership=actor.partnership, note=note,
         responded_at=timezone.now(), decline_reason=reason, response_note=note)
    _tell_brokers(offer, "offer.declined", "declined", f"{offer.leader.name} declined {offer.request.reference}", [
        f"{offer.leader.name} declined the request from {offer.request.school.name}: "
        f"{DeclineReason(reason).label.lower()}.",
    ], note=note)
    return offer


@transaction.atomic
def withdraw_offer(*, actor: Membership, offer: Offer, note: str = "") -> Offer:
    if not actor.can("offers.make"):
        raise NotAllowed("Only brokers withdraw offers.")
    move(offer, OfferStatus.WITHDRAWN, allowed=ALLOWED, actor=actor, partnership=actor.partnership, note=note,
         responded_at=timezone.now())
    _tell_leader(offer, "offer.withdrawn", "withdrawn", f"The offer of {offer.request.reference} has been withdrawn", [
        f"The steering group has withdrawn its offer of the request from {offer.request.school.name}.",
    ], note=note, note_label="Their note")
    return offer


def release_accepted(*, actor: Membership, request: SupportRequest, note: str) -> Offer | None:
    """After a rejected proposal: the accepted offer is released (the caller frees its held days)."""
    offer = Offer.objects.filter(request=request, status=OfferStatus.ACCEPTED).select_related("leader").first()
    if offer is not None:
        move(offer, OfferStatus.RELEASED, allowed=ALLOWED, actor=actor, partnership=actor.partnership, note=note)
    return offer


def close_for_withdrawn_request(*, actor: Membership, request: SupportRequest, reason: str) -> list[Offer]:
    """The school withdrew its request: open offers are withdrawn, an accepted one released (returned, so the
    caller frees its held days), and each leader told."""
    released = []
    for offer in Offer.objects.filter(request=request, status__in=[OfferStatus.OPEN, OfferStatus.ACCEPTED]
                                      ).select_related("leader"):
        if offer.status == OfferStatus.ACCEPTED:
            move(offer, OfferStatus.RELEASED, allowed=ALLOWED, actor=actor, partnership=actor.partnership,
                 note="The school withdrew its request")
            released.append(offer)
        else:
            move(offer, OfferStatus.WITHDRAWN, allowed=ALLOWED, actor=actor, partnership=actor.partnership,
                 note="The school withdrew its request", responded_at=timezone.now())
        offer.request = request
        _tell_leader(offer, "offer.withdrawn", "withdrawn", f"{request.reference} was withdrawn by the school", [
            f"{request.school.name} has withdrawn its request, so the offer to you is closed.",
        ], note=reason, note_label="The school's reason")
    return released


@transaction.atomic
def expire_offer(*, offer: Offer) -> Offer:
    """Nobody answered in time: the offer expires and the broker and the leader are told."""
    if offer.expires_at > timezone.now():
        raise TransitionNotAllowed("This offer has not expired yet.")
    move(offer, OfferStatus.EXPIRED, allowed=ALLOWED, note="No answer before the offer expired")
    subject = f"The offer of {offer.request.reference} to {offer.leader.name} expired"
    lines = [f"{offer.leader.name} did not answer the offer of the request from {offer.request.school.name} in time."]
    _tell_brokers(offer, "offer.expired", "expired", subject, lines)
    _tell_leader(offer, "offer.expired", "expired", subject, lines)
    return offer


def expire_due_offers(*, now=None) -> int:
    """Expire every open offer past its time, in every partnership; each in its own transaction and scope."""
    now = now or timezone.now()
    with cross_partnership("offer expiry: open offers in every partnership"):
        due = list(Offer.objects.filter(status=OfferStatus.OPEN, expires_at__lte=now).values_list("pk", "partnership_id"))
    expired = 0
    for pk, partnership_id in due:
        with scope(partnership=partnership_id):
            offer = Offer.objects.select_related("request__school", "leader", "partnership").get(pk=pk)
            try:
                expire_offer(offer=offer)
            except TransitionNotAllowed:
                continue  # answered or expired by someone else meanwhile
            expired += 1
    return expired
