"""Nominating, applying, endorsing, deciding, offering, taking, turning down and withdrawing places: each one
transaction, each status change through `move`.

`Cohort.taken` counts the places held (accepted, or offered and not yet answered). It moves only by a conditional
UPDATE (`taken < places`), under the cohort's row lock, which every change of a cohort's places takes first: so
twenty people accepted for the last place at once leave exactly one with it and the rest on the waitlist in order,
and a place freed while someone joins the waitlist cannot be missed. Whenever a place frees, the head of the
waitlist (earliest waitlisted, then id) is offered it with a deadline (`_offer_next`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from portal.audit.services import record_event
from portal.errors import Conflict, DomainError, NotAllowed
from portal.formats import date_text
from portal.tenancy.models import Membership
from portal.tenancy.services import invite_participant
from portal.workflow import move
from programmes.models import LIVE_PLACE_STATUSES, Cohort, CohortStatus, Place, PlaceStatus
from programmes.places.charges import charge_place, refund_place
from programmes.places.services import (
    PLACE_MOVES,
    can_answer_offer,
    can_decide,
    can_endorse,
    can_withdraw,
    heads,
    home_school_of,
    leads_school,
    person,
    refund_problem,
    steering_group,
    tell,
    window_problem,
)

S = PlaceStatus
DUPLICATE = "{email} already has a place, or is waiting for one, on this cohort."


# The cohort's counter and waitlist -------------------------------------------------------------------------

def _locked(cohort_id: int) -> Cohort:
    """The cohort, its row locked until the transaction ends: every change of its places is one at a time."""
    return (Cohort.objects.select_for_update(of=("self",)).select_related("programme", "service__catalogue")
            .get(pk=cohort_id))


def _take(cohort: Cohort) -> bool:
    """Take one of the cohort's places, or say there is none: the WHERE clause and the check constraint mean
    `taken` never passes `places`."""
    taken = Cohort.objects.filter(pk=cohort.pk, taken__lt=F("places")).update(taken=F("taken") + 1)
    if taken:
        cohort.taken += 1
    return bool(taken)


def _free(cohort: Cohort) -> None:
    if Cohort.objects.filter(pk=cohort.pk, taken__gt=0).update(taken=F("taken") - 1):
        cohort.taken -= 1


def waitlist(cohort: Cohort):
    return Place.objects.filter(cohort=cohort, status=S.WAITLISTED).order_by("waitlisted_at", "pk")


def waitlist_position(place: Place) -> int:
    ahead = Place.objects.filter(cohort_id=place.cohort_id, status=S.WAITLISTED).filter(
        Q(waitlisted_at__lt=place.waitlisted_at) | Q(waitlisted_at=place.waitlisted_at, pk__lt=place.pk))
    return ahead.count() + 1


def _offer_next(cohort: Cohort, *, actor=None, now: datetime | None = None) -> list[Place]:
    """Offer each free place to the head of the waitlist, with the cohort's deadline. Call with the cohort locked."""
    now = now or timezone.now()
    offered = []
    if cohort.status != CohortStatus.OPEN:
        return offered  # a completed or cancelled cohort offers nothing
    while True:
        head = waitlist(cohort).select_related("school", "user", "partnership").first()
        if head is None or not _take(cohort):
            return offered
        expires = now + timedelta(days=cohort.offer_days)
        move(head, S.OFFERED, allowed=PLACE_MOVES, actor=actor, offered_at=now, offer_expires_at=expires)
        tell(head, "place.offered", "offered", [*person(head), *heads(head)],
             f"A place on {cohort.programme.title} ({cohort.name}) is offered to {head.name}",
             [f"A place has freed on {cohort.programme.title}, {cohort.name}, and {head.name} is next on the waitlist.",
              f"Take it or turn it down by {date_text(expires)}. If nobody answers by then it passes to the next "
              "person."], action="Take or turn down the place")
        offered.append(head)


