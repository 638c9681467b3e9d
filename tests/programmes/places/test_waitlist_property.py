"""Under any order of new acceptances, withdrawals, offers taken, turned down or lapsed and places added, no place
is lost or given twice: `taken` is the number of places offered or accepted and never more than the places; a free
place never sits beside a waitlist; every freed place goes to the head of the waitlist; each place is charged at
most once, and every accepted place exactly once."""

from __future__ import annotations

from datetime import timedelta
from itertools import count

import pytest
from django.db.models import Count, F
from django.utils import timezone
from django_scopes import scopes_disabled
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from programmes.models import ChargeKind, ChargeLine, Cohort, Place, PlaceStatus
from programmes.places import transitions
from tests.factories.places import make_cohort

pytestmark = [pytest.mark.django_db]
S = PlaceStatus
PICK = st.integers(min_value=0, max_value=30)
OPERATIONS = st.lists(st.one_of(
    st.just(("new", 0)), st.just(("new", 0)), st.just(("grow", 0)),
    st.tuples(st.sampled_from(["withdraw", "take", "refuse", "lapse", "withdraw_waiting"]), PICK),
), min_size=1, max_size=25)
_emails = count()


def _pick(places, index):
    return places[index % len(places)] if places else None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(operations=OPERATIONS, places=st.integers(min_value=1, max_value=3))
def test_no_place_is_lost_or_given_twice(partnership, broker, headteacher, world, operations, places):
    today = timezone.localdate()
    with scopes_disabled():
        cohort = make_cohort(partnership, places=places, service=world["service"], created_by=broker.user)
        expected_waitlist: list[int] = []  # the waitlist as the test saw people join it, in order

        def mine(*statuses):
            return list(Place.objects.filter(cohort=cohort, status__in=statuses).order_by("pk"))

        for operation, index in operations:
            if operation == "new":
                n = next(_emails)
                place = transitions.nominate(actor=headteacher, cohort=cohort, school=world["school"],
                                             name=f"Person {n}", email=f"p{n}@school.example.org", job_role="Teacher",
                                             today=today)
                transitions.accept(actor=broker, place=place, today=today)
                place.refresh_from_db()
                if place.status == S.WAITLISTED:
                    expected_waitlist.append(place.pk)
            elif operation == "grow":
                Cohort.objects.filter(pk=cohort.pk).update(places=F("places") + 1)
                transitions.fill_free_places(cohort=cohort, actor=broker)
            elif operation == "withdraw" and (place := _pick(mine(S.ACCEPTED, S.OFFERED), index)):
                transitions.withdraw(actor=broker, place=place, reason="x", today=today)
            elif operation == "withdraw_waiting" and (place := _pick(mine(S.WAITLISTED), index)):
                transitions.withdraw(actor=broker, place=place, reason="x", today=today)
                expected_waitlist.remove(place.pk)
            elif operation == "take" and (place := _pick(mine(S.OFFERED), index)):
                transitions.take_offer(actor=headteacher, place=place, today=today)
            elif operation == "refuse" and (place := _pick(mine(S.OFFERED), index)):
                transitions.turn_down_offer(actor=headteacher, place=place)
            elif operation == "lapse" and (place := _pick(mine(S.OFFERED), index)):
                Place.objects.filter(pk=place.pk).update(offer_expires_at=timezone.now() - timedelta(seconds=1))
                transitions.lapse_expired_offers(partnership=partnership)

            # Whoever left the waitlist for an offer was at its head, in order.
            offered_now = {p.pk for p in mine(S.OFFERED, S.ACCEPTED)}
            left = [pk for pk in expected_waitlist if pk in offered_now]
            assert left == expected_waitlist[:len(left)], (operation, expected_waitlist, left)
            expected_waitlist = expected_waitlist[len(left):]
            assert [p.pk for p in Place.objects.filter(cohort=cohort, status=S.WAITLISTED)
                    .order_by("waitlisted_at", "pk")] == expected_waitlist

            fresh = Cohort.objects.get(pk=cohort.pk)
            holding = Place.objects.filter(cohort=cohort, status__in=(S.OFFERED, S.ACCEPTED)).count()
            assert fresh.taken == holding <= fresh.places, (operation, fresh.taken, holding, fresh.places)
            if fresh.taken < fresh.places:
                assert not expected_waitlist, "a free place while people wait"
            charges = ChargeLine.objects.filter(kind=ChargeKind.PLACE, cause_type="place",
                                                cause_id__in=Place.objects.filter(cohort=cohort).values("pk"))
            assert not charges.values("cause_id").annotate(n=Count("pk")).filter(n__gt=1).exists()
            accepted = {p.pk for p in mine(S.ACCEPTED)}
            assert accepted <= set(charges.values_list("cause_id", flat=True))
