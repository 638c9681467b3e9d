"""Twenty people accepted for the last place at once, on real PostgreSQL with a connection each: exactly one gets
it, the other nineteen are on the waitlist in order, and the counter never passes the places."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from programmes.models import ChargeKind, ChargeLine, Cohort, Place, PlaceStatus
from programmes.places import transitions
from tests.conftest import require
from tests.factories.places import make_place
from tests.tenancy.test_races import race

pytestmark = pytest.mark.django_db(transaction=True)
S = PlaceStatus


@pytest.mark.parametrize("attempt", range(2))
def test_twenty_accepted_for_the_last_place_at_once_exactly_one_gets_it(partnership, broker, headteacher, world,
                                                                        attempt):
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    cohort = world["cohort"]
    with scopes_disabled():
        Cohort.objects.filter(pk=cohort.pk).update(places=5, taken=4)  # four places already held
        places = [make_place(cohort, world["school"], name=f"Person {n}", email=f"p{n}@school.example.org",
                             nominated_by=headteacher.user) for n in range(20)]

    def accepter(place):
        def action():
            with scope(partnership=partnership):
                return transitions.accept(actor=broker, place=place, today=timezone.localdate())
        return action

    results, errors = race(*(accepter(place) for place in places))
    assert not errors, errors
    assert len(results) == 20
    with scopes_disabled():
        statuses = list(Place.objects.filter(pk__in=[p.pk for p in places]).values_list("status", flat=True))
        assert statuses.count(S.ACCEPTED) == 1 and statuses.count(S.WAITLISTED) == 19
        assert Cohort.objects.get(pk=cohort.pk).taken == 5
        winner = Place.objects.get(pk__in=[p.pk for p in places], status=S.ACCEPTED)
        assert ChargeLine.objects.filter(kind=ChargeKind.PLACE).count() == 1
        assert ChargeLine.objects.get(kind=ChargeKind.PLACE).cause_id == winner.pk
        order = list(Place.objects.filter(cohort=cohort, status=S.WAITLISTED).order_by("waitlisted_at", "pk")
                     .values_list("waitlisted_at", flat=True))
        assert len(set(order)) == 19  # each joined at its own moment, one after another under the cohort's lock


def test_a_withdrawal_and_an_acceptance_at_once_lose_no_place(partnership, broker, headteacher, world):
    """A place freed while someone joins the waitlist: either they take it or it is offered to them; never a free
    place with someone waiting."""
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    cohort = world["cohort"]
    with scopes_disabled():
        held = [make_place(cohort, world["school"], name=f"Held {n}", status=S.ACCEPTED, accepted_at=timezone.now(),
                           nominated_by=headteacher.user) for n in range(2)]
        Cohort.objects.filter(pk=cohort.pk).update(taken=2)
        waiting = make_place(cohort, world["school"], name="Waiting", nominated_by=headteacher.user)

    def withdraw():
        with scope(partnership=partnership):
            return transitions.withdraw(actor=broker, place=held[0], reason="Left", today=timezone.localdate())

    def accept():
        with scope(partnership=partnership):
            return transitions.accept(actor=broker, place=waiting, today=timezone.localdate())

    results, errors = race(withdraw, accept)
    assert not errors, errors
    with scopes_disabled():
        waiting.refresh_from_db()
        assert waiting.status in (S.ACCEPTED, S.OFFERED)
        assert Cohort.objects.get(pk=cohort.pk).taken == 2