def fill_free_places(*, cohort: Cohort, actor=None) -> list[Place]:
    """Offer any free places to the waitlist (after the cohort's places are increased)."""
    with transaction.atomic():
        return _offer_next(_locked(cohort.pk), actor=actor)


def _reread(place: Place) -> Place:
    return Place.objects.select_related("school", "user", "partnership").get(pk=place.pk)


def _link_account(place: Place) -> bool:
    """Link the place to the account of an active member with its email address, if there is one: from the
    nomination on, someone who already has an account follows their place, their waitlist position and any offer."""
    if place.user_id is not None:
        return True
    member = (Membership.objects.filter(partnership=place.partnership, user__email__iexact=place.email,
                                        is_active=True).select_related("user").first())
    if member:
        Place.objects.filter(pk=place.pk).update(user=member.user)
        place.user = member.user
    return member is not None


def _admit(place: Place, cohort: Cohort, *, actor, today: date) -> None:
    """An accepted person: linked to their account or invited to one, and their school charged for the place."""
    if place.user_id is None:
        if not _link_account(place):
            invite_participant(partnership=place.partnership, email=place.email, inviter=getattr(actor, "user", actor)
                               or cohort.created_by)
    charge_place(place, cohort, on=today, actor=actor)


# Nominations and applications ------------------------------------------------------------------------------

def _create(**fields) -> Place:
    try:
        with transaction.atomic():
            return Place.objects.create(**fields)
    except IntegrityError:  # the one-live-place-per-person constraint, when two arrive at once
        raise DomainError(DUPLICATE.format(email=fields["email"]), field="email") from None


@transaction.atomic
def nominate(*, actor: Membership, cohort: Cohort, school, name: str, email: str, job_role: str,
             today: date) -> Place:
    """A head nominates a named member of a school they lead: waiting for the steering group."""
    if not leads_school(actor, school.pk):
        raise NotAllowed("You can only nominate staff of a school you lead.", field="school")
    problem = window_problem(cohort, today=today)
    if problem:
        raise Conflict(problem)
    email = email.strip().lower()
    if Place.objects.filter(cohort=cohort, email__iexact=email, status__in=LIVE_PLACE_STATUSES).exists():
        raise DomainError(DUPLICATE.format(email=email), field="email")
    now = timezone.now()
    place = _create(partnership=cohort.partnership, cohort=cohort, school=school, name=name.strip(), email=email,
                    job_role=job_role.strip(), status=S.NOMINATED, nominated_by=actor.user, endorsed_by=actor.user,
                    endorsed_at=now)
    _link_account(place)
    record_event(partnership=cohort.partnership, actor=actor.user, action="place.nominated", obj=place,
                 new={"status": S.NOMINATED, "cohort": cohort.pk, "school": school.pk})
    tell(place, "place.nominated", "nominated", steering_group(cohort.partnership),
         f"{school.name} nominated {place.name} for {cohort.name}",
         [f"{actor.user.get_full_name() or actor.user.email} nominated {place.name} ({place.job_role}) of "
          f"{school.name} for a place on {cohort.name}."], action="Accept or decline the nomination")
    return place


