"""What the cohort's own changes (programmes.courses) do to its places: cancelling withdraws every live place and
refunds the accepted ones in full, offering nothing; adding places offers them to the head of the waitlist."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from portal.notifications.models import Notification
from programmes.courses import services as courses
from programmes.models import ChargeKind, ChargeLine, Cohort, CohortStatus, Place, PlaceStatus
from programmes.places import transitions

pytestmark = [pytest.mark.django_db]
S = PlaceStatus


@pytest.fixture(autouse=True)
def _unscoped():
    with scopes_disabled():
        yield


def _nominated(head, world, *names):
    return [transitions.nominate(actor=head, cohort=world["cohort"], school=world["school"], name=name,
                                 email=f"{name.split()[0].lower()}@school.example.org", job_role="Teacher",
                                 today=timezone.localdate()) for name in names]


def test_cancelling_a_cohort_withdraws_every_live_place_and_refunds_the_accepted(broker, headteacher, world):
    cohort = world["cohort"]  # two places
    ana, ben, cy, di = _nominated(headteacher, world, "Ana One", "Ben Two", "Cy Three", "Di Four")
    for place in (ana, ben, cy):
        transitions.accept(actor=broker, place=place, today=timezone.localdate())  # Cy is waitlisted
    courses.cancel_cohort(actor=broker, cohort=cohort, reason="Too few schools signed up")
    statuses = dict(Place.objects.filter(cohort=cohort).values_list("name", "status"))
    assert statuses == {"Ana One": S.WITHDRAWN, "Ben Two": S.WITHDRAWN, "Cy Three": S.WITHDRAWN,
                        "Di Four": S.WITHDRAWN}
    cohort = Cohort.objects.get(pk=cohort.pk)
    assert cohort.status == CohortStatus.CANCELLED and cohort.taken == 0
    credits = ChargeLine.objects.filter(kind=ChargeKind.CREDIT, cause_type="place_refund")
    assert sorted(credits.values_list("cause_id", flat=True)) == sorted([ana.pk, ben.pk])
    assert all(credit.amount == Decimal("-650.00") for credit in credits)
    assert not Notification.objects.filter(event_type="place.offered").exists()  # nobody is offered a place
    told = Notification.objects.filter(event_type="place.withdrawn", recipient=headteacher.user, channel="in_app")
    assert told.count() == 4  # the head hears of each of their four staff
    assert "Too few schools" in Place.objects.get(pk=di.pk).withdraw_reason


def test_adding_places_offers_them_to_the_waitlist_in_order(broker, headteacher, world):
    cohort = world["cohort"]  # two places
    places = _nominated(headteacher, world, "Ana One", "Ben Two", "Cy Three", "Di Four", "Eve Five")
    for place in places:
        transitions.accept(actor=broker, place=place, today=timezone.localdate())
    courses.update_cohort(actor=broker, cohort=cohort, values={"places": 4})
    statuses = [Place.objects.get(pk=place.pk).status for place in places]
    assert statuses == [S.ACCEPTED, S.ACCEPTED, S.OFFERED, S.OFFERED, S.WAITLISTED]
    assert Cohort.objects.get(pk=cohort.pk).taken == 4
    # Changing something else offers nothing more.
    courses.update_cohort(actor=broker, cohort=cohort, values={"name": "Autumn cohort, renamed"})
    assert Place.objects.get(pk=places[4].pk).status == S.WAITLISTED
