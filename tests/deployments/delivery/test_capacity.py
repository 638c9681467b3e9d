"""The capacity ledger: days held against a leader's term, and how a deployment's days spread over terms."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from deployments import processes
from deployments.brokerage import offers
from deployments.delivery import capacity
from deployments.models import Offer, OfferStatus, RequestStatus, SupportRequest
from portal.calendar.schooldays import Period, SchoolCalendar
from tests.deployments.conftest import accepted, held_days, propose, triaged_request


def test_accepting_beyond_capacity_is_refused_and_nothing_changes(brokerage):
    b = brokerage
    with scopes_disabled():
        b.leader.capacity_days_per_term = Decimal(4)
        b.leader.save()
    accepted(b)  # holds 3 of 4 days
    second = triaged_request(b.head, b.broker, b.spec, days=Decimal(2), start=b.request.preferred_start)
    with scope(partnership=b.partnership):
        # Matching agrees: 1 day left for 2 asked excludes her, so offering takes a reason.
        [offer] = offers.make_offers(actor=b.broker, request=second, leaders=[b.leader],
                                     override_reason="She may free a day by moving another visit.")
        with pytest.raises(capacity.CapacityExceeded, match="has 1 of 4 days left") as refused:
            processes.accept_offer(actor=b.leader_member, offer=Offer.objects.get(pk=offer.pk))
        # The leader is told what they can do: nobody can change a sent request's days.
        assert str(refused.value).endswith("Decline the offer (no capacity) so the broker can look for someone else, "
                                           "or free some days first.")
        assert Offer.objects.get(pk=offer.pk).status == OfferStatus.OPEN
        assert SupportRequest.objects.get(pk=second.pk).status == RequestStatus.TRIAGED
    assert held_days(b.leader) == Decimal(3)


def test_approving_beyond_capacity_tells_the_approver_what_they_can_do(brokerage):
    b = brokerage
    accepted(b)
    with scope(partnership=b.partnership):
        deployment = propose(b, days=Decimal(30), end_date=timezone.localdate() + timedelta(days=5))
        with pytest.raises(capacity.CapacityExceeded) as refused:
            processes.decide_deployment(actor=b.approver, deployment=deployment, approve=True, rationale="Yes")
    # A proposed deployment has no edit: the approver declines it and the broker proposes again.
    assert "Ask the broker to change" not in str(refused.value)
    assert str(refused.value).endswith("Do not approve it, and say why: the broker can then propose fewer days or "
                                       "other dates.")


# Terms and splitting days: pure functions over a calendar.


AUTUMN = Period("2026-27", "term", "autumn", "Autumn term", date(2026, 9, 3), date(2026, 12, 18))


SPRING = Period("2026-27", "term", "spring", "Spring term", date(2027, 1, 5), date(2027, 3, 26))


SUMMER = Period("2026-27", "term", "summer", "Summer term", date(2027, 4, 12), date(2027, 7, 21))


def test_a_holiday_counts_against_the_next_term_and_gaps_fall_back_to_the_usual_shape():
    terms = SchoolCalendar([AUTUMN, SPRING, SUMMER])
    assert terms.term_for(date(2026, 12, 28)).key == "2026-27 spring"
    assert terms.term_for(date(2027, 4, 1)).key == "2026-27 summer"
    assert terms.term_for(date(2027, 8, 10)).key == "2027-28 autumn"  # summer holiday: next year's autumn
    assert terms.term_for(date(2027, 8, 10)).start == date(2027, 9, 1)  # no 2027-28 calendar: the usual shape
    assert terms.term_for(date(2026, 10, 1)).label == "Autumn term 2026"


def test_days_spread_over_terms_by_weekdays_in_half_days_and_add_up():
    terms = SchoolCalendar([AUTUMN, SPRING, SUMMER])
    split = capacity.split_days(Decimal(5), date(2026, 12, 7), date(2027, 1, 29), terms)
    assert sum(split.values()) == Decimal(5)
    assert all((days * 2) % 1 == 0 for days in split.values())
    assert [t.key for t in split] == ["2026-27 autumn", "2026-27 spring"]
    assert split[terms.term_for(date(2027, 1, 10))] > split[terms.term_for(date(2026, 12, 10))]
    weekend = capacity.split_days(Decimal(1), date(2026, 10, 3), date(2026, 10, 4), terms)
    assert list(weekend.values()) == [Decimal(1)]


@pytest.mark.parametrize("days", ["0.5", "1", "2.5", "7", "19.5"])
def test_splitting_never_loses_or_invents_a_half_day(days):
    terms = SchoolCalendar([AUTUMN, SPRING, SUMMER])
    split = capacity.split_days(Decimal(days), date(2026, 11, 2), date(2027, 5, 28), terms)
    assert sum(split.values()) == Decimal(days)