@transaction.atomic
def apply(*, actor: Membership, cohort: Cohort, statement: str, today: date) -> Place:
    """A member of staff applies from their school; its heads are asked to endorse."""
    if not actor.can("places.apply"):
        raise NotAllowed("Your role does not apply for places.")
    school = home_school_of(actor)
    if school is None:
        raise DomainError("Your account is not linked to a school, so you cannot apply. Ask your headteacher to "
                          "nominate you instead.")
    problem = window_problem(cohort, today=today)
    if problem:
        raise Conflict(problem)
    if not statement.strip():
        raise DomainError("Say why you want the place: your headteacher and the steering group will read it.",
                          field="statement")
    user = actor.user
    email = user.email.lower()
    if Place.objects.filter(cohort=cohort, email__iexact=email, status__in=LIVE_PLACE_STATUSES).exists():
        raise DomainError("You already have a place, or are waiting for one, on this cohort.", field="statement")
    place = _create(partnership=cohort.partnership, cohort=cohort, school=school, name=user.get_full_name() or email,
                    email=email, job_role="Applied as a member of staff", user=user, status=S.APPLIED,
                    statement=statement.strip(), nominated_by=user)
    record_event(partnership=cohort.partnership, actor=user, action="place.applied", obj=place,
                 new={"status": S.APPLIED, "cohort": cohort.pk, "school": school.pk})
    tell(place, "place.applied", "applied", heads(place), f"{place.name} applied for a place on {cohort.name}",
         [f"{place.name} of {school.name} applied for a place on {cohort.name}.",
          "Endorse the application to send it to the steering group, or say why not."],
         note=place.statement, note_label="Their statement", action="Endorse or not")
    return place


@transaction.atomic
def endorse(*, actor: Membership, place: Place, endorsed: bool, reason: str = "") -> Place:
    place = _reread(place)
    if not can_endorse(actor, place):
        raise NotAllowed("Only a headteacher of the school endorses an application waiting for them.")
    now = timezone.now()
    if endorsed:
        move(place, S.NOMINATED, allowed=PLACE_MOVES, actor=actor, endorsed_by=actor.user, endorsed_at=now)
        tell(place, "place.nominated", "nominated", steering_group(place.partnership),
             f"{place.school.name} endorsed {place.name}'s application", [
                 f"{place.name}'s application for a place is endorsed by their headteacher."],
             action="Accept or decline the application")
        tell(place, "place.endorsed", "endorsed", person(place), "Your application was endorsed",
             ["Your headteacher endorsed your application. The steering group will now decide."])
    else:
        if not reason.strip():
            raise DomainError("Say why you do not endorse it: the applicant will read it.", field="note")
        move(place, S.NOT_ENDORSED, allowed=PLACE_MOVES, actor=actor, note=reason.strip(), endorsed_by=actor.user,
             endorsed_at=now, decision_note=reason.strip())
        tell(place, "place.endorsed", "not_endorsed", person(place), "Your application was not endorsed",
             ["Your headteacher did not endorse your application for a place."], note=reason.strip(),
             note_label="Reason")
    return place


# The steering group's decision ---------------------------------------------------------------------------

@transaction.atomic
def accept(*, actor: Membership, place: Place, today: date) -> Place:
    """Accept a nomination: a place if one is left (charged, the person invited), else the end of the waitlist."""
    cohort = _locked(place.cohort_id)
    place = _reread(place)
    if not can_decide(actor, place):
        raise Conflict("This place is not waiting for the steering group's decision.")
    if cohort.status != CohortStatus.OPEN:
        raise Conflict(f"{cohort.name} is {cohort.get_status_display().lower()}, so its places no longer change.")
    _offer_next(cohort, actor=actor)  # places freed earlier go to the waitlist first
    now = timezone.now()
    decided = {"decided_by": actor.user, "decided_at": now}
    title = f"{cohort.programme.title} ({cohort.name})"
    if _take(cohort):
        move(place, S.ACCEPTED, allowed=PLACE_MOVES, actor=actor, accepted_at=now, **decided)
        _admit(place, cohort, actor=actor, today=today)
        tell(place, "place.decided", "accepted", [*person(place), *heads(place)], f"{place.name} has a place on {title}",
             [f"The steering group accepted {place.name} for a place on {title}.",
              "Anyone new to the portal gets an invitation to a participant account to follow the programme."])
    else:
        move(place, S.WAITLISTED, allowed=PLACE_MOVES, actor=actor, waitlisted_at=now, **decided)
        position = waitlist_position(place)
        tell(place, "place.decided", "waitlisted", [*person(place), *heads(place)],
             f"{place.name} is on the waitlist for {title}",
             [f"Every place on {title} is taken, so {place.name} is number {position} on the waitlist.",
              f"When a place frees, the next person is offered it and has {cohort.offer_days} days to take it."])
    return place


