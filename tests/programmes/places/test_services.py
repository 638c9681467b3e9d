"""Places from nomination to withdrawal: each change through `move`, with its audit event, notifications, charge
and refund, and refused for the roles that may not."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from portal.audit.models import AuditEvent
from portal.errors import DomainError, NotAllowed
from portal.notifications.models import Notification
from portal.tenancy.models import Invitation, hash_token
from portal.tenancy.roles import Role
from portal.tenancy.services import accept_invitation
from programmes.models import ChargeKind, ChargeLine, Cohort, Place, PlaceStatus
from programmes.places import transitions
from programmes.places.jobs import run_place_offers
from tests.factories import SystemLeaderFactory, UserFactory, make_member
from tests.factories.places import make_cohort

pytestmark = [pytest.mark.django_db]
S = PlaceStatus


@pytest.fixture(autouse=True)
def _unscoped():
    with scopes_disabled():
        yield


def today():
    return timezone.localdate()


def _nominate(head, world, name="Ana Lopez", email=None):
    email = email or f"{name.split()[0].lower()}@school.example.org"
    return transitions.nominate(actor=head, cohort=world["cohort"], school=world["school"], name=name, email=email,
                                job_role="Maths lead", today=today())


def _taken(cohort):
    return Cohort.objects.get(pk=cohort.pk).taken


def test_a_head_nominates_and_the_steering_group_is_asked(headteacher, broker, world):
    place = _nominate(headteacher, world)
    assert place.status == S.NOMINATED and place.nominated_by == headteacher.user
    assert AuditEvent.objects.filter(action="place.nominated", object_id=str(place.pk)).exists()
    assert Notification.objects.filter(event_type="place.nominated", recipient=broker.user).exists()


def test_a_duplicate_nomination_is_refused_clearly(headteacher, world):
    _nominate(headteacher, world, email="ana@school.example.org")
    with pytest.raises(DomainError, match="already has a place"):
        _nominate(headteacher, world, name="Ana L", email="ANA@school.example.org")


def test_nominating_outside_the_window_or_for_another_school_is_refused(partnership, headteacher, world):
    with pytest.raises(DomainError, match="closed"):
        transitions.nominate(actor=headteacher, cohort=world["cohort"], school=world["school"], name="A",
                             email="a@x.org", job_role="T", today=today() + timedelta(days=60))
    other = make_member(partnership, Role.HEADTEACHER)
    with pytest.raises(NotAllowed):
        transitions.nominate(actor=other, cohort=world["cohort"], school=world["school"], name="A",
                             email="a@x.org", job_role="T", today=today())


def test_a_system_leader_applies_the_head_endorses_or_not(partnership, headteacher, system_leader, world):
    SystemLeaderFactory(partnership=partnership, home_school=world["school"], user=system_leader.user)
    place = transitions.apply(actor=system_leader, cohort=world["cohort"], statement="To lead maths.", today=today())
    assert place.status == S.APPLIED and place.school == world["school"] and place.user == system_leader.user
    assert Notification.objects.filter(event_type="place.applied", recipient=headteacher.user).exists()
    with pytest.raises(NotAllowed):
        transitions.endorse(actor=make_member(partnership, Role.HEADTEACHER), place=place, endorsed=True)
    with pytest.raises(DomainError, match="Say why"):
        transitions.endorse(actor=headteacher, place=place, endorsed=False, reason=" ")
    transitions.endorse(actor=headteacher, place=place, endorsed=False, reason="Not this year")
    place.refresh_from_db()
    assert place.status == S.NOT_ENDORSED and place.decision_note == "Not this year"


def test_endorsed_application_goes_to_the_steering_group(partnership, headteacher, system_leader, broker, world):
    SystemLeaderFactory(partnership=partnership, home_school=world["school"], user=system_leader.user)
    place = transitions.apply(actor=system_leader, cohort=world["cohort"], statement="Please", today=today())
    transitions.endorse(actor=headteacher, place=place, endorsed=True)
    place.refresh_from_db()
    assert place.status == S.NOMINATED and place.endorsed_by == headteacher.user


def test_applying_without_a_school_is_refused(participant, world):
    with pytest.raises(DomainError, match="not linked to a school"):
        transitions.apply(actor=participant, cohort=world["cohort"], statement="x", today=today())


def test_accepting_charges_the_school_invites_the_person_and_waitlists_when_full(broker, headteacher, world):
    cohort = world["cohort"]
    a, b, c = (_nominate(headteacher, world, name=n) for n in ("Ana One", "Ben Two", "Cy Three"))
    for place in (a, b):
        transitions.accept(actor=broker, place=place, today=today())
    assert _taken(cohort) == 2
    charge = ChargeLine.objects.get(kind=ChargeKind.PLACE, cause_type="place", cause_id=a.pk)
    assert charge.amount == Decimal("650.00") and charge.school == world["school"]
    assert Invitation.objects.filter(email="ana@school.example.org", role=Role.PARTICIPANT).count() == 1
    transitions.accept(actor=broker, place=c, today=today())
    c.refresh_from_db()
    assert c.status == S.WAITLISTED and c.waitlisted_at and _taken(cohort) == 2
    assert not ChargeLine.objects.filter(cause_id=c.pk, cause_type="place").exists()
    assert "number 1 on the waitlist" in " ".join(
        Notification.objects.filter(event_type="place.decided", dedupe_key__contains=f"place:{c.pk}:waitlisted")
        .values_list("context__lines", flat=True)[0])


def test_only_the_steering_group_decides_and_a_decline_needs_a_reason(headteacher, broker, world):
    place = _nominate(headteacher, world)
    with pytest.raises(DomainError):
        transitions.accept(actor=headteacher, place=place, today=today())
    with pytest.raises(DomainError, match="Say why"):
        transitions.decline(actor=broker, place=place, reason="")
    transitions.decline(actor=broker, place=place, reason="Already trained")
    place.refresh_from_db()
    assert place.status == S.DECLINED and place.decision_note == "Already trained"


def test_an_existing_member_is_linked_not_invited(partnership, broker, headteacher, world):
    member = make_member(partnership, Role.SYSTEM_LEADER, user=UserFactory(email="kim@school.example.org"))
    place = _nominate(headteacher, world, name="Kim Lee", email="kim@school.example.org")
    transitions.accept(actor=broker, place=place, today=today())
    place.refresh_from_db()
    assert place.user == member.user
    assert not Invitation.objects.filter(email="kim@school.example.org").exists()


def test_an_invited_participant_joining_gets_their_place(partnership, broker, headteacher, world):
    place = _nominate(headteacher, world, name="Lou Park", email="lou@school.example.org")
    transitions.accept(actor=broker, place=place, today=today())
    invitation = Invitation.objects.get(email="lou@school.example.org")
    # The token is only in the email: give the invitation a known one.
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=hash_token("tok-lou"))
    user = UserFactory(email="lou@school.example.org")
    accept_invitation(token="tok-lou", user=user)
    place.refresh_from_db()
    assert place.user == user


def test_withdrawing_refunds_before_the_start_and_offers_the_next(broker, headteacher, world):
    cohort = world["cohort"]
    a, b, c, d = (_nominate(headteacher, world, name=n) for n in ("Ana One", "Ben Two", "Cy Three", "Di Four"))
    for place in (a, b, c, d):
        transitions.accept(actor=broker, place=place, today=today())
    transitions.withdraw(actor=headteacher, place=a, reason="Left the school", today=today())
    a.refresh_from_db(), c.refresh_from_db(), d.refresh_from_db()
    assert a.status == S.WITHDRAWN
    credit = ChargeLine.objects.get(kind=ChargeKind.CREDIT, cause_type="place_refund", cause_id=a.pk)
    assert credit.amount == Decimal("-650.00")
    assert c.status == S.OFFERED and c.offer_expires_at > timezone.now() and d.status == S.WAITLISTED
    assert _taken(cohort) == 2
    assert Notification.objects.filter(event_type="place.offered", dedupe_key__contains=f"place:{c.pk}:").exists()
    # c takes it (charged); d is offered nothing yet.
    transitions.take_offer(actor=headteacher, place=c, today=today())
    c.refresh_from_db()
    assert c.status == S.ACCEPTED
    assert ChargeLine.objects.filter(kind=ChargeKind.PLACE, cause_id=c.pk).count() == 1


def test_no_refund_after_the_start(partnership, broker, headteacher, world):
    cohort = world["cohort"]
    place = _nominate(headteacher, world)
    transitions.accept(actor=broker, place=place, today=today())
    Cohort.objects.filter(pk=cohort.pk).update(starts_on=today() - timedelta(days=1))
    transitions.withdraw(actor=broker, place=place, reason="Ill", today=today())
    assert not ChargeLine.objects.filter(kind=ChargeKind.CREDIT, cause_id=place.pk).exists()


def test_no_charge_without_a_service(partnership, broker, headteacher, world):
    free = make_cohort(partnership, places=1, name="Free cohort")
    place = transitions.nominate(actor=headteacher, cohort=free, school=world["school"], name="Al", email="al@x.org",
                                 job_role="T", today=today())
    transitions.accept(actor=broker, place=place, today=today())
    place.refresh_from_db()
    assert place.status == S.ACCEPTED and not ChargeLine.objects.filter(cause_id=place.pk).exists()


def test_turning_down_an_offer_passes_it_on(broker, headteacher, world):
    places = [_nominate(headteacher, world, name=n) for n in ("Ana One", "Ben Two", "Cy Three", "Di Four")]
    for place in places:
        transitions.accept(actor=broker, place=place, today=today())
    transitions.withdraw(actor=broker, place=places[0], reason="x", today=today())
    transitions.turn_down_offer(actor=headteacher, place=places[2], reason="Too busy")
    places[2].refresh_from_db(), places[3].refresh_from_db()
    assert places[2].status == S.LAPSED and places[3].status == S.OFFERED


def test_the_daily_job_reminds_once_then_lapses_and_passes_on(broker, headteacher, world):
    places = [_nominate(headteacher, world, name=n) for n in ("Ana One", "Ben Two", "Cy Three", "Di Four")]
    for place in places:
        transitions.accept(actor=broker, place=place, today=today())
    transitions.withdraw(actor=broker, place=places[0], reason="x", today=today())
    offered = Place.objects.get(pk=places[2].pk)
    soon = offered.offer_expires_at - timedelta(days=1)
    assert run_place_offers(now=soon - timedelta(days=2)).reminders == 0  # not within two days yet
    run_place_offers(now=soon)
    reminders = Notification.objects.filter(event_type="place.offer_lapsing")
    sent = reminders.count()
    assert reminders.filter(recipient=headteacher.user).exists() and reminders.filter(email=offered.email).exists()
    run_place_offers(now=soon + timedelta(hours=1))
    assert reminders.count() == sent  # exactly once: the outbox key names the offer
    summary = run_place_offers(now=offered.offer_expires_at + timedelta(minutes=1))
    assert summary.lapsed == 1
    offered.refresh_from_db()
    assert offered.status == S.LAPSED
    assert Place.objects.get(pk=places[3].pk).status == S.OFFERED
    assert _taken(world["cohort"]) == 2


def test_an_expired_offer_cannot_be_taken(broker, headteacher, world):
    places = [_nominate(headteacher, world, name=n) for n in ("Ana One", "Ben Two", "Cy Three")]
    for place in places:
        transitions.accept(actor=broker, place=place, today=today())
    transitions.withdraw(actor=broker, place=places[0], reason="x", today=today())
    Place.objects.filter(pk=places[2].pk).update(offer_expires_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(DomainError, match="lapsed"):
        transitions.take_offer(actor=headteacher, place=places[2], today=today())


def test_a_participant_withdraws_only_their_own(partnership, participant, broker, headteacher, world):
    place = _nominate(headteacher, world)
    with pytest.raises(DomainError):
        transitions.withdraw(actor=participant, place=place, reason="x", today=today())
    Place.objects.filter(pk=place.pk).update(user=participant.user)
    transitions.withdraw(actor=participant, place=place, reason="Changed my mind", today=today())
    place.refresh_from_db()
    assert place.status == S.WITHDRAWN