@transaction.atomic
def decline(*, actor: Membership, place: Place, reason: str) -> Place:
    place = _reread(place)
    if not can_decide(actor, place):
        raise Conflict("This place is not waiting for the steering group's decision.")
    if not reason.strip():
        raise DomainError("Say why it is declined: the person and their headteacher will read it.", field="note")
    move(place, S.DECLINED, allowed=PLACE_MOVES, actor=actor, note=reason.strip(), decided_by=actor.user,
         decided_at=timezone.now(), decision_note=reason.strip())
    tell(place, "place.decided", "declined", [*person(place), *heads(place)],
         f"{place.name}'s place on {place.cohort.name} was declined",
         ["The steering group declined the place."], note=reason.strip(), note_label="Reason")
    return place


# Offers from the waitlist --------------------------------------------------------------------------------

def take_offer(*, actor: Membership, place: Place, today: date) -> Place:
    """Take an offered place. An offer past its deadline is lapsed there and then (in a transaction of its own, as the
    daily job would) so the place passes to the next person at once, and the taker is told."""
    fresh = Place.objects.only("status", "offer_expires_at").get(pk=place.pk)
    if fresh.status == S.OFFERED and fresh.offer_expires_at <= timezone.now():
        lapse_expired_offers(partnership=place.partnership)
        raise Conflict(f"The offer lapsed on {date_text(fresh.offer_expires_at)}, so the place has passed to the "
                       "next person on the waitlist.")
    return _take_offer(actor=actor, place=place, today=today)


@transaction.atomic
def _take_offer(*, actor: Membership, place: Place, today: date) -> Place:
    cohort = _locked(place.cohort_id)
    place = _reread(place)
    if not can_answer_offer(actor, place):
        raise Conflict("This place is not offered to you any more.")
    if cohort.status != CohortStatus.OPEN:
        raise Conflict(f"{cohort.name} is {cohort.get_status_display().lower()}, so its places no longer change.")
    if place.offer_expires_at <= timezone.now():
        raise Conflict("The offer has lapsed, so the place passes to the next person on the waitlist.")
    move(place, S.ACCEPTED, allowed=PLACE_MOVES, actor=actor, accepted_at=timezone.now())
    _admit(place, cohort, actor=actor, today=today)
    tell(place, "place.decided", "accepted", [*person(place), *heads(place), *steering_group(place.partnership)],
         f"{place.name} took the place on {cohort.name}", [f"{place.name} took the place offered on {cohort.name}."])
    return place


def _let_go(place: Place, cohort: Cohort, *, actor, to: str, subject: str, lines: list[str], note: str = "",
            **changes) -> Place:
    """A place leaves: the counter freed if it held one, and the freed place offered to the waitlist."""
    held = place.status in (S.OFFERED, S.ACCEPTED)
    move(place, to, allowed=PLACE_MOVES, actor=actor, note=note, **changes)
    tell(place, "place.withdrawn", to, [*person(place), *heads(place), *steering_group(place.partnership)], subject,
         lines, note=note, note_label="Reason")
    if held:
        _free(cohort)
        _offer_next(cohort, actor=actor)
    return place


@transaction.atomic
def turn_down_offer(*, actor: Membership, place: Place, reason: str = "") -> Place:
    cohort = _locked(place.cohort_id)
    place = _reread(place)
    if not can_answer_offer(actor, place):
        raise Conflict("This place is not offered to you any more.")
    return _let_go(place, cohort, actor=actor, to=S.LAPSED, note=reason.strip(), decision_note=reason.strip(),
                   subject=f"{place.name} turned down the place on {cohort.name}",
                   lines=[f"{place.name} turned down the place offered on {cohort.name}; it passes to the next "
                          "person on the waitlist."])


@transaction.atomic
def withdraw(*, actor: Membership, place: Place, reason: str, today: date) -> Place:
    """Withdraw a place: refunded under the catalogue's rule before the cohort starts, never after."""
    cohort = _locked(place.cohort_id)
    place = _reread(place)
    if not can_withdraw(actor, place):
        raise Conflict("This place cannot be withdrawn by you now.")
    if not reason.strip():
        raise DomainError("Say why the place is withdrawn.", field="note")
    refund = place.status == S.ACCEPTED and not refund_problem(place, cohort, today=today)
    _let_go(place, cohort, actor=actor, to=S.WITHDRAWN, note=reason.strip(), withdrawn_at=timezone.now(),
            withdraw_reason=reason.strip(), subject=f"{place.name}'s place on {cohort.name} was withdrawn",
            lines=[f"{place.name}'s place on {cohort.name} was withdrawn.",
                   "The school's charge for it is refunded." if refund else "No refund is due."])
    if refund:
        refund_place(place, on=today, actor=actor)
    return place


def withdraw_for_cancelled_cohort(*, actor: Membership, cohort: Cohort, reason: str) -> int:
    """The cohort will not run (programmes.courses.services.cancel_cohort's hook, inside its transaction): every live
    place is withdrawn, each accepted one refunded in full whatever the catalogue's rule (the school did not cancel),
    and everyone involved is told. Nobody is offered anything. Returns how many places were withdrawn."""
    locked = _locked(cohort.pk)
    today = timezone.localdate()
    live = list(Place.objects.filter(cohort=locked, status__in=LIVE_PLACE_STATUSES)
                .select_related("school", "user", "partnership").order_by("pk"))
    for place in live:
        was_accepted = place.status == S.ACCEPTED
        move(place, S.WITHDRAWN, allowed=PLACE_MOVES, actor=actor, note=reason, withdrawn_at=timezone.now(),
             withdraw_reason=f"The cohort was cancelled: {reason}")
        tell(place, "place.withdrawn", S.WITHDRAWN, [*person(place), *heads(place)],
             f"{locked.programme.title} ({locked.name}) is cancelled",
             [f"The steering group cancelled {locked.name} of {locked.programme.title}, so {place.name}'s "
              f"{'place' if was_accepted else 'application'} is withdrawn.",
              "The school's charge for the place is refunded." if was_accepted else "Nothing was charged."],
             note=reason, note_label="Reason")
        if was_accepted:
            refund_place(place, on=today, actor=actor)
    Cohort.objects.filter(pk=locked.pk).update(taken=0)
    return len(live)


# The daily job -------------------------------------------------------------------------------------------

def lapse_expired_offers(*, partnership, now: datetime | None = None) -> int:
    """Offers past their deadline lapse and pass on, each in its own transaction. Returns how many lapsed."""
    now = now or timezone.now()
    expired = list(Place.objects.filter(partnership=partnership, status=S.OFFERED, offer_expires_at__lte=now)
                   .order_by("offer_expires_at", "pk").values_list("pk", "cohort_id"))
    lapsed = 0
    for pk, cohort_id in expired:
        with transaction.atomic():
            cohort = _locked(cohort_id)
            place = Place.objects.select_related("school", "user", "partnership").get(pk=pk)
            if place.status != S.OFFERED or place.offer_expires_at > now:
                continue
            _let_go(place, cohort, actor=None, to=S.LAPSED, subject=f"The offer of a place on {cohort.name} lapsed",
                    lines=[f"{place.name} did not take the place offered on {cohort.name} by "
                           f"{date_text(place.offer_expires_at)}, so it passed to the next person on the waitlist."])
            lapsed += 1
    return lapsed


def link_places_on_join(event) -> None:
    """When someone joins the partnership (an invitation accepted), their places by email become theirs."""
    if event.action != "membership.joined" or event.actor_id is None:
        return
    Place.objects.filter(partnership=event.partnership, user__isnull=True,
                         email__iexact=event.actor.email).update(user=event.actor)
